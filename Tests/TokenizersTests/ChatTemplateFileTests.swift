import Foundation
import Testing
import TestScratch
@testable import Tokenizers

/// Chat templates as transformers' save_pretrained leaves them (chat_template.jinja, and
/// tokenizer_config.json's chat_template field), against transformers' apply_chat_template and
/// evalplus's make_raw_chat_prompt on them (scripts/fixtures/make_chat_model_fixtures.py).
@Suite struct ChatTemplateFileTests {
    struct Expected: Decodable {
        struct Message: Decodable { let role: String; let content: String }
        let conversation: [Message]
        let rendered: String
        let ids: [Int]
        let task: String
        let evalplus_prompt: String
        let evalplus_ids: [Int]
    }

    static let tokenizer = try! Tokenizer.named(Repository.path("Sources/Models/Resources/codeloop-small"))

    @Test(arguments: ["chat-template-jinja-file", "chat-template-config-field"])
    func rendersAndEncodesAsTransformersDoes(layout: String) throws {
        let directory = Repository.path("Tests/TokenizersTests/Fixtures/" + layout)
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/expected.json")))
        let template = try #require(try ChatTemplate.load(directory: directory))
        #expect(template.eosToken == "<|endoftext|>")
        let text = try template.render(expected.conversation.map { .init(role: $0.role, content: $0.content) }, addGenerationPrompt: true)
        #expect(text == expected.rendered)
        #expect(Self.tokenizer.encode(text, allowSpecial: true) == expected.ids, "apply_chat_template(tokenize=True) adds no BOS of its own")
        let evalplus = try template.evalplusPrompt(task: expected.task, instruction: "Please provide a self-contained Python script that solves the following problem in a markdown code block:",
                                                   responsePrefix: "Below is a Python script with a self-contained function that solves the problem and passes corresponding tests:")
        #expect(evalplus == expected.evalplus_prompt)
        #expect(Self.tokenizer.encodeForModel(evalplus, allowSpecial: true) == expected.evalplus_ids)
    }

    /// tokenizer.chat_template of a GGUF written by the gguf package, with its BOS and EOS by id.
    @Test func aGGUFsTemplateRendersAsTransformersDoes() throws {
        struct GGUFExpected: Decodable {
            let conversation: [Expected.Message]
            let bos_token: String
            let eos_token: String
            let rendered: String
        }
        let path = Repository.path("Tests/TokenizersTests/Fixtures/chat-template.gguf")
        let expected = try JSONDecoder().decode(GGUFExpected.self, from: Data(contentsOf: URL(fileURLWithPath: path + ".expected.json")))
        let template = try #require(try ChatTemplate.named(path))
        #expect(template.bosToken == expected.bos_token && template.eosToken == expected.eos_token)
        #expect(template.source == path + " tokenizer.chat_template")
        #expect(try template.render(expected.conversation.map { .init(role: $0.role, content: $0.content) }, addGenerationPrompt: true) == expected.rendered)
    }

    @Test func aDirectoryWithoutATemplateHasNone() throws {
        #expect(try ChatTemplate.load(directory: Repository.path("Sources/Models/Resources/codeloop-small")) == nil)
    }

    @Test func aTemplateBeyondTheSubsetIsRefusedAtLoadNamingTheFile() throws {
        let directory = Scratch.directory("bad-template")
        try "{{ messages | urlize }}".write(toFile: directory + "/chat_template.jinja", atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError("\(directory)/chat_template.jinja: line 1: the filter 'urlize' is not supported")) {
            try ChatTemplate.load(directory: directory)
        }
    }
}
