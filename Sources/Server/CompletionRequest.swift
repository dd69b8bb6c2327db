import Foundation
import Sampling
import Tokenizers

/// A POST /v1/completions body, read field by field (RequestFields) so that each mistake names its field.
struct CompletionRequest {
    var prompts: [[Int]] = []
    var promptTexts: [String] = []
    var n = 1
    var parameters = SamplingParameters()
    var logprobs = 0
    var wantsLogprobs = false
    var echo = false
    var stream = false
    var includeUsageInStream = false
    var model: String?
    /// Tokens that end a sample besides eos (the end of a FIM middle).
    var stopTokens: Set<Int> = []

    init() {}

    /// Fields OpenAI defines that codeloop does not implement: refused unless at their neutral value.
    static let neutral: [String: @Sendable (RequestFields, String) throws -> Bool] = [
        "presence_penalty": { try $0.value($1, "a number", as: Double.self) ?? 0 == 0 },
        "frequency_penalty": { try $0.value($1, "a number", as: Double.self) ?? 0 == 0 },
        "best_of": { try $0.value($1, "an integer", as: Int.self) ?? 1 == 1 },
        "logit_bias": { try $0.value($1, "an object", as: [String: Double].self)?.isEmpty ?? true },
    ]
    static let known: Set<String> = ["model", "prompt", "max_tokens", "temperature", "top_p", "top_k", "n", "stop", "logprobs",
                                     "echo", "seed", "stream", "stream_options", "user", "suffix"]

    private struct StreamOptions: Decodable {
        var include_usage: Bool?
    }

    init(body: Data, tokenizer: Tokenizer, vocabulary: Int, limits: ServerLimits) throws {
        let fields = try RequestFields.decode(body)
        for key in fields.names where !Self.known.contains(key) {
            guard let isNeutral = Self.neutral[key] else { throw APIError.invalid("unknown field \(key)", parameter: key) }
            if try !isNeutral(fields, key) { throw APIError.invalid("\(key) is not supported by this server", parameter: key) }
        }
        model = try fields.value("model", "a string")
        _ = try fields.value("user", "a string", as: String.self)

        switch try fields.value("prompt", "a string, a list of strings, or token ids", as: PromptField.self) {
        case .texts(let texts): promptTexts = texts
        case .tokens(let lists): prompts = lists
        case nil: throw APIError.invalid("prompt is required", parameter: "prompt")
        }
        if let suffix = try fields.value("suffix", "a string", as: String.self) {
            guard prompts.isEmpty else { throw APIError.invalid("suffix needs the prompt as text, not token ids", parameter: "prompt") }
            guard let fim = FIMTokens(tokenizer: tokenizer) else {
                throw APIError.invalid("this model has no fill-in-the-middle tokens, so it cannot take a suffix", parameter: "suffix")
            }
            prompts = promptTexts.map { fim.prompt(prefix: $0, suffix: suffix, tokenizer: tokenizer) }
            stopTokens = fim.stopTokens(tokenizer)
        } else if prompts.isEmpty {
            prompts = promptTexts.map { tokenizer.encodeForModel($0, allowSpecial: false) }
        } else {
            for ids in prompts {
                if let bad = ids.first(where: { $0 < 0 || $0 >= min(vocabulary, tokenizer.vocabularySize) }) {
                    throw APIError.invalid("prompt token \(bad) is outside the vocabulary", parameter: "prompt")
                }
            }
            promptTexts = prompts.map { (try? tokenizer.decode($0)) ?? "" }
        }
        if prompts.contains(where: \.isEmpty) { throw APIError.invalid("prompt must not be empty", parameter: "prompt") }

        parameters.maxTokens = try fields.value("max_tokens", "an integer", as: Int.self) ?? 16
        guard parameters.maxTokens >= 1 else { throw APIError.invalid("max_tokens must be at least 1", parameter: "max_tokens") }
        guard parameters.maxTokens <= limits.maxTokens else {
            throw APIError.invalid("max_tokens \(parameters.maxTokens) is over this server's limit of \(limits.maxTokens)", parameter: "max_tokens")
        }
        parameters.temperature = Float(try fields.value("temperature", "a number", as: Double.self) ?? 1)
        guard parameters.temperature >= 0, parameters.temperature <= 2 else {
            throw APIError.invalid("temperature must be between 0 and 2", parameter: "temperature")
        }
        parameters.topP = Float(try fields.value("top_p", "a number", as: Double.self) ?? 1)
        guard parameters.topP > 0, parameters.topP <= 1 else { throw APIError.invalid("top_p must be in (0, 1]", parameter: "top_p") }
        parameters.topK = try fields.value("top_k", "an integer", as: Int.self) ?? 0
        guard parameters.topK >= 0 else { throw APIError.invalid("top_k must be >= 0", parameter: "top_k") }
        n = try fields.value("n", "an integer", as: Int.self) ?? 1
        guard n >= 1, n <= limits.maxN else { throw APIError.invalid("n must be between 1 and \(limits.maxN)", parameter: "n") }
        // OpenAI allows 4 stops; HumanEval's stop list has 5, and vLLM takes any number: allow 16.
        let stopShape = "a string or a list of at most 16 strings"
        parameters.stop = try fields.value("stop", stopShape, as: StopField.self)?.strings ?? []
        guard parameters.stop.count <= 16 else { throw APIError.invalid("stop must be \(stopShape)", parameter: "stop") }
        if let count = try fields.value("logprobs", "an integer", as: Int.self) {
            guard (0...20).contains(count) else { throw APIError.invalid("logprobs must be between 0 and 20", parameter: "logprobs") }
            logprobs = count
            wantsLogprobs = true
        }
        echo = try fields.value("echo", "a boolean", as: Bool.self) ?? false
        stream = try fields.value("stream", "a boolean", as: Bool.self) ?? false
        includeUsageInStream = try fields.value("stream_options", "an object", as: StreamOptions.self)?.include_usage ?? false
        if let seed = try fields.value("seed", "an integer", as: Int.self) {
            parameters.seed = UInt64(bitPattern: Int64(seed))
        } else {
            parameters.seed = UInt64.random(in: 0...UInt64.max)
        }
    }
}
