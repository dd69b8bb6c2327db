/// A POST /v1/completions body (platform.openai.com/docs/api-reference/completions/create), as the
/// client sends it; a field left nil is not sent.
public struct CompletionsRequest: Codable, Sendable {
    public var model: String
    public var prompt: PromptField
    public var suffix: String?
    public var n: Int?
    public var maxTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    /// Not OpenAI's: vLLM, llama.cpp's server and codeloop serve read it.
    public var topK: Int?
    public var stop: [String]?
    public var logprobs: Int?
    public var echo: Bool?
    public var seed: Int?
    public var stream: Bool?

    public init(model: String, prompt: PromptField) {
        self.model = model
        self.prompt = prompt
    }

    enum CodingKeys: String, CodingKey {
        case model, prompt, suffix, n, maxTokens = "max_tokens", temperature, topP = "top_p", topK = "top_k", stop, logprobs, echo, seed, stream
    }
}
