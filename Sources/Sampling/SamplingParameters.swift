/// How completions are drawn, as the Codex paper does it: nucleus sampling at a temperature,
/// cut at stop sequences.
public struct SamplingParameters: Sendable {
    /// 0 means greedy.
    public var temperature: Float = 0.8
    public var topP: Float = 0.95
    /// 0 means no top-k cut.
    public var topK: Int = 0
    public var maxTokens: Int = 300
    public var stop: [String] = []
    /// Sample i of a prompt draws from a generator seeded with (seed, i): each sample can be
    /// reproduced on its own, whatever batch it was drawn in.
    public var seed: UInt64 = 0

    public init() {}
}

/// One completion with its tokens and their log-probabilities under the model.
public struct Completion: Sendable {
    public enum FinishReason: String, Sendable { case stop, length }

    public var text: String
    public var tokens: [Int]
    /// log p(token | everything before it), from the model's own distribution (temperature 1).
    public var logprobs: [Float]
    public var finishReason: FinishReason

    public init(text: String, tokens: [Int], logprobs: [Float], finishReason: FinishReason) {
        self.text = text
        self.tokens = tokens
        self.logprobs = logprobs
        self.finishReason = finishReason
    }

    /// Tokens without a log-probability (NaN: a server gave null) are left out of the sum and mean.
    public var sumLogprob: Double { logprobs.reduce(0) { $1.isNaN ? $0 : $0 + Double($1) } }
    /// The ranking heuristic of the Codex paper (section 3.4): mean token log-probability.
    public var meanLogprob: Double {
        let known = logprobs.filter { !$0.isNaN }.count
        return known == 0 ? 0 : sumLogprob / Double(known)
    }
}
