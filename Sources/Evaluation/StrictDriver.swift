import Foundation

/// The programs of strict judging: Resources/strict.py (the child that runs the sample and can
/// only send its outputs, the parent that judges them), with differential.py after it for evalplus's
/// suites, and one call.
enum StrictDriver {
    /// Resources/strict.py, read once.
    static let module = PythonResource("strict.py").text

    /// evalplus's suite; stdin as DifferentialDriver.checkProgram's.
    static func evalplusProgram(code: String, entryPoint: String, dataset: String) -> String {
        module + "\n" + DifferentialDriver.module + "\n_codeloop_strict(\(encoded(code)), \(PythonJSON.string(entryPoint)), \(PythonJSON.string(dataset)))\n"
    }

    /// Assert statements that call the function once; stdin is `assertsStdin` or `checkStdin`.
    static func assertsProgram(code: String, entryPoint: String, secondsPerCall: Double) -> String {
        module + "\n_codeloop_strict_asserts(\(encoded(code)), \(PythonJSON.string(entryPoint)), \(secondsPerCall))\n"
    }

    static func assertsStdin(setup: String, asserts: [String]) -> String {
        "{\"setup\": \(PythonJSON.string(setup)), \"asserts\": [\(asserts.map(PythonJSON.string).joined(separator: ", "))]}"
    }

    static func checkStdin(test: String) -> String { "{\"test\": \(PythonJSON.string(test))}" }

    /// One APPS call-based case; stdin is AppsCallDriver.stdin(for:functionName:).
    static func appsProgram(program: String, secondsPerCall: Double) -> String {
        module + "\n_codeloop_strict_apps(\(encoded(AppsCallDriver.header + program)), \(secondsPerCall))\n"
    }

    private static func encoded(_ code: String) -> String { PythonJSON.string(Data(code.utf8).base64EncodedString()) }
}
