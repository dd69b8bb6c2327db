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

    /// The outcome from run_doctests.py's output and how its run ended.
    public static func doctestOutcome(stdout: String, timedOut: Bool) -> DoctestOutcome {
        if timedOut { return .timedOut }
        guard let line = stdout.split(separator: "\n").last,
              let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
              let examples = object["examples"] as? Int, let failed = object["failed"] as? Int else { return .failed }
        if examples == 0 { return .none }
        return failed == 0 ? .passed : .failed
    }

    /// The stdin of run_doctests.py for one pair.
    public static func doctestInput(prompt: String, completion: String) -> String {
        String(decoding: jsonObject(prompt: prompt, completion: completion), as: UTF8.self)
    }

    /// One pair as a JSON object {"completion", "prompt"}: a line of the JSONL file and run_doctests.py's input.
    static func jsonObject(prompt: String, completion: String) -> Data {
        (try? JSONSerialization.data(withJSONObject: ["prompt": prompt, "completion": completion],
                                     options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }
}
