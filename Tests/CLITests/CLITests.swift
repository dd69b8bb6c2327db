import Foundation
import Testing
import TestSupport
import TestScratch

/// Runs the built codeloop binary and returns (status, stdout, stderr).
/// The codeloop binary SwiftPM built beside this test bundle (debug or release, whatever the
/// build directory), else the package's .build/debug one.
let codeloopBinary: URL = {
    if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        let beside = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("codeloop")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
    }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/codeloop")
}()

func codeloop(_ arguments: [String], in directory: String? = nil) throws -> (Int32, String, String) {
    let process = Process()
    process.executableURL = codeloopBinary
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

func scratchDirectory() -> String {
    Scratch.directory("cli")
}

@Suite(.serialized) struct CLITests {
    @Test func badInputIsOneLineWithoutATrace() throws {
        let directory = scratchDirectory()
        let path = directory + "/samples.jsonl"
        try "{\"task_id\": \"HumanEval/0\", \"completion\": \"x\"}\n{broken\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (status, stdout, stderr) = try codeloop(["evaluate", path])
        #expect(status == 1)
        #expect(stdout.isEmpty)
        #expect(stderr == "Error: \(path):2: malformed JSON\n")
    }

    @Test func wrongFlagIsNamed() throws {
        let (status, _, stderr) = try codeloop(["evaluate", "x.jsonl", "--k", "1,zero"])
        #expect(status == 64)
        #expect(stderr.hasPrefix("Error: --k must be a comma-separated list of positive integers, got '1,zero'"))
        let (spareStatus, _, spareError) = try codeloop(["evaluate", "x.jsonl", "--spare-workers=-1"])
        #expect(spareStatus == 64)
        #expect(spareError.hasPrefix("Error: --spare-workers must be at least 0"))
    }

    @Test func evaluateJSONSummary() throws {
        let directory = scratchDirectory()
        let samples = directory + "/samples.jsonl"
        let problems = directory + "/problems.jsonl"
        try #"{"task_id": "t/0", "prompt": "def f():\n", "canonical_solution": "    return 1\n", "test": "def check(c):\n    assert c() == 1\n", "entry_point": "f"}"#.write(toFile: problems, atomically: true, encoding: .utf8)
        try (#"{"task_id": "t/0", "completion": "    return 1"}"# + "\n" + #"{"task_id": "t/0", "completion": "    return 2"}"# + "\n").write(toFile: samples, atomically: true, encoding: .utf8)
        let (status, stdout, _) = try codeloop(["evaluate", samples, "--problems", problems, "--json", "--quiet"])
        #expect(status == 0)
        #expect(stdout.contains(#""pass@1":0.5"#))
        #expect(stdout.contains(#""dropped_k":[10,100]"#))
        let results = try String(contentsOfFile: samples + "_results.jsonl", encoding: .utf8)
        #expect(results == #"{"task_id": "t/0", "completion": "    return 1", "result": "passed", "passed": true}"# + "\n"
            + #"{"task_id": "t/0", "completion": "    return 2", "result": "failed: ", "passed": false}"# + "\n")
    }

    @Test func resumesAfterKillNine() throws {
        let directory = scratchDirectory()
        let samples = directory + "/samples.jsonl"
        let problems = directory + "/problems.jsonl"
        try #"{"task_id": "t/0", "prompt": "def f():\n", "canonical_solution": "", "test": "def check(c):\n    assert c() == 1\n", "entry_point": "f"}"#.write(toFile: problems, atomically: true, encoding: .utf8)
        var lines: [String] = []
        for i in 0..<40 {
            lines.append(#"{"task_id": "t/0", "completion": "    import time\n    time.sleep(0.1)\n    return \#(i % 2)"}"#)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: samples, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = codeloopBinary
        process.arguments = ["evaluate", samples, "--problems", problems, "--quiet", "--workers", "2"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let journal = samples + "_results.jsonl.partial"
        // Wait until some verdicts are journalled, then kill -9 mid-run.
        for _ in 0..<300 {
            let text = (try? String(contentsOfFile: journal, encoding: .utf8)) ?? ""
            if text.split(separator: "\n").count >= 6 { break }
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let partial = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n").count
        #expect(partial >= 6 && partial < 40)
        let (status, stdout, _) = try codeloop(["evaluate", samples, "--problems", problems, "--json", "--quiet"])
        #expect(status == 0)
        #expect(stdout.contains(#""evaluated_now":\#(40 - partial)"#))
        #expect(stdout.contains(#""passed":20"#))
        let results = try String(contentsOfFile: samples + "_results.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(results.count == 40)
        for (i, line) in results.enumerated() {
            #expect(line.hasSuffix(i % 2 == 1 ? #""result": "passed", "passed": true}"# : #""passed": false}"#))
        }
        #expect(!FileManager.default.fileExists(atPath: journal))
    }

    @Test func runReportsOutputStatusAndLimit() throws {
        let directory = scratchDirectory()
        let program = directory + "/spin.py"
        try "print('hello')\nimport sys\nprint(sys.stdin.read().upper())\nwhile True:\n    pass\n".write(toFile: program, atomically: true, encoding: .utf8)
        let input = directory + "/input.txt"
        try "abc".write(toFile: input, atomically: true, encoding: .utf8)
        let (status, stdout, _) = try codeloop(["run", program, "--timeout", "0.5", "--stdin", input, "--json"])
        #expect(status == 137)
        #expect(stdout.contains(#""limit":"wall_time""#))
        #expect(stdout.contains(#""stdout":"hello\nABC\n""#))
    }

    @Test func tokenizeCountsIDsAndRefusesInvalidUTF8() throws {
        let directory = scratchDirectory()
        let good = directory + "/good.py", bad = directory + "/bad.py"
        try "Hello world".write(toFile: good, atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: bad, contents: Data([0x6F, 0x6B, 0x0A, 0xFF, 0x0A]))
        var (status, stdout, stderr) = try codeloop(["tokenize", "--ids", good])
        #expect(status == 0 && stdout == "[15496, 995]\n")
        (status, stdout, _) = try codeloop(["tokenize", "--tokenizer", "codex", good, good])
        #expect(stdout == "2\t\(good)\n2\t\(good)\n4\ttotal\n")
        (status, stdout, stderr) = try codeloop(["tokenize", good, bad])
        #expect(status == 1)
        #expect(stderr == "Error: \(bad): invalid UTF-8 at byte 3; pass --bytes to tokenize the raw bytes\n")
        (status, stdout, _) = try codeloop(["tokenize", "--bytes", "--ids", bad])
        #expect(status == 0 && stdout == "[482, 198, 187, 198]\n")
    }

    @Test func generateResumesToTheSameFileAndEvaluateReadsIt() throws {
        let directory = scratchDirectory()
        let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ModelsTests/Fixtures/gpt2-tiny").path
        let problems = directory + "/problems.jsonl"
        try [#"{"task_id": "t/0", "prompt": "def one():\n", "test": "def check(c):\n    assert c() == 1\n", "entry_point": "one"}"#,
             #"{"task_id": "t/1", "prompt": "def two():\n", "test": "def check(c):\n    assert c() == 2\n", "entry_point": "two"}"#]
            .joined(separator: "\n").write(toFile: problems, atomically: true, encoding: .utf8)
        let common = ["generate", "--model", model, "--tasks", problems, "--max-tokens", "8", "--seed", "5", "--quiet"]
        var (status, _, stderr) = try codeloop(common + ["--n", "4", "--out", directory + "/full.jsonl"])
        #expect(status == 0, "\(stderr)")
        (status, _, _) = try codeloop(common + ["--n", "2", "--out", directory + "/resumed.jsonl"])
        (status, _, _) = try codeloop(common + ["--n", "4", "--out", directory + "/resumed.jsonl"])
        let full = try String(contentsOfFile: directory + "/full.jsonl", encoding: .utf8).split(separator: "\n")
        let resumed = try String(contentsOfFile: directory + "/resumed.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(full.count == 8)
        // Same samples, whether drawn in one run or two. (Log-probabilities may differ in the last
        // digits: BLAS sums in a different order for a different batch size.)
        func samples(_ lines: [Substring]) -> [String] {
            lines.map { line in
                let object = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                return "\(object["task_id"]!) \(object["completion"]!)"
            }.sorted()
        }
        #expect(samples(full) == samples(resumed))
        #expect(full.allSatisfy { $0.contains("\"mean_logprob\"") && $0.contains("\"task_id\":\"t/") })
        var stdout: String
        (status, stdout, _) = try codeloop(["evaluate", directory + "/full.jsonl", "--problems", problems, "--json", "--quiet", "--k", "1,4"])
        #expect(status == 0)
        #expect(stdout.contains("\"samples\":8"))
    }

    @Test func generateAgainstAnOpenAICompatibleServer() throws {
        let server = try FakeCompletionsServer { body, _, number in
            if number == 1 { return (.serviceUnavailable, ["error": ["message": "warming up"]]) }
            let n = body["n"] as? Int ?? 1
            return (.ok, ["choices": (0..<n).map { i -> [String: Any] in
                ["index": i, "text": "    return 1\n", "finish_reason": "stop", "logprobs": ["token_logprobs": [-0.25, -0.75]]]
            }])
        }
        defer { server.stop() }
        let directory = scratchDirectory()
        let problems = directory + "/problems.jsonl"
        try #"{"task_id": "t/0", "prompt": "def one():\n", "test": "def check(c):\n    assert c() == 1\n", "entry_point": "one"}"#
            .write(toFile: problems, atomically: true, encoding: .utf8)
        let (status, _, stderr) = try codeloop(["generate", "--endpoint", server.url, "--model-name", "fake", "--tasks", problems,
                                                "--n", "5", "--max-n-per-request", "2", "--out", directory + "/s.jsonl", "--quiet"])
        #expect(status == 0, "\(stderr)")
        let lines = try String(contentsOfFile: directory + "/s.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines.allSatisfy { $0.contains(#""mean_logprob":-0.5"#) && $0.contains(#""num_tokens":2"#) })
        // 5 samples in requests of at most 2: 3 requests, plus the one that got a 503 and was retried.
        #expect(server.requests.count == 4)
        #expect(server.requests.map { $0.0["n"] as? Int ?? 0 }.reduce(0, +) == 5 + 2 || server.requests.map { $0.0["n"] as? Int ?? 0 }.reduce(0, +) == 5 + 1)
        let (evaluated, stdout, _) = try codeloop(["evaluate", directory + "/s.jsonl", "--problems", problems, "--json", "--quiet"])
        #expect(evaluated == 0 && stdout.contains(#""pass@1":1"#))
    }
}
