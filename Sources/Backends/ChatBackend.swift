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

    public init(text: String, finishReason: String?, usage: Usage?, requestAnswers: Int, error: String? = nil) {
        self.text = text
        self.finishReason = finishReason
        self.usage = usage
        self.requestAnswers = requestAnswers
        self.error = error
    }
}

/// "Answer this conversation n times": any server that speaks OpenAI's /v1/chat/completions.
public protocol ChatBackend: Sendable {
    /// Answers firstSample..<firstSample+n of the conversation (the sample index picks the seed).
    func chat(messages: [ChatMessage], n: Int, parameters: SamplingParameters, firstSample: Int) async throws -> [ChatAnswer]
}
