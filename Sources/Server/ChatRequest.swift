import Foundation
import OpenAIAPI
import Sampling
import Tokenizers

/// A POST /v1/chat/completions body (platform.openai.com/docs/api-reference/chat/create), read
/// field by field so that each mistake names its field: the conversation goes through the model's
/// chat template with the generation prompt, and the answer stops at the end of the assistant's turn.
enum ChatRequest {
    static let known: Set<String> = ["model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "n",
                                     "stop", "logprobs", "top_logprobs", "seed", "stream", "stream_options", "user", "cache_prompt"]

    /// One message: content as a string, or as OpenAI's list of text parts.
    private struct Message: Decodable {
        let role: String?
        let content: Content?

        enum Content: Decodable {
            case text(String)
            case parts([Part])

            init(from decoder: Decoder) throws {
                let value = try decoder.singleValueContainer()
                if let text = try? value.decode(String.self) { self = .text(text) } else { self = .parts(try value.decode([Part].self)) }
            }
        }

        struct Part: Decodable {
            let type: String
            let text: String?
        }
    }

    private struct StreamOptions: Decodable {
        var include_usage: Bool?
    }

    static func parse(body: Data, template: ChatTemplate?, tokenizer: Tokenizer, limits: ServerLimits) throws -> CompletionRequest {
        try APIError.reading { try parse(fields: try RequestFields.decode(body), template: template, tokenizer: tokenizer, limits: limits) }
    }

    private static func parse(fields: RequestFields, template: ChatTemplate?, tokenizer: Tokenizer, limits: ServerLimits) throws -> CompletionRequest {
        try fields.refuseUnknown(known: known, neutral: RequestFields.neutralOpenAIFields)
        guard let template else {
            throw WireError("this model has no chat template (chat_template.jinja, tokenizer_config.json's chat_template or GGUF tokenizer.chat_template), so it cannot answer chat requests", field: "messages")
        }
        var request = CompletionRequest()
        request.model = try fields.value("model", "a string")
        _ = try fields.value("user", "a string", as: String.self)
        let shape = "a list of {\"role\", \"content\"} messages"
        guard let messages = try fields.value("messages", shape, as: [Message].self), !messages.isEmpty else {
            throw WireError("messages is required: \(shape)", field: "messages")
        }
        let conversation = try messages.enumerated().map { index, message -> ChatTemplate.Message in
            guard let role = message.role, ["system", "user", "assistant", "developer"].contains(role) else {
                throw WireError("messages[\(index)].role must be system, user or assistant", field: "messages")
            }
            let content: String
            switch message.content {
            case .text(let text)?: content = text
            case .parts(let parts)?:
                guard parts.allSatisfy({ $0.type == "text" && $0.text != nil }) else {
                    throw WireError("messages[\(index)].content: only text parts are supported", field: "messages")
                }
                content = parts.compactMap(\.text).joined()
            case nil: content = ""
            }
            // OpenAI's developer role is the system role of the newer models.
            return ChatTemplate.Message(role: role == "developer" ? "system" : role, content: content)
        }
        let prompt: String
        do {
            prompt = try template.render(conversation, addGenerationPrompt: true)
        } catch let error as TokenizerError {
            throw WireError("the model's chat template refused the messages: \(error)", field: "messages")
        }
        request.promptTexts = [prompt]
        // The template writes the special tokens itself, as apply_chat_template(tokenize=True) encodes.
        request.prompts = [tokenizer.encode(prompt, allowSpecial: true)]
        request.stopTokens = tokenizer.endOfTurnIDs
        request.parameters.maxTokens = limits.maxTokens
        if let tokens = try fields.value("max_completion_tokens", "an integer", as: Int.self) ?? fields.value("max_tokens", "an integer", as: Int.self) {
            request.parameters.maxTokens = tokens
        }
        try request.readSampling(fields, limits: limits, readsMaxTokens: false)
        if try fields.value("logprobs", "a boolean", as: Bool.self) ?? false {
            request.wantsLogprobs = true
            request.logprobs = try fields.value("top_logprobs", "an integer", as: Int.self) ?? 0
            guard (0...20).contains(request.logprobs) else { throw WireError("top_logprobs must be between 0 and 20", field: "top_logprobs") }
        } else if try fields.value("top_logprobs", "an integer", as: Int.self) != nil {
            throw WireError("top_logprobs needs logprobs: true", field: "top_logprobs")
        }
        request.stream = try fields.value("stream", "a boolean", as: Bool.self) ?? false
        request.cachePrompt = try fields.value("cache_prompt", "a boolean", as: Bool.self) ?? true
        request.includeUsageInStream = try fields.value("stream_options", "an object", as: StreamOptions.self)?.include_usage ?? false
        return request
    }
}
