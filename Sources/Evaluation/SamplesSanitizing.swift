import Foundation
import Sandbox

extension AnswerSanitizer {
    /// Which lines of a samples file get a new `solution`.
    public enum Lines: Sendable {
        /// Every line, from its `raw` answer, else its `solution`, else prompt + "\n" + completion
        /// (evalplus's sanitize script reads a line so).
        case all
        /// Only the lines with a `raw` answer and no `solution` yet (a resumed `generate --chat`).
        case unsanitized
    }

    /// Sanitizes the samples file `path` into `out` (which may be `path`): each chosen line gets
    /// `solution` and `code_found`; every other field is kept. Returns the lines sanitized and,
    /// of them, those with no code found.
    @discardableResult
    public static func sanitizeFile(_ path: String, problems: ProblemSet, pool: SandboxPool, lines which: Lines,
                                    out: String) throws -> (sanitized: Int, withoutCode: Int) {
        let lines = try JSONLines.read(path)
        var chosen: [Int] = []
        var answers: [Answer] = []
        for (index, line) in lines.enumerated() {
            let taskID = try line.string("task_id", in: path)
            guard let problem = problems[taskID] else {
                throw EvaluationError.at(path, line: line.number, "unknown task_id \"\(taskID)\" (not in \(problems.name))")
            }
            let text: String
            if line.object["raw"] != nil {
                text = try line.string("raw", in: path)
            } else if case .unsanitized = which {
                continue
            } else if line.object["solution"] != nil {
                text = try line.string("solution", in: path)
            } else {
                text = problem.prompt + "\n" + (try line.string("completion", in: path))
            }
            if case .unsanitized = which, line.object["solution"] != nil { continue }
            chosen.append(index)
            answers.append(Answer(text: text, entryPoint: problem.entryPoint))
        }
        if chosen.isEmpty && out == path { return (0, 0) }
        let results = try sanitize(answers, pool: pool)
        var objects = lines.map(\.object)
        for (index, result) in zip(chosen, results) {
            objects[index]["solution"] = result.solution
            objects[index]["code_found"] = result.codeFound
        }
        try ResultsFile.write(try objects.map {
            String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
        }, to: out)
        return (results.count, results.filter { !$0.codeFound }.count)
    }
}
