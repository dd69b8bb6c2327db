/// OpenAI's chat.completion object: the answer to a chat request.
public typealias ChatCompletion = Response<ChatChoice>

/// OpenAI's chat.completion.chunk object: one piece of a streamed chat answer.
public typealias ChatCompletionChunk = Response<ChatChunkChoice>

/// One answer of a chat.completion: the assistant's message.
public struct ChatChoice: ResponseChoice {
    public static let object = "chat.completion"

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

    // OpenAI sends finish_reason and logprobs as null when absent, not left out.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(message, forKey: .message)
        try container.encode(finishReason, forKey: .finishReason)
        try container.encode(logprobs, forKey: .logprobs)
    }
}

/// One piece of a streamed chat answer: what it adds to its choice.
public struct ChatChunkChoice: ResponseChoice {
    public static let object = "chat.completion.chunk"

    /// The role on a choice's first chunk, then pieces of the content.
    public struct Delta: Codable, Sendable {
        public var role: String?
        public var content: String?
        public init(role: String? = nil, content: String? = nil) {
            self.role = role
            self.content = content
        }
    }

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
