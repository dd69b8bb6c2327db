import Foundation
import OpenAIAPI
import Sampling
import Tokenizers

/// A POST /v1/completions body, read field by field (RequestFields) so that each mistake names its field.
struct CompletionRequest {
    var prompts: [[Int]] = []
    var promptTexts: [String] = []
    var n = 1
    var parameters = SamplingParameters.openAI
    var logprobs = 0
    var wantsLogprobs = false
    var echo = false
    var stream = false
    var includeUsageInStream = false
    var model: String?
    /// Tokens that end a sample besides eos (the end of a FIM middle).
    var stopTokens: Set<Int> = []
    /// llama.cpp's cache_prompt: reuse and keep the prompt in the server's prompt cache.
    var cachePrompt = true

    init() {}

    static let known: Set<String> = ["model", "prompt", "max_tokens", "temperature", "top_p", "top_k", "n", "stop", "logprobs",
                                     "echo", "seed", "stream", "stream_options", "user", "suffix", "cache_prompt"]

    private struct StreamOptions: Decodable {
        var include_usage: Bool?
    }

    init(body: Data, tokenizer: Tokenizer, vocabulary: Int, limits: ServerLimits) throws {
        self = try APIError.reading { try CompletionRequest(fields: try RequestFields.decode(body), tokenizer: tokenizer, vocabulary: vocabulary, limits: limits) }
    }

    private init(fields: RequestFields, tokenizer: Tokenizer, vocabulary: Int, limits: ServerLimits) throws {
        try fields.refuseUnknown(known: Self.known, neutral: RequestFields.neutralOpenAIFields)
        model = try fields.value("model", "a string")
        _ = try fields.value("user", "a string", as: String.self)

        switch try fields.value("prompt", "a string, a list of strings, or token ids", as: PromptField.self) {
        case .texts(let texts): promptTexts = texts
        case .tokens(let lists): prompts = lists
        case nil: throw WireError("prompt is required", field: "prompt")
        }
        if let suffix = try fields.value("suffix", "a string", as: String.self) {
            guard prompts.isEmpty else { throw WireError("suffix needs the prompt as text, not token ids", field: "prompt") }
            guard let fim = FIMTokens(tokenizer: tokenizer) else {
                throw WireError("this model has no fill-in-the-middle tokens, so it cannot take a suffix", field: "suffix")
            }
            prompts = promptTexts.map { fim.prompt(prefix: $0, suffix: suffix, tokenizer: tokenizer) }
            stopTokens = fim.stopTokens(tokenizer)
        } else if prompts.isEmpty {
            prompts = promptTexts.map { tokenizer.encodeForModel($0, allowSpecial: false) }
        } else {
            for ids in prompts {
                if let bad = ids.first(where: { $0 < 0 || $0 >= min(vocabulary, tokenizer.vocabularySize) }) {
                    throw WireError("prompt token \(bad) is outside the vocabulary", field: "prompt")
                }
            }
            promptTexts = prompts.map { (try? tokenizer.decode($0)) ?? "" }
        }
        if prompts.contains(where: \.isEmpty) { throw WireError("prompt must not be empty", field: "prompt") }

        try readSampling(fields, limits: limits)
        if let count = try fields.value("logprobs", "an integer", as: Int.self) {
            guard (0...20).contains(count) else { throw WireError("logprobs must be between 0 and 20", field: "logprobs") }
            logprobs = count
            wantsLogprobs = true
        }
        echo = try fields.value("echo", "a boolean", as: Bool.self) ?? false
        cachePrompt = try fields.value("cache_prompt", "a boolean", as: Bool.self) ?? true
        stream = try fields.value("stream", "a boolean", as: Bool.self) ?? false
        includeUsageInStream = try fields.value("stream_options", "an object", as: StreamOptions.self)?.include_usage ?? false
    }

    /// The sampling fields /v1/completions and /v1/chat/completions share, over OpenAI's defaults.
    mutating func readSampling(_ fields: RequestFields, limits: ServerLimits, readsMaxTokens: Bool = true) throws {
        if readsMaxTokens { parameters.maxTokens = try fields.value("max_tokens", "an integer") ?? parameters.maxTokens }
        parameters.temperature = Float(try fields.value("temperature", "a number", as: Double.self) ?? Double(parameters.temperature))
        parameters.topP = Float(try fields.value("top_p", "a number", as: Double.self) ?? Double(parameters.topP))
        parameters.topK = try fields.value("top_k", "an integer") ?? parameters.topK
        n = try fields.value("n", "an integer") ?? 1
        guard n >= 1, n <= limits.maxN else { throw WireError("n must be between 1 and \(limits.maxN)", field: "n") }
        let stopShape = "a string or a list of at most \(SamplingParameters.maxStops) strings"
        parameters.stop = try fields.value("stop", stopShape, as: StopField.self)?.strings ?? []
        parameters.seed = try fields.value("seed", "an integer", as: Int.self).map { UInt64(bitPattern: Int64($0)) } ?? UInt64.random(in: 0...UInt64.max)
        try parameters.validate(maxTokensLimit: limits.maxTokens)
    }
}
