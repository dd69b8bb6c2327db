import Foundation
import Testing
@testable import Tokenizers

/// Each family's fill-in-the-middle tokens, found in tokenizer.json files the real tools wrote
/// (scripts/fixtures/make_real_tokenizer_fixtures.py), with the ids those files give them.
@Suite struct FIMTokensTests {
    /// The ids HF's file gives to these added tokens.
    func addedIDs(_ family: String, _ names: [String]) throws -> [Int] {
        let url = URL(fileURLWithPath: Golden.fixture("real/\(family)/tokenizer.json"))
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let added = root["added_tokens"] as! [[String: Any]]
        return try names.map { name in try #require(added.first { $0["content"] as? String == name }?["id"] as? Int, "\(name)") }
    }

    @Test(arguments: [
        ("starcoder", "StarCoder", ["<fim_prefix>", "<fim_suffix>", "<fim_middle>"]),
        ("deepseek-coder", "DeepSeek-Coder", ["<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"]),
        ("codellama", "CodeLlama", ["▁<PRE>", "▁<SUF>", "▁<MID>"]),
    ])
    func familiesAreFoundWithTheirFilesIDs(family: String, name: String, sentinels: [String]) throws {
        let tokenizer = try Tokenizer.load(tokenizerJSON: Golden.fixture("real/\(family)/tokenizer.json"))
        let tokens = try #require(FIMTokens(tokenizer: tokenizer))
        #expect(tokens.family == name)
        #expect([tokens.prefix, tokens.suffix, tokens.middle] == (try addedIDs(family, sentinels)))
        if family == "codellama" {
            #expect(tokens.end == (try addedIDs(family, ["▁<EOT>"]))[0])
            #expect(tokens.stopTokens(tokenizer).contains(tokens.end!))
        }
    }

    @Test func theStarCoderPromptStartsAsHFEncodesTheSentinelsInText() throws {
        // HF's ids for "<fim_prefix>def<fim_suffix>" (special tokens recognised in text): the FIM
        // prompt for prefix "def" and an empty suffix is those ids and then <fim_middle>.
        let tokenizer = try Tokenizer.load(tokenizerJSON: Golden.fixture("real/starcoder/tokenizer.json"))
        let hf = try #require(RealFilesTests.golden.families["starcoder"]?.ids["added/15"])
        let tokens = try #require(FIMTokens(tokenizer: tokenizer))
        #expect(tokens.prompt(prefix: "def", suffix: "", tokenizer: tokenizer) == hf + [tokens.middle])
    }

    @Test func aTokenizerWithoutSentinelsHasNoneAndSaysSo() throws {
        let tokenizer = try Tokenizer.load(tokenizerJSON: Golden.fixture("real/gpt2/tokenizer.json"))
        #expect(FIMTokens(tokenizer: tokenizer) == nil)
        #expect(throws: TokenizerError.self) { try FIMTokens.of(tokenizer) }
    }

    @Test func extraFilesGoAfterTheRepositoryAndFileSeparatorTokens() throws {
        // Qwen2.5-Coder's names, added to the qwen2 file the way `add_special_tokens` saves them.
        let path = Golden.fixture("real/qwen2/tokenizer.json")
        let names = ["<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"]
        let data = try Tokenizer.tokenizerJSON(Data(contentsOf: URL(fileURLWithPath: path)), path: path, addingSpecial: names)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qwen-fim-\(UUID().uuidString).json").path
        try data.write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let tokenizer = try Tokenizer.load(tokenizerJSON: file)
        let tokens = try #require(FIMTokens(tokenizer: tokenizer))
        #expect(tokens.family == "Qwen2.5-Coder")
        let ids = tokens.prompt(prefix: "a", suffix: "b", middleStart: "c", extra: [.init(name: "x.py", text: "y")], tokenizer: tokenizer)
        let expected = [tokens.repository!] + tokenizer.encode("codeloop\n") + [tokens.fileSeparator!] + tokenizer.encode("x.py\ny")
            + [tokens.prefix] + tokenizer.encode("a") + [tokens.suffix] + tokenizer.encode("b") + [tokens.middle] + tokenizer.encode("c")
        #expect(ids == expected)
    }
}
