import Foundation
import Sandbox
import Testing
@testable import Evaluation

@Suite struct PromptExamplesTests {
    /// Examples counted by hand in each prompt, under the rules of PromptExample: an answer must be
    /// a literal, so prose answers (`fib4(n) -> fib4(n-1) + ...`, `is_happy(a) => False` with a bare
    /// name) do not count, nor does a doctest with no output line (HumanEval/12's `longest([])`).
    static let handCounts: [String: Int] = [
        "HumanEval/0": 2, "HumanEval/12": 2, "HumanEval/32": 2, "HumanEval/46": 7, "HumanEval/63": 6,
        "HumanEval/66": 6, "HumanEval/67": 4, "HumanEval/68": 4, "HumanEval/72": 4, "HumanEval/77": 6,
        "HumanEval/79": 2, "HumanEval/80": 0, "HumanEval/95": 5, "HumanEval/97": 4, "HumanEval/99": 2,
        "HumanEval/102": 2, "HumanEval/116": 3, "HumanEval/130": 4, "HumanEval/141": 2, "HumanEval/148": 3,
    ]

    @Test func countsMatchAReadingByHandOnTwentyHumanEvalTasks() throws {
        let set = try ProblemSet.load("humaneval")
        for (taskID, count) in Self.handCounts {
            let examples = set[taskID]!.statedExamples
            #expect(examples.count == count, "\(taskID): \(examples)")
        }
    }

    @Test func eachFormIsRead() {
        let prompt = """
            def f(x, y=0):
                \"\"\" Text that mentions f(x) in passing.
                >>> f(1)
                2
                >>> f(2) == 3
                True
                >>> round(f(0.5), 1)
                1.5
                f(3) ==> 4
                * f(4) => [5]
                f(5) -> (6, 7)
                f(6) ➞ {'a': 1}
                f(7) should return -8.
                f(8) returns 'nine' (a remark)
                f(9) # => None
                f(10) = 1 + 10 = 11
                f(n) -> f(n - 1) + 1
                f(a) => False
                Input: x = 12, y = 1
                Output: 13
                assert f(14) == 15
                \"\"\"

            """
        let expected: [PromptExample] = [
            .comparison(call: "f(1)", expected: "2"), .comparison(call: "f(2)", expected: "3"),
            .comparison(call: "round(f(0.5), 1)", expected: "1.5"), .comparison(call: "f(3)", expected: "4"),
            .comparison(call: "f(4)", expected: "[5]"), .comparison(call: "f(5)", expected: "(6, 7)"),
            .comparison(call: "f(6)", expected: "{'a': 1}"), .comparison(call: "f(7)", expected: "-8"),
            .comparison(call: "f(8)", expected: "'nine'"), .comparison(call: "f(9)", expected: "None"),
            .comparison(call: "f(10)", expected: "11"), .comparison(call: "f(x = 12, y = 1)", expected: "13"),
            .statement("assert f(14) == 15"),
        ]
        #expect(PromptExample.read(prompt: prompt, entryPoint: "f") == expected)
    }

    @Test func mbppShowsItsFirstTest() throws {
        let mbpp = try ProblemSet.load("mbpp")
        #expect(mbpp["Mbpp/2"]!.statedExamples == [.statement("assert set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10))) == set((4, 5))")])
        #expect(try ProblemSet.load("apps").problems.allSatisfy { $0.statedExamples.isEmpty })
    }

    @Test func literals() {
        for text in ["1", "-2.5e3", "0x1F", "'a'", "\"b\" 'c'", "[1, (2, 3), {4: 'x'}, {5, 6}]", "(\"Venus\")", "()", "[1,]", "None", "b'xy'", "3j"] {
            #expect(PythonLiteral.isLiteral(text[...]), "\(text)")
        }
        for text in ["a", "1 +", "f(1)", "[1, 2", "'open", "19 - 5", "true", "x = 1", "Nonetheless"] {
            #expect(!PythonLiteral.isLiteral(text[...]), "\(text)")
        }
    }

    /// HumanEval/53 (add: examples add(2, 3) → 5 and add(5, 7) → 12): a correct sample, one that
    /// answers only the examples, and one that gets them wrong. Raw pass@1 = 1/3; filtered, the
    /// last is not submitted: 1/2. HumanEval/130 and /148 state examples their canonical solutions
    /// contradict (the recurrence `tri(1) = 3`; `bf("Earth", "Mercury") ==> ("Venus")` where a tuple
    /// is returned): those are set aside, and the canonical solutions pass what is left.
    @Test func filteringOnExamples() throws {
        let set = try ProblemSet.load("humaneval")
        let problems = ProblemSet(name: "four", problems: ["HumanEval/53", "HumanEval/130", "HumanEval/148", "HumanEval/0"].map { set[$0]! })
        let completions = [
            ("HumanEval/53", "    return x + y\n"), ("HumanEval/53", "    return {(2, 3): 5, (5, 7): 12}.get((x, y), 0)\n"),
            ("HumanEval/53", "    return x - y\n"),
        ] + problems.problems.dropFirst().map { ($0.taskID, $0.canonicalSolution) }
        let (summary, rows) = try evaluateCompletions(completions, problems: problems) { $0.filterOnExamples = true }
        #expect(rows.map { $0["public_passed"] as? Bool } == [true, true, false, true, true, true])
        #expect(rows.map { $0["passed"] as? Bool } == [true, false, false, true, true, true])
        let examples = Dictionary(uniqueKeysWithValues: summary.examples.map { ($0.taskID, ($0.read, $0.kept)) })
        #expect(examples["HumanEval/53"]! == (2, 2) && examples["HumanEval/130"]! == (4, 1) && examples["HumanEval/148"]! == (3, 2) && examples["HumanEval/0"]! == (2, 2))
        let filtered = try #require(summary.otherPassAtK.first { $0.name.hasPrefix("filtered") })
        // Per task: 53 → 1/2 submitted pass, the others 1/1; raw 53 → 1/3.
        #expect(abs(filtered.values[0].value - (0.5 + 3) / 4) < 1e-12)
        #expect(abs(summary.passAtK[0].value - (1.0 / 3 + 3) / 4) < 1e-12)
    }
}
