import Foundation

/// The programs that run evalplus's differential tests in the sandbox: Resources/differential.py
/// (after evalplus 0.3.1), an ordinary module that CI lints, with one call appended.
enum DifferentialDriver {
    /// evalplus's memory limit for a sample (EVALPLUS_MAX_MEMORY_BYTES, 4 GiB).
    static let memoryMB = 4096

    /// Resources/differential.py, read once.
    static let module = PythonResource("differential.py").text

    /// Run mode, stdin = the task's evalplus record: per suite, the time limit of every input, how
    /// long the canonical solution took and its outputs (DifferentialReference reads the line).
    static func referenceProgram(dataset: String) -> String {
        module + "\n_reference_main(\(PythonJSON.string(dataset)))\n"
    }

    /// Check mode, stdin = a line {"suite", "limits", "expected", "recompute"} then the task's
    /// record: the completion's function against the canonical solution's outputs, input by
    /// input, as evalplus compares.
    static func checkProgram(code: String, entryPoint: String, dataset: String) -> String {
        let encoded = Data(code.utf8).base64EncodedString()
        return module + "\n_codeloop_differential(\(PythonJSON.string(encoded)), \(PythonJSON.string(entryPoint)), \(PythonJSON.string(dataset)))\n"
    }
}
