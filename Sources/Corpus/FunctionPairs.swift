import BundledData
import Foundation

/// Codex-S's training examples, from ordinary code: every top-level function with a docstring
/// and a body becomes (module imports + signature + docstring → body), the shape of a HumanEval
/// prompt and its canonical solution. Python's own ast module does the parsing
/// (Resources/extract_functions.py, run in the sandbox: the corpus is untrusted input), and
/// Codex-S's filter — keep the functions whose examples pass — runs each function's doctests
/// (Resources/run_doctests.py, in the sandbox too, where a hanging example times out).
public enum FunctionPairs {
    /// Longest body kept, in lines (extract_functions.py's MAXIMUM_BODY_LINES): Codex-S's functions are short, standalone ones.
    public static let maximumBodyLines = 40

    /// The program that prints one JSON object per function of the source on its stdin.
    public static func extractionProgram() throws -> String { try program("extract_functions.py") }

    /// The program that runs one pair's doctests (the pair as JSON on its stdin).
    public static func doctestProgram() throws -> String { try program("run_doctests.py") }

    static func program(_ file: String) throws -> String {
        guard let text = BundledData.text(file, target: "Corpus") else { throw CorpusError(BundledData.missing(file)) }
        return text
    }

    /// The pairs in one run's output, skipping lines that are not whole objects (a truncated tail).
    public static func parse(_ output: String) -> [(prompt: String, completion: String)] {
        output.split(separator: "\n").compactMap { line in
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  let prompt = object["prompt"] as? String, let completion = object["completion"] as? String else { return nil }
            return (prompt, completion)
        }
    }

    /// What running a function's doctests showed.
    public enum DoctestOutcome: String, Sendable {
        /// The docstring has no examples.
        case none
        case passed, failed
        /// An example did not finish within the sandbox's time limit.
        case timedOut = "timed out"
    }

    /// The outcome from run_doctests.py's output and how its run ended, and whether the examples ran in
    /// the namespace of the function's own module (imported from its package) rather than a bare one.
    public static func doctestOutcome(stdout: String, timedOut: Bool) -> (outcome: DoctestOutcome, inModule: Bool) {
        guard let line = stdout.split(separator: "\n").last,
              let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
              let examples = object["examples"] as? Int, let failed = object["failed"] as? Int else { return (timedOut ? .timedOut : .failed, false) }
        let inModule = object["module"] as? String == "imported"
        if timedOut { return (.timedOut, inModule) }
        if examples == 0 { return (.none, inModule) }
        return (failed == 0 ? .passed : .failed, inModule)
    }

    /// The stdin of run_doctests.py for one pair; with the module it came from, whose namespace the
    /// examples then run in, and the sys.path entries that hold each top-level package of the corpus
    /// (its dependencies are among them), found by name rather than by searching every archive.
    public static func doctestInput(prompt: String, completion: String, module: PythonModule? = nil,
                                    packages: [String: [String]] = [:]) -> String {
        var object: [String: Any] = ["prompt": prompt, "completion": completion]
        if let module {
            object["path"] = module.root
            object["module"] = module.name
            object["packages"] = packages
        }
        return String(decoding: jsonObject(object), as: UTF8.self)
    }

    /// One JSON object with sorted keys: a line of the JSONL file ({"completion", "prompt"}) or run_doctests.py's input.
    static func jsonObject(_ fields: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }
}
