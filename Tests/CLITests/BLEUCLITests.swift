import Foundation
import Testing

/// `evaluate --bleu` puts each sample's BLEU against the canonical solution in its results line,
/// and `report` draws the passing and failing distributions (the Codex paper's figure 14).
@Suite struct BLEUCLITests {
    @Test func evaluateAddsBLEUAndReportChartsIt() throws {
        let directory = scratchDirectory()
        let problems = directory + "/problems.jsonl"
        try [#"{"task_id": "t/0", "prompt": "def f(x):\n", "canonical_solution": "    return x + 1\n", "test": "def check(c):\n    assert c(1) == 2\n", "entry_point": "f"}"#,
             #"{"task_id": "t/1", "prompt": "def g(x):\n", "canonical_solution": "    return 2 * x\n", "test": "def check(c):\n    assert c(2) == 4\n", "entry_point": "g"}"#]
            .joined(separator: "\n").write(toFile: problems, atomically: true, encoding: .utf8)
        let samples = directory + "/samples.jsonl"
        try [#"{"task_id": "t/0", "completion": "    return x + 1\n"}"#, #"{"task_id": "t/0", "completion": "    return x + 2\n"}"#,
             #"{"task_id": "t/1", "completion": "    return x * 2\n"}"#, #"{"task_id": "t/1", "completion": "    pass\n"}"#]
            .joined(separator: "\n").write(toFile: samples, atomically: true, encoding: .utf8)
        var (status, _, stderr) = try codeloop(["evaluate", samples, "--problems", problems, "--bleu", "--k", "1", "--quiet"])
        #expect(status == 0, "\(stderr)")
        let rows = try String(contentsOfFile: samples + "_results.jsonl", encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        let scores = rows.map { $0["bleu"] as? Double }
        #expect(scores[0] == 1.0, "the canonical solution itself")
        #expect(rows.map { $0["passed"] as? Bool } == [true, false, true, false])
        // "return x + 2" shares all but one token with "return x + 1": high BLEU, yet it fails.
        #expect((scores[1] ?? 0) > 0.5 && (scores[3] ?? 1) < 0.1, "\(scores)")
        (status, _, stderr) = try codeloop(["report", samples + "_results.jsonl", "--out", directory + "/report.html"])
        #expect(status == 0, "\(stderr)")
        let html = try String(contentsOfFile: directory + "/report.html", encoding: .utf8)
        #expect(html.contains("BLEU and correctness") && html.contains("id=\"chart-bleu\""))
    }
}
