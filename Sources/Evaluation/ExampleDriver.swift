import Foundation

/// The programs that run a prompt's examples (PromptExample) in the sandbox:
/// Resources/examples.py, an ordinary module that CI lints, with one call appended.
enum ExampleDriver {
    /// Resources/examples.py, read once.
    static let module = PythonResource("examples.py").text

    /// Check mode: passes when every example holds after `code`.
    static func checkProgram(code: String, examples: [PromptExample]) -> String {
        code + "\n" + module + "\n_codeloop_examples(\(encoded(examples)), False)\n"
    }

    /// Run mode: prints which examples hold after `code`, as a JSON list of booleans.
    static func reportProgram(code: String, examples: [PromptExample]) -> String {
        code + "\n" + module + "\n_codeloop_examples(\(encoded(examples)), True)\n"
    }

    /// The examples as base64 of a JSON list, so that no text of theirs can break the program.
    static func encoded(_ examples: [PromptExample]) -> String {
        let list = examples.map { example -> String in
            switch example {
            case .statement(let code): return "[\"statement\", \(PythonJSON.string(code))]"
            case .comparison(let call, let expected): return "[\"comparison\", \(PythonJSON.string(call)), \(PythonJSON.string(expected))]"
            }
        }
        return PythonJSON.string(Data(("[" + list.joined(separator: ", ") + "]").utf8).base64EncodedString())
    }
}

extension Problem {
    /// The examples this problem's prompt states (none for APPS, whose statement examples are
    /// its public cases).
    public var statedExamples: [PromptExample] {
        if case .standardIO = suite { return [] }
        return PromptExample.read(prompt: prompt, entryPoint: entryPoint)
    }

    /// The program the examples run after: the code a sample makes, without the tests.
    func exampleCode(_ code: SampleCode) -> String {
        if case .callBased(let tests) = suite { return AppsCallDriver.code(program: code.text, functionName: tests.functionName) }
        return source(code)
    }
}
