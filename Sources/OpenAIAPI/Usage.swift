/// OpenAI's usage object: token counts of one answer (total_tokens is their sum).
public struct Usage: Codable, Sendable, Equatable {
    public let promptTokens: Int
    public let completionTokens: Int
    public var totalTokens: Int { promptTokens + completionTokens }
    /// Of the prompt tokens, those a prompt cache held (prompt_tokens_details.cached_tokens).
    public var cachedTokens: Int?

    public init(promptTokens: Int, completionTokens: Int, cachedTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens",
             promptTokensDetails = "prompt_tokens_details"
    }

    struct Details: Codable {
        var cached_tokens: Int?
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        promptTokens = try container.decodeIfPresent(Int.self, forKey: .promptTokens) ?? 0
        completionTokens = try container.decodeIfPresent(Int.self, forKey: .completionTokens) ?? 0
        cachedTokens = (try? container.decodeIfPresent(Details.self, forKey: .promptTokensDetails))??.cached_tokens
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(completionTokens, forKey: .completionTokens)
        try container.encode(totalTokens, forKey: .totalTokens)
        if let cachedTokens { try container.encode(Details(cached_tokens: cachedTokens), forKey: .promptTokensDetails) }
    }
}
