import Foundation
import Testing

@Suite(.serialized) struct ReportCLITests {
    /// generate → evaluate → report at two temperatures with the bundled model, then again:
    /// the second run keeps every finished file.
    @Test func sweepRunsEndToEndAndResumes() throws {
        let directory = scratchDirectory()
        let arguments = ["sweep", "--tasks", "humaneval", "--limit", "2", "--n", "2", "--temperatures", "0.2,0.8",
                         "--max-tokens", "8", "--truncate-prompts", "--out-dir", directory, "--quiet"]
        let (status, stdout, stderr) = try codeloop(arguments)
        #expect(status == 0, "\(stderr)")
        #expect(stdout.contains("| samples-T0.2 | 0.2 | 2 | 4 |"))
        #expect(stdout.contains("| samples-T0.8 | 0.8 | 2 | 4 |"))
        let html = try String(contentsOfFile: directory + "/report.html", encoding: .utf8)
        #expect(html.contains("<svg id=\"chart-temperature\""))
        let results = try String(contentsOfFile: directory + "/samples-T0.2.jsonl_results.jsonl", encoding: .utf8)
        #expect(results.split(separator: "\n").count == 4)
        #expect(results.contains("\"temperature\":0.2,"))
        let (again, _, secondErr) = try codeloop(arguments)
        #expect(again == 0)
        #expect(secondErr.contains("samples-T0.2.jsonl_results.jsonl is complete; kept"))
        #expect(try String(contentsOfFile: directory + "/samples-T0.2.jsonl_results.jsonl", encoding: .utf8) == results)
    }

    @Test func reportRefusesASamplesFileByLine() throws {
        let directory = scratchDirectory()
        let path = directory + "/samples.jsonl"
        try "{\"task_id\": \"HumanEval/0\", \"completion\": \"x\"}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (status, _, stderr) = try codeloop(["report", path, "--out", directory + "/r.html"])
        #expect(status == 1)
        #expect(stderr == "Error: \(path):1: no verdict (\"result\" and \"passed\"): is this a results file of codeloop evaluate?\n")
    }

    @Test func sweepRejectsBadTemperatures() throws {
        let (status, _, stderr) = try codeloop(["sweep", "--temperatures", "0.2,hot"])
        #expect(status == 64)
        #expect(stderr.hasPrefix("Error: --temperatures must be a comma-separated list of numbers >= 0, got '0.2,hot'"))
    }
}
