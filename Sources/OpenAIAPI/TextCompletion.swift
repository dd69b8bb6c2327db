/// OpenAI's text_completion object (platform.openai.com/docs/api-reference/completions/object):
/// a whole answer, or one chunk of a stream.
public typealias TextCompletion = Response<TextChoice>

/// One completion of a text_completion.
public struct TextChoice: ResponseChoice {
    public static let object = "text_completion"

    public let index: Int
    public let text: String
    public let finishReason: String?
    public let logprobs: Logprobs?

    public init(index: Int, text: String, finishReason: String?, logprobs: Logprobs?) {
        self.index = index
        self.text = text
        self.finishReason = finishReason
        self.logprobs = logprobs
    }

    enum CodingKeys: String, CodingKey { case index, text, finishReason = "finish_reason", logprobs }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        index = try container.decodeIfPresent(Int.self, forKey: .index) ?? 0
        text = try container.decode(String.self, forKey: .text)
        finishReason = try container.decodeIfPresent(String.self, forKey: .finishReason)
        logprobs = try container.decodeIfPresent(Logprobs.self, forKey: .logprobs)
    }

    // OpenAI sends finish_reason and logprobs as null when absent, not left out.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(text, forKey: .text)
        try container.encode(finishReason, forKey: .finishReason)
        try container.encode(logprobs, forKey: .logprobs)
    }

    /// Per token: its text, log-probability, top alternatives, and offset in the choice's text
    /// (null log-probability and alternatives for a prompt's first token, which has no context).
    public struct Logprobs: Codable, Sendable {
        public let tokens: [String]
        public let tokenLogprobs: [Double?]
        public let topLogprobs: [[String: Double]?]
        public let textOffset: [Int]

        public init(tokens: [String], tokenLogprobs: [Double?], topLogprobs: [[String: Double]?], textOffset: [Int]) {
            self.tokens = tokens
            self.tokenLogprobs = tokenLogprobs
            self.topLogprobs = topLogprobs
            self.textOffset = textOffset
        }

        enum CodingKeys: String, CodingKey {
            case tokens, tokenLogprobs = "token_logprobs", topLogprobs = "top_logprobs", textOffset = "text_offset"
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            tokens = try container.decodeIfPresent([String].self, forKey: .tokens) ?? []
            tokenLogprobs = try container.decodeIfPresent([Double?].self, forKey: .tokenLogprobs) ?? []
            topLogprobs = try container.decodeIfPresent([[String: Double]?].self, forKey: .topLogprobs) ?? []
            textOffset = try container.decodeIfPresent([Int].self, forKey: .textOffset) ?? []
        }
    }
}
