import Foundation
import Testing
import TestScratch

/// The model directories transformers writes, through the built binary: each architecture and
/// tokenizer family loads and completes, and broken files are one line naming file and key.
@Suite(.serialized) struct ModelFilesCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures").path

    @Test(arguments: ["llama-tiny", "llama3-tiny", "codellama-tiny", "deepseek-coder-tiny", "mistral-tiny", "starcoder2-tiny",
                      "gpt-bigcode-tiny", "phi-tiny"])
    func completesWithEachArchitecture(_ name: String) throws {
        let (status, stdout, stderr) = try codeloop(["complete", "--model", Self.fixtures + "/" + name, "--temperature", "0",
                                                     "--max-tokens", "4", "def add(a, b):"])
        #expect(status == 0, "\(name): \(stderr)")
        #expect(!stdout.isEmpty)
    }

    static func editJSON(_ path: String, _ change: (inout [String: Any]) -> Void) throws {
        var root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        change(&root)
        try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: path))
    }

    func brokenCopy(of name: String, _ breakIt: (String) throws -> Void) throws -> String {
        let directory = Scratch.directory("model") + "/" + name
        try FileManager.default.copyItem(atPath: Self.fixtures + "/" + name, toPath: directory)
        try breakIt(directory)
        return directory
    }

    @Test func brokenFilesAreOneLine() throws {
        let cases: [(String, (String) throws -> Void, (String) -> String)] = [
            ("llama-tiny", { dir in
                try Self.editJSON(dir + "/tokenizer.json") { root in
                    var model = root["model"] as! [String: Any]
                    model["type"] = "WordPiece"
                    root["model"] = model
                }
            }, { "Error: \($0)/tokenizer.json: unsupported tokenizer type \"WordPiece\" (codeloop reads BPE)\n" }),
            ("starcoder2-tiny", { dir in try Self.editJSON(dir + "/config.json") { $0["num_hidden_layers"] = nil } }, { "Error: \($0)/config.json: missing field \"num_hidden_layers\"\n" }),
            ("gpt-bigcode-tiny", { dir in
                let path = dir + "/model.safetensors"
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
            }, { _ in "" }),
        ]
        for (name, breakIt, expected) in cases {
            let directory = try brokenCopy(of: name, breakIt)
            let (status, stdout, stderr) = try codeloop(["complete", "--model", directory, "def f():"])
            #expect(status == 1, "\(name)")
            #expect(stdout.isEmpty)
            #expect(stderr.split(separator: "\n").count == 1 && stderr.hasPrefix("Error: \(directory)/"), "\(name): \(stderr)")
            if !expected(directory).isEmpty { #expect(stderr == expected(directory)) }
        }
    }
}
