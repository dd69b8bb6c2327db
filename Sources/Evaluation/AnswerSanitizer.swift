import Foundation
import Locking
import Sandbox

/// The code in chat models' answers, by evalplus's sanitize rules (Resources/sanitize.py: the
/// longest parsing line range; its imports, classes, returning functions and assignments; only
/// what the entry point reaches). Python's ast does the parsing, inside the sandbox, since the
/// answers are untrusted text.
public enum AnswerSanitizer {
    public struct Answer: Sendable {
        public let text: String
        /// Keep only the definitions this name reaches; nil keeps every one.
        public let entryPoint: String?

        public init(text: String, entryPoint: String?) {
            self.text = text
            self.entryPoint = entryPoint
        }
    }

    public struct Result: Sendable, Equatable {
        /// What evalplus's sanitize writes for the answer.
        public let solution: String
        /// Whether the solution holds any statement but a bare expression (prose has none).
        public let codeFound: Bool

        public init(solution: String, codeFound: Bool) {
            self.solution = solution
            self.codeFound = codeFound
        }
    }

    /// Answers per sandbox job: one Python start serves many answers.
    static let batchSize = 32

    /// Each answer's result, in order. An answer whose sanitizing fails (it exhausts the job's
    /// limits) gets an empty solution without code, and the others are unaffected.
    public static func sanitize(_ answers: [Answer], pool: SandboxPool) throws -> [Result] {
        let program = PythonResource("sanitize.py").text
        let batches = stride(from: 0, to: answers.count, by: batchSize).map { $0..<min($0 + batchSize, answers.count) }
        let results = LockedBox([Result?](repeating: nil, count: answers.count))
        @Sendable func job(_ range: Range<Int>) -> SandboxJob {
            var job = SandboxJob(mode: .run, program: program, stdin: stdin(answers[range]))
            job.wallSeconds = 20 + 2 * Double(range.count)
            job.outputBytes = 1 << 26
            return job
        }
        try pool.runAll(count: batches.count, job: { job(batches[$0]) }, onOutcome: { index, outcome in
            let parsed = parse(outcome.stdout)
            results.withLock { all in
                for (position, result) in zip(batches[index], parsed) { all[position] = result }
            }
        })
        // A batch cut short (a pathological answer) leaves the rest of it to run one by one.
        let missing = results.value.indices.filter { results.value[$0] == nil }
        try pool.runAll(count: missing.count, job: { job(missing[$0]..<missing[$0] + 1) }, onOutcome: { index, outcome in
            let parsed = parse(outcome.stdout)
            results.withLock { $0[missing[index]] = parsed.first ?? Result(solution: "", codeFound: false) }
        })
        return results.value.map { $0! }
    }

    static func stdin(_ answers: ArraySlice<Answer>) -> String {
        answers.map { answer in
            let object: [String: Any] = ["text": answer.text, "entry_point": answer.entryPoint ?? NSNull()]
            return String(decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
        }.joined()
    }

    /// The results in a job's output, up to its first line that is not a whole result.
    static func parse(_ stdout: String) -> [Result] {
        var results: [Result] = []
        for line in stdout.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let solution = object["solution"] as? String, let codeFound = object["code_found"] as? Bool else { break }
            results.append(Result(solution: solution, codeFound: codeFound))
        }
        return results
    }
}
