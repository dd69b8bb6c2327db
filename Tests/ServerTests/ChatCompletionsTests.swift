import Foundation
@testable import Server
import Testing
import Tokenizers

/// /v1/chat/completions on a tiny model with OpenHermes' ChatML template, as transformers saved it
/// into tokenizer_config.json (Tests/TokenizersTests/Fixtures/chat-template-config-field).
@Suite(.serialized) struct ChatCompletionsTests {
    static let template: ChatTemplate = {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TokenizersTests/Fixtures/chat-template-config-field").path
        return try! ChatTemplate.load(directory: directory)!
    }()

    /// Short: the fixture models' context is 64 positions.
    static let messages = #"[{"role": "user", "content": "hi"}]"#

    @Test func anAnswerIsTheCompletionOfTheRenderedConversation() async throws {
        let server = try await LiveServer.start(model: "llama3-tiny", chatTemplate: Self.template)
        defer { Task { await server.stop() } }
        let chat = try await server.json(#"{"model": "tiny", "messages": \#(Self.messages), "n": 2, "max_completion_tokens": 6, "temperature": 0.7, "seed": 5}"#,
                                         path: "/v1/chat/completions")
        #expect(chat["object"] as? String == "chat.completion")
        let choices = try #require(chat["choices"] as? [[String: Any]])
        #expect(choices.count == 2)
        let rendered = try Self.template.render([.init(role: "user", content: "hi")], addGenerationPrompt: true)
        #expect(rendered == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
        let ids = server.server.tokenizer.encode(rendered, allowSpecial: true)
        let usage = try #require(chat["usage"] as? [String: Any])
        #expect(usage["prompt_tokens"] as? Int == ids.count)
        // The same prompt as token ids through /v1/completions, same seed: the same texts.
        let plain = try await server.json(#"{"prompt": \#(ids), "n": 2, "max_tokens": 6, "temperature": 0.7, "seed": 5}"#)
        let texts = try #require(plain["choices"] as? [[String: Any]]).map { $0["text"] as? String }
        #expect(choices.map { ($0["message"] as? [String: Any])?["content"] as? String } == texts)
        #expect(choices.allSatisfy { ($0["message"] as? [String: Any])?["role"] as? String == "assistant" && $0["finish_reason"] is String })
    }

    @Test func streamedChunksAddUpToTheAnswer() async throws {
        let server = try await LiveServer.start(model: "llama3-tiny", chatTemplate: Self.template)
        defer { Task { await server.stop() } }
        let body = #"{"messages": \#(Self.messages), "max_tokens": 8, "temperature": 0.5, "seed": 3, "logprobs": true, "top_logprobs": 2"#
        let whole = try await server.json(body + "}", path: "/v1/chat/completions")
        let choice = try #require((whole["choices"] as? [[String: Any]])?.first)
        let content = try #require((choice["message"] as? [String: Any])?["content"] as? String)
        let tokens = try #require((choice["logprobs"] as? [String: Any])?["content"] as? [[String: Any]])
        #expect(tokens.count == (whole["usage"] as? [String: Any])?["completion_tokens"] as? Int)
        #expect(tokens.allSatisfy { ($0["top_logprobs"] as? [Any])?.count == 2 && ($0["logprob"] as? Double ?? 1) <= 0 })
        let (events, done) = try await server.stream(body + #", "stream": true, "stream_options": {"include_usage": true}}"#, path: "/v1/chat/completions")
        #expect(done)
        #expect(events.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
        let deltas = events.compactMap { ($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any] }
        #expect(deltas.first?["role"] as? String == "assistant")
        #expect(deltas.compactMap { $0["content"] as? String }.joined() == content)
        #expect(events.contains { (($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String) != nil })
        #expect((events.last?["usage"] as? [String: Any])?["completion_tokens"] as? Int == tokens.count)
    }

    @Test func mistakesAre400sNamingTheField() async throws {
        let server = try await LiveServer.start(model: "llama3-tiny", chatTemplate: Self.template)
        defer { Task { await server.stop() } }
        func error(_ body: String) async throws -> (Int, String, String?) {
            let (status, text) = try await server.send("/v1/chat/completions", body: body)
            let detail = (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["error"] as? [String: Any]
            return (status, detail?["message"] as? String ?? text, detail?["param"] as? String)
        }
        let missing = try await error(#"{"model": "tiny"}"#)
        #expect(missing.0 == 400 && missing.2 == "messages")
        let role = try await error(#"{"messages": [{"role": "robot", "content": "x"}]}"#)
        #expect(role.0 == 400 && role.1 == "messages[0].role must be system, user or assistant")
        let unknown = try await error(#"{"messages": \#(Self.messages), "tools": []}"#)
        #expect(unknown.0 == 400 && unknown.1 == "unknown field tools" && unknown.2 == "tools")
        let temperature = try await error(#"{"messages": \#(Self.messages), "temperature": 3}"#)
        #expect(temperature.0 == 400 && temperature.2 == "temperature")
        let top = try await error(#"{"messages": \#(Self.messages), "top_logprobs": 2}"#)
        #expect(top.0 == 400 && top.1 == "top_logprobs needs logprobs: true")
    }

    @Test func aTemplatesOwnRefusalAndAMissingTemplateAreNamed() async throws {
        let mistral = try ChatTemplate(text: "{% for m in messages %}{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{{ m['content'] }}{% endfor %}",
                                       source: "mistral", bosToken: "<s>", eosToken: "</s>")
        let server = try await LiveServer.start(chatTemplate: mistral)
        let (status, text) = try await server.send("/v1/chat/completions", body: #"{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}"#)
        #expect(status == 400 && text.contains("the model's chat template refused the messages: mistral: Conversation roles must alternate"), "\(text)")
        await server.stop()
        let bare = try await LiveServer.start(model: "llama3-tiny")
        let (none, refusal) = try await bare.send("/v1/chat/completions", body: #"{"messages": \#(Self.messages)}"#)
        #expect(none == 400 && refusal.contains("this model has no chat template"))
        await bare.stop()
    }
}
