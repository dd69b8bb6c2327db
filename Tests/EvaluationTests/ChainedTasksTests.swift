import Foundation
import Sandbox
import Testing
@testable import Evaluation

@Suite struct ChainedTasksTests {
    /// Each of the 13 operations on one string, worked out by hand.
    @Test func eachOperationDoesWhatItsPhraseSays() {
        let input = Array("Hello, World 42 ok ")
        let expected = [
            "hello, world 42 ok ", "HELLO, WORLD 42 OK ", "hELLO, wORLD 42 OK ", " ko 24 dlroW ,olleH", "Helo Wrl 4 o ",
            "Hello, Wo", "Hello,!World!42!ok!", "Hello; World 42 ok ", "Hll, Wrld 42 k ", "Hello, World  ok ",
            "HHeelllloo,,  WWoorrlldd  4422  ookk  ", "ello, World 42 ok H", "Hello, World 42 ok",
        ]
        #expect(ChainedTasks.operations.count == 13)
        #expect(Set(ChainedTasks.operations.map(\.phrase)).count == 13)
        for (operation, want) in zip(ChainedTasks.operations, expected) {
            #expect(String(operation.apply(input)) == want, "\(operation.phrase)")
        }
    }

    @Test func aTaskIsTheDocstringTheReferenceAndItsTests() throws {
        let set = ChainedTasks.problemSet(seed: 7, tasksPerLength: 3)
        #expect(set.problems.count == 39)
        #expect(set.problems.map { ChainedTasks.length(ofTaskID: $0.taskID)! } == (1...13).flatMap { [$0, $0, $0] })
        let task = set["Chained/k=2/0"]!
        let steps = task.prompt.split(separator: "\n").filter { $0.hasPrefix("    -") }
        #expect(steps.count == 2)
        #expect(task.prompt.hasPrefix("def string_manipulation(s: str) -> str:\n    \"\"\"\n    This function takes a string as input"))
        #expect(task.canonicalSolution.split(separator: "\n").count == 3)  // two steps and the return
        guard case .humanEval(let test) = task.suite else { Issue.record("not a check() suite"); return }
        #expect(test.components(separatedBy: "assert candidate(").count - 1 == ChainedTasks.testsPerTask)
        // The same seed gives the same tasks; another seed, others.
        #expect(ChainedTasks.problemSet(seed: 7, tasksPerLength: 3).problems.map(\.prompt) == set.problems.map(\.prompt))
        #expect(ChainedTasks.problemSet(seed: 8, tasksPerLength: 3).problems.map(\.prompt) != set.problems.map(\.prompt))
        #expect(try ProblemSet.load("chained:seed=7,tasks=3").problems.map(\.prompt) == set.problems.map(\.prompt))
        #expect(try ProblemSet.load("chained").problems.count == 130)
        #expect(throws: EvaluationError.self) { try ProblemSet.load("chained:tasks=0") }
        #expect(throws: EvaluationError.self) { try ProblemSet.load("chained:size=3") }
    }

    /// The expected outputs (Swift) agree with the Python reference: every canonical solution passes
    /// its tests in the sandbox, and returning the input unchanged fails all but a few.
    @Test func thePythonReferencePassesTheTestsTheSwiftOperationsComputed() throws {
        let set = try ProblemSet.load("chained")
        func judged(_ completion: (Problem) -> String) throws -> [Bool] {
            try evaluateCompletions(set.problems.map { ($0.taskID, completion($0)) }, problems: set).1.map { $0["passed"] as! Bool }
        }
        let canonical = try judged(\.canonicalSolution)
        #expect(canonical.allSatisfy { $0 }, "\(canonical.filter { !$0 }.count) canonical solutions failed")
        let unchanged = try judged { _ in "    return s\n" }
        #expect(unchanged.filter { $0 }.count < 5)
    }
}
