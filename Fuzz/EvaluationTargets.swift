import Evaluation
import Foundation

/// What other tools write for `evaluate`: samples files, problem files of every format (with the
/// programs each runs, built without running them, and the examples each prompt states), and the
/// examples a prompt states.
enum EvaluationTargets {
    static let humanEval = try! ProblemSet.load("humaneval")

    static func samples(_ data: Data) {
        let path = Scratch.file("samples.jsonl", data)
        _ = try? SampleFile(path: path, problems: humanEval)
    }

    static func problems(_ data: Data) {
        let path = Scratch.file("problems.jsonl", data)
        guard let set = try? ProblemSet.load(path: path, name: "fuzzed") else { return }
        for problem in set.problems.prefix(8) {
            _ = problem.statedExamples
            _ = problem.program(.completion("    return None\n"))
            _ = problem.program(.solution(problem.prompt + "    return None\n"))
        }
    }

    /// A prompt's docstring examples (`>>> f(1)` then its value, `f(1) == 2`, "Input: ... Output: ...").
    static func pythonLiteral(_ data: Data) {
        guard let text = String(data: data, encoding: .utf8) else { return }
        let entryPoint = text.split(separator: "(", maxSplits: 1).first.map { String($0.suffix(12)) } ?? "f"
        _ = PromptExample.read(prompt: text, entryPoint: entryPoint)
        _ = PromptExample.read(prompt: text, entryPoint: "f")
    }
}
