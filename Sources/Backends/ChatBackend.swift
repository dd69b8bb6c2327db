import OpenAIAPI
import Sampling

/// One answer of a chat model: the message's text, why it ended, and the token usage of the
/// request that drew it (which may have drawn several answers).
public struct ChatAnswer: Sendable {
    public var text: String
    public var finishReason: String?
    public var usage: Usage?
    /// How many answers that request drew.
    public var requestAnswers: Int
    /// Why there is no answer: the server's response could not be read, even when asked again.
    public var error: String?
    /// Prompt and answer tokens of a local model's answer (a server reports usage instead).
    public var tokens: Int?

    public init(text: String, finishReason: String?, usage: Usage?, requestAnswers: Int, error: String? = nil, tokens: Int? = nil) {
        self.text = text
        self.finishReason = finishReason
        self.usage = usage
        self.requestAnswers = requestAnswers
        self.error = error
        self.tokens = tokens
    }
}

/// "Ask for this problem's solution n times" of a chat model: any server that speaks OpenAI's
/// /v1/chat/completions, or a local model through its own chat template.
public protocol ChatBackend: Sendable {
    /// Answers firstSample..<firstSample+n for the problem prompt `task`, asked as `prompt` says
    /// (the sample index picks the seed).
    func answer(task: String, prompt: ChatPrompt, n: Int, parameters: SamplingParameters, firstSample: Int) async throws -> [ChatAnswer]
}
