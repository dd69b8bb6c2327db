/// How completions are drawn, as the Codex paper does it: nucleus sampling at a temperature,
/// cut at stop sequences. Every entry point (the CLI, /v1/completions, /v1/chat/completions,
/// /infill) fills one of these from its own defaults and checks it with `validate`, so the ranges
/// are the same everywhere.
///
/// Defaults differ only where an API defines its own:
/// - `codex` (the CLI): T 0.8, top_p 0.95, 300 tokens — the Codex paper's pass@100 setting.
/// - `openAI` (/v1/completions, /v1/chat/completions): T 1, top_p 1, as OpenAI's API reference
///   gives them; /v1/completions' max_tokens defaults to 16 (OpenAI's), chat's to the server's limit.
/// - `llamaCpp` (/infill): T 0.8, top_k 40, top_p 0.95, as llama.cpp's server (tools/server/README.md).
public struct SamplingParameters: Sendable, Equatable {
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

    public static let codex = SamplingParameters()

    public static var openAI: SamplingParameters {
        var parameters = SamplingParameters()
        parameters.temperature = 1
        parameters.topP = 1
        parameters.maxTokens = 16
        return parameters
    }

    public static var llamaCpp: SamplingParameters {
        var parameters = SamplingParameters()
        parameters.topK = 40
        return parameters
    }

    /// OpenAI allows 4 stops; HumanEval's list has 5 and vLLM takes any number: 16 here.
    public static let maxStops = 16

    /// A parameter out of its range, named as the OpenAI wire format names it.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let field: String
        public let description: String
    }

    /// Checks every range; `maxTokensLimit` is the caller's ceiling (a server's limit), and
    /// `allowsNoTokens` lets maxTokens be 0 (llama.cpp's n_predict 0 only reads the prompt).
    public func validate(maxTokensLimit: Int = .max, allowsNoTokens: Bool = false) throws {
        guard temperature.isFinite, temperature >= 0, temperature <= 2 else {
            throw Invalid(field: "temperature", description: "temperature must be between 0 and 2")
        }
        guard topP.isFinite, topP > 0, topP <= 1 else { throw Invalid(field: "top_p", description: "top_p must be in (0, 1]") }
        guard topK >= 0 else { throw Invalid(field: "top_k", description: "top_k must be >= 0") }
        guard maxTokens >= (allowsNoTokens ? 0 : 1) else {
            throw Invalid(field: "max_tokens", description: "max_tokens must be at least \(allowsNoTokens ? 0 : 1)")
        }
        guard maxTokens <= maxTokensLimit else {
            throw Invalid(field: "max_tokens", description: "max_tokens \(maxTokens) is over this server's limit of \(maxTokensLimit)")
        }
        guard stop.count <= Self.maxStops else {
            throw Invalid(field: "stop", description: "stop must be a string or a list of at most \(Self.maxStops) strings")
        }
    }
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
