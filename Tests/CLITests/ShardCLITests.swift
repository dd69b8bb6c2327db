import Foundation
import Testing

/// A run split over machines: generate and evaluate per shard, then merge; the merged results are
/// the unsharded run's, byte for byte.
@Suite struct ShardCLITests {
    @Test func mergedShardsEqualTheUnshardedRunByteForByte() throws {
        let directory = scratchDirectory()
        let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ModelsTests/Fixtures/gpt2-tiny").path
        let problems = directory + "/problems.jsonl"
        // Seven tasks, one of them solved by a constant so that pass@k is not zero.
        try (0..<7).map { i in
            #"{"task_id": "t/\#(i)", "prompt": "def f\#(i)():\n    return \#(i)\n\ndef g\#(i)():\n", "test": "def check(c):\n    assert c() in (None, \#(i))\n", "entry_point": "g\#(i)"}"#
        }.joined(separator: "\n").write(toFile: problems, atomically: true, encoding: .utf8)
        let common = ["generate", "--model", model, "--tasks", problems, "--n", "3", "--max-tokens", "6", "--seed", "9", "--quiet"]
        var (status, stdout, stderr) = try codeloop(common + ["--out", directory + "/all.jsonl"])
        #expect(status == 0, "\(stderr)")
        (status, _, stderr) = try codeloop(["evaluate", directory + "/all.jsonl", "--problems", problems, "--k", "1,3", "--quiet"])
        #expect(status == 0, "\(stderr)")
        var shardResults: [String] = []
        for i in 0..<3 {
            let samples = directory + "/shard-\(i).jsonl"
            (status, _, stderr) = try codeloop(common + ["--shard", "\(i)/3", "--out", samples])
            #expect(status == 0, "\(stderr)")
            (status, _, stderr) = try codeloop(["evaluate", samples, "--problems", problems, "--shard", "\(i)/3", "--k", "1,3", "--quiet"])
            #expect(status == 0, "\(stderr)")
            shardResults.append(samples + "_results.jsonl")
        }
        // Shard 1 of 3 holds the tasks at positions 1 and 4.
        let shard1 = try String(contentsOfFile: directory + "/shard-1.jsonl", encoding: .utf8)
        #expect(shard1.contains("\"t/1\"") && shard1.contains("\"t/4\"") && !shard1.contains("\"t/0\""))
        (status, stdout, stderr) = try codeloop(["merge"] + shardResults.reversed() + ["--problems", problems, "--out", directory + "/merged.jsonl",
                                                                                      "--k", "1,3", "--json"])
        #expect(status == 0, "\(stderr)")
        let merged = FileManager.default.contents(atPath: directory + "/merged.jsonl")
        let unsharded = FileManager.default.contents(atPath: directory + "/all.jsonl_results.jsonl")
        #expect(merged != nil && merged == unsharded)
        let summary = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as! [String: Any]
        #expect(summary["samples"] as? Int == 21 && summary["tasks"] as? Int == 7)
        var unshardedStdout: String
        (status, unshardedStdout, _) = try codeloop(["evaluate", directory + "/all.jsonl", "--problems", problems, "--k", "1,3", "--json", "--quiet"])
        let whole = try JSONSerialization.jsonObject(with: Data(unshardedStdout.utf8)) as! [String: Any]
        #expect(summary["pass@1"] as? Double == whole["pass@1"] as? Double && summary["pass@3"] as? Double == whole["pass@3"] as? Double)

        // Overlapping shards and malformed shard specs are refused with one line.
        (status, _, stderr) = try codeloop(["merge", shardResults[0], shardResults[0], "--problems", problems, "--out", directory + "/x.jsonl"])
        #expect(status != 0 && stderr.hasPrefix("Error: \(shardResults[0]):1:") && stderr.contains("shards must not overlap"), "\(stderr)")
        (status, _, stderr) = try codeloop(common + ["--shard", "3/3", "--out", directory + "/bad.jsonl"])
        #expect(status != 0 && stderr == "Error: --shard 3/3: expected i/N with 0 ≤ i < N, e.g. 0/4\n", "\(stderr)")
    }
}
