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
