import Foundation
import Testing
import TestScratch

/// `codeloop serve` as a process: the harness drives it as it drives vLLM, and SIGTERM ends it cleanly.
@Suite(.serialized) struct ServeCLITests {
    @Test func generateAgainstServeThenSIGTERMExitsZero() throws {
        let model = Repository.path("Tests/ModelsTests/Fixtures/gpt2-tiny")
        let process = Process()
        process.executableURL = codeloopBinary
        process.arguments = ["serve", "--model", model, "--port", "0", "--model-name", "tiny"]
        let err = Pipe()
        process.standardError = err
        try process.run()
        // The first line names the bound port.
        var banner = Data()
        while !banner.contains(UInt8(ascii: "\n")) || !String(decoding: banner, as: UTF8.self).contains("codeloop serve:") {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            banner += chunk
        }
        let text = String(decoding: banner, as: UTF8.self)
        let port = try #require(text.range(of: #"http://127\.0\.0\.1:(\d+)"#, options: .regularExpression).map { String(text[$0].split(separator: ":").last!) })

        let directory = scratchDirectory()
        let problems = directory + "/problems.jsonl"
        try #"{"task_id": "t/0", "prompt": "def one():\n    \"\"\"Return the number one.\"\"\"\n", "test": "def check(c):\n    assert c() == 1\n", "entry_point": "one"}"#
            .write(toFile: problems, atomically: true, encoding: .utf8)
        let (status, _, stderr) = try codeloop(["generate", "--endpoint", "http://127.0.0.1:\(port)", "--model-name", "tiny", "--tasks", problems,
                                                "--n", "4", "--max-tokens", "8", "--out", directory + "/s.jsonl", "--quiet"])
        #expect(status == 0, "\(stderr)")
        let lines = try String(contentsOfFile: directory + "/s.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4 && lines.allSatisfy { $0.contains(#""mean_logprob":-"#) })
        let (evaluated, stdout, _) = try codeloop(["evaluate", directory + "/s.jsonl", "--problems", problems, "--json", "--quiet"])
        #expect(evaluated == 0 && stdout.contains(#""pass@1":"#))

        // Back-translation scores from the server's echoed log-probabilities equal the local engine's.
        func scores(_ source: [String], _ name: String) throws -> [Double] {
            let (status, _, stderr) = try codeloop(["backtranslate", directory + "/s.jsonl", "--tasks", problems, "--out", directory + "/\(name).jsonl"] + source)
            #expect(status == 0, "\(stderr)")
            return try String(contentsOfFile: directory + "/\(name).jsonl", encoding: .utf8).split(separator: "\n").map {
                try #require((try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["backtranslation_logprob"] as? Double)
            }
        }
        let remote = try scores(["--endpoint", "http://127.0.0.1:\(port)", "--model-name", "tiny"], "remote")
        let local = try scores(["--model", model], "local")
        #expect(remote.count == 4 && local.count == 4 && remote.allSatisfy { $0 < 0 })
        #expect(zip(remote, local).allSatisfy { abs($0 - $1) < 1e-3 }, "\(remote) vs \(local)")

        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }
}
