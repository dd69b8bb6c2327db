import Foundation
import Sandbox
import Testing
@testable import Evaluation

@Suite(.serialized) struct ResumeTests {
    @Test func journalledVerdictsAreKeptAndTheRestRun() throws {
        let path = scratchCopy("example_samples.jsonl")
        let samples = try SampleFile(path: path, problems: exampleProblems)
        let resultsPath = path + "_results.jsonl"
        // An interrupted run: samples 3 and 5 judged, then a torn record from a kill -9.
        // The journal's verdict for sample 3 is deliberately not the true one, to prove it is
        // taken from the journal and not recomputed.
        let journal = ResultsJournal(path: resultsPath + ".partial")
        try journal.append(index: 3, sample: samples.samples[3], verdict: Verdict(result: "failed: from the journal"))
        try journal.append(index: 5, sample: samples.samples[5], verdict: Verdict(result: "passed"))
        // A record for a different file's line (hash mismatch) must be ignored.
        try journal.append(index: 4, sample: samples.samples[0], verdict: Verdict(result: "failed: wrong file"))
        let handle = FileHandle(forWritingAtPath: resultsPath + ".partial")!
        handle.seekToEndOfFile()
        handle.write(Data(#"{"index": 0, "hash": "#.utf8))
        handle.closeFile()

        let pool = try guardedPool()
        defer { pool.shutdown() }
        var options = FunctionalCorrectness.Options()
        options.quiet = true
        let summary = try FunctionalCorrectness(problems: exampleProblems, pool: pool).evaluate(samples, options: options)
        #expect(summary.evaluatedNow == 4)
        let rows = try readResults(resultsPath)
        #expect(rows.map { $0["result"] as? String } == [
            "failed: 'NoneType' object is not callable", "timed out", "failed: EOF when reading a line",
            "failed: from the journal", "passed", "passed",
        ])
        #expect(!FileManager.default.fileExists(atPath: resultsPath + ".partial"))
    }

    /// A resumed HumanEval+ or APPS run keeps each journalled verdict's benchmark fields.
    @Test func journalKeepsBenchmarkFields() throws {
        let path = scratchCopy("example_samples.jsonl")
        let samples = try SampleFile(path: path, problems: exampleProblems)
        let journal = ResultsJournal(path: path + ".partial")
        var plus = Verdict(result: "failed: plus tests: input 3 of 9: AssertionError")
        plus.baseStatus = "pass"
        plus.plusStatus = "fail"
        var apps = Verdict(result: "passed")
        apps.publicPassed = true
        apps.testsPassed = 7
        apps.testsTotal = 7
        try journal.append(index: 0, sample: samples.samples[0], verdict: plus)
        try journal.append(index: 1, sample: samples.samples[1], verdict: apps)
        let recorded = try journal.recorded(for: samples.samples)
        #expect(recorded[0] == plus)
        #expect(recorded[1] == apps)
        let line = ResultsFile.line(for: samples.samples[0], verdict: plus)
        #expect(line.hasSuffix(#""base_status": "pass", "plus_status": "fail", "result": "failed: plus tests: input 3 of 9: AssertionError", "passed": false}"#))
    }

    @Test func incompleteTasksAreAnErrorUnlessIgnored() throws {
        let humaneval = try ProblemSet.load("humaneval")
        let path = temporaryFile("samples.jsonl", #"{"task_id": "HumanEval/0", "completion": "    return True"}"#)
        let samples = try SampleFile(path: path, problems: humaneval)
        let pool = try guardedPool(workers: 1)
        defer { pool.shutdown() }
        var options = FunctionalCorrectness.Options()
        options.quiet = true
        #expect(throws: EvaluationError("\(path): 163 of 164 tasks have no samples (first: HumanEval/1); pass --ignore-incomplete to score only the attempted tasks")) {
            try FunctionalCorrectness(problems: humaneval, pool: pool).evaluate(samples, options: options)
        }
        options.ignoreIncomplete = true
        let summary = try FunctionalCorrectness(problems: humaneval, pool: pool).evaluate(samples, options: options)
        #expect(summary.tasks == 1 && summary.samples == 1)
    }

    @Test func deduplicationRunsEachDistinctProgramOnceWithTheSameVerdicts() throws {
        let lines = (0..<12).map { i in
            #"{"task_id": "test/0", "completion": "    return \#(i % 3)"}"#
        }
        let pool = try guardedPool()
        defer { pool.shutdown() }
        var results: [[String?]] = []
        for deduplicate in [false, true] {
            let path = temporaryFile("samples.jsonl", lines.joined(separator: "\n"))
            var options = FunctionalCorrectness.Options()
            options.quiet = true
            options.deduplicate = deduplicate
            let summary = try FunctionalCorrectness(problems: exampleProblems, pool: pool)
                .evaluate(try SampleFile(path: path, problems: exampleProblems), options: options)
            #expect(summary.executed == (deduplicate ? 3 : 12))
            #expect(summary.passed == 4)
            results.append(try readResults(summary.resultsPath).map { $0["result"] as? String })
        }
        #expect(results[0] == results[1])
    }
}

@Suite struct ResultsLineTests {
    /// The verdict goes inside the sample's own object whatever JSON whitespace surrounds it,
    /// and a character outside ASCII at the end of the object is kept whole.
    @Test func verdictFieldsGoInsideTheObjectWhateverTheWhitespace() throws {
        let text = "  {\"task_id\": \"test/0\", \"completion\": \"    return 1\", \"note\": \"é\"} \t\r\n"
        let samples = try SampleFile(path: temporaryFile("samples.jsonl", text), problems: exampleProblems)
        let line = ResultsFile.line(for: samples.samples[0], verdict: Verdict(result: "passed"))
        #expect(line == #"{"task_id": "test/0", "completion": "    return 1", "note": "é", "result": "passed", "passed": true}"#)
        #expect(JSONLines.trimmed(" \t\r\n") == "")
        #expect(JSONLines.trimmed("{\"a\": \"é\"}\u{00A0}") == "{\"a\": \"é\"}\u{00A0}")
    }
}
