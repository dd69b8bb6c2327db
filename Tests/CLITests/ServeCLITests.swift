import Foundation
import Testing
import TestScratch

/// `codeloop serve --model MODEL` as a process, once its banner has said `until` (its lines about
/// the bound port and the chat template): the process, the port and the banner.
func startServe(model: String, name: String, until: String = "codeloop serve: ") throws -> (Process, String, String) {
    let process = Process()
    process.executableURL = codeloopBinary
    process.arguments = ["serve", "--model", model, "--port", "0", "--model-name", name]
    let err = Pipe()
    process.standardError = err
    try process.run()
    var banner = ""
    while !banner.contains(until) || !banner.hasSuffix("\n") {
        let chunk = err.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        banner += String(decoding: chunk, as: UTF8.self)
    }
    let port = try #require(banner.range(of: #"http://127\.0\.0\.1:(\d+)"#, options: .regularExpression).map { String(banner[$0].split(separator: ":").last!) })
    return (process, port, banner)
}

/// `codeloop serve` as a process: the harness drives it as it drives vLLM, and SIGTERM ends it cleanly.
@Suite(.serialized) struct ServeCLITests {
    @Test func generateAgainstServeThenSIGTERMExitsZero() throws {
        let model = Repository.path("Tests/ModelsTests/Fixtures/gpt2-tiny")
        let (process, port, _) = try startServe(model: model, name: "tiny")

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

/// Chat models end to end: `codeloop serve` answers /v1/chat/completions with the model's own
/// template, `generate --chat` asks it (and asks the local model directly), and `evaluate` judges
/// the sanitized solutions.
@Suite(.serialized) struct ChatCLITests {
    /// The bundled model with Qwen2.5's chat template as transformers saves it (chat_template.jinja).
    static func chatModel() throws -> String {
        let directory = scratchDirectory()
        let bundled = Repository.path("Sources/Models/Resources/codeloop-small")
        for file in ["config.json", "model.safetensors", "tokenizer.json"] {
            try FileManager.default.createSymbolicLink(atPath: directory + "/" + file, withDestinationPath: bundled + "/" + file)
        }
        let saved = Repository.path("Tests/TokenizersTests/Fixtures/chat-template-jinja-file")
        for file in ["tokenizer_config.json", "chat_template.jinja"] {
            try FileManager.default.copyItem(atPath: saved + "/" + file, toPath: directory + "/" + file)
        }
        return directory
    }

    static let problem = #"{"task_id": "t/0", "prompt": "def one():\n    \"\"\"Return the number one.\"\"\"\n", "test": "def check(c):\n    assert c() == 1\n", "entry_point": "one"}"#

    func checkChatSamples(_ path: String, count: Int) throws {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == count)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["raw"] is String && object["solution"] is String && object["code_found"] is Bool, "\(line)")
            #expect(object["finish_reason"] is String)
        }
    }

    @Test func generateChatAgainstServeAndLocallyThenEvaluate() throws {
        let model = try Self.chatModel()
        let (process, port, banner) = try startServe(model: model, name: "chat", until: "chat template")
        defer { process.terminate(); process.waitUntilExit() }
        #expect(banner.contains("chat template from \(model)/chat_template.jinja"), "\(banner)")

        let directory = scratchDirectory()
        let problems = directory + "/problems.jsonl"
        try Self.problem.write(toFile: problems, atomically: true, encoding: .utf8)
        let (status, _, stderr) = try codeloop(["generate", "--endpoint", "http://127.0.0.1:\(port)", "--model-name", "chat", "--chat", "--tasks", problems,
                                                "--n", "3", "--max-tokens", "12", "--temperature", "0.8", "--out", directory + "/remote.jsonl", "--quiet"])
        #expect(status == 0, "\(stderr)")
        #expect(stderr.contains("3 answers written"), "\(stderr)")
        try checkChatSamples(directory + "/remote.jsonl", count: 3)

        let (local, _, localErr) = try codeloop(["generate", "--model", model, "--chat", "--tasks", problems, "--n", "2", "--max-tokens", "12",
                                                 "--out", directory + "/local.jsonl", "--quiet"])
        #expect(local == 0, "\(localErr)")
        try checkChatSamples(directory + "/local.jsonl", count: 2)

        for file in ["remote", "local"] {
            let (evaluated, stdout, evalErr) = try codeloop(["evaluate", directory + "/\(file).jsonl", "--problems", problems, "--json", "--quiet"])
            #expect(evaluated == 0 && stdout.contains(#""pass@1":"#), "\(evalErr)")
            let results = try String(contentsOfFile: directory + "/\(file).jsonl_results.jsonl", encoding: .utf8).split(separator: "\n")
            #expect(results.count == (file == "remote" ? 3 : 2) && results.allSatisfy { $0.contains(#""result":"#) })
        }

        // A model without a template: the chat endpoint is a 400 that says so, named by the CLI.
        let plain = Repository.path("Sources/Models/Resources/codeloop-small")
        let (refused, _, refusal) = try codeloop(["generate", "--model", plain, "--chat", "--tasks", problems, "--out", directory + "/none.jsonl"])
        #expect(refused != 0 && refusal.contains("the model has no chat template"), "\(refusal)")
    }
}
