import Foundation

/// One message of a conversation: its role (system, user, assistant) and its text.
public struct ChatMessage: Codable, Sendable, Equatable {
    public let role: String
    /// Null in an answer that carries only a refusal or tool calls.
    public let content: String?

    public init(role: String, content: String?) {
        self.role = role
        self.content = content
    }
}

/// A POST /v1/chat/completions body (platform.openai.com/docs/api-reference/chat/create), as the
/// client sends it; a field left nil is not sent, so a server that refuses it can be asked again
/// without it.
public struct ChatCompletionsRequest: Codable, Sendable {
    public var model: String
    public var messages: [ChatMessage]
    public var n: Int?
    public var temperature: Double?
    public var topP: Double?
    /// Deprecated by OpenAI for maxCompletionTokens, which o-series models require; most other
    /// servers (vLLM, llama.cpp, Ollama) read both.
    public var maxTokens: Int?
    public var maxCompletionTokens: Int?
    public var stop: [String]?
    public var seed: Int?
    public var logprobs: Bool?
    public var topLogprobs: Int?
    public var stream: Bool?

    public init(model: String, messages: [ChatMessage]) {
        self.model = model
        self.messages = messages
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, n, temperature, topP = "top_p", maxTokens = "max_tokens", maxCompletionTokens = "max_completion_tokens",
             stop, seed, logprobs, topLogprobs = "top_logprobs", stream
    }
}

/// OpenAI's chat.completion object: the answer to a chat request.
public struct ChatCompletion: Codable, Sendable {
    public let id: String
    public var object = "chat.completion"
    public let created: Int
    public let model: String
    public var choices: [Choice]
    public var usage: Usage?

    public init(id: String, created: Int, model: String, choices: [Choice], usage: Usage? = nil) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }

    enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage }

    /// Servers differ in what they leave out: only choices is required of an answer.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id) ?? ""
        object = try container.decodeIfPresent(String.self, forKey: .object) ?? "chat.completion"
        created = try container.decodeIfPresent(Int.self, forKey: .created) ?? 0
        model = try container.decodeIfPresent(String.self, forKey: .model) ?? ""
        choices = try container.decode([Choice].self, forKey: .choices)
        usage = try container.decodeIfPresent(Usage.self, forKey: .usage)
    }

    public struct Choice: Codable, Sendable {
        public let index: Int
        public let message: ChatMessage
        public let finishReason: String?
        public let logprobs: ChatLogprobs?

        public init(index: Int, message: ChatMessage, finishReason: String?, logprobs: ChatLogprobs?) {
            self.index = index
            self.message = message
            self.finishReason = finishReason
            self.logprobs = logprobs
        }

        enum CodingKeys: String, CodingKey { case index, message, finishReason = "finish_reason", logprobs }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            index = try container.decodeIfPresent(Int.self, forKey: .index) ?? 0
            message = try container.decode(ChatMessage.self, forKey: .message)
            finishReason = try container.decodeIfPresent(String.self, forKey: .finishReason)
            logprobs = try? container.decodeIfPresent(ChatLogprobs.self, forKey: .logprobs)
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(message, forKey: .message)
            try container.encode(finishReason, forKey: .finishReason)
            try container.encode(logprobs, forKey: .logprobs)
        }
    }
}

/// OpenAI's chat.completion.chunk object: one piece of a streamed chat answer.
public struct ChatCompletionChunk: Codable, Sendable {
    public let id: String
    public var object = "chat.completion.chunk"
    public let created: Int
    public let model: String
    public var choices: [Choice]
    public var usage: Usage?

    public init(id: String, created: Int, model: String, choices: [Choice], usage: Usage? = nil) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }

    /// What a chunk adds to its choice: the role on the first, then pieces of the content.
    public struct Delta: Codable, Sendable {
        public var role: String?
        public var content: String?
        public init(role: String? = nil, content: String? = nil) {
            self.role = role
            self.content = content
        }
    }

    public struct Choice: Codable, Sendable {
        public let index: Int
        public let delta: Delta
        public let finishReason: String?
        public let logprobs: ChatLogprobs?

        public init(index: Int, delta: Delta, finishReason: String?, logprobs: ChatLogprobs?) {
            self.index = index
            self.delta = delta
            self.finishReason = finishReason
            self.logprobs = logprobs
        }

        enum CodingKeys: String, CodingKey { case index, delta, finishReason = "finish_reason", logprobs }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encode(finishReason, forKey: .finishReason)
            try container.encode(logprobs, forKey: .logprobs)
        }
    }
}

/// Chat's logprobs: per token of the content, its text, bytes, log-probability and the top alternatives.
public struct ChatLogprobs: Codable, Sendable {
    public struct Token: Codable, Sendable {
        public let token: String
        public let logprob: Double
        public let bytes: [UInt8]?
        public let topLogprobs: [Alternative]

        public init(token: String, logprob: Double, bytes: [UInt8]?, topLogprobs: [Alternative]) {
            self.token = token
            self.logprob = logprob
            self.bytes = bytes
            self.topLogprobs = topLogprobs
        }

        enum CodingKeys: String, CodingKey { case token, logprob, bytes, topLogprobs = "top_logprobs" }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            token = try container.decode(String.self, forKey: .token)
            logprob = try container.decode(Double.self, forKey: .logprob)
            bytes = try container.decodeIfPresent([UInt8].self, forKey: .bytes)
            topLogprobs = try container.decodeIfPresent([Alternative].self, forKey: .topLogprobs) ?? []
        }
    }

    public struct Alternative: Codable, Sendable {
        public let token: String
        public let logprob: Double
        public let bytes: [UInt8]?

        public init(token: String, logprob: Double, bytes: [UInt8]?) {
            self.token = token
            self.logprob = logprob
            self.bytes = bytes
        }
    }

    public let content: [Token]?

    public init(content: [Token]?) { self.content = content }
}
