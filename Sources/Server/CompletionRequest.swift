import Foundation
import Sampling
import Tokenizers

/// A POST /v1/completions body, read field by field so that each mistake names its field.
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
    static let neutral: [String: @Sendable (Any) -> Bool] = [
        "presence_penalty": { ($0 as? Double) == 0 }, "frequency_penalty": { ($0 as? Double) == 0 },
        "best_of": { ($0 as? Int) == 1 }, "logit_bias": { ($0 as? [String: Any])?.isEmpty == true },
    ]
    static let known: Set<String> = ["model", "prompt", "max_tokens", "temperature", "top_p", "top_k", "n", "stop", "logprobs",
                                     "echo", "seed", "stream", "stream_options", "user", "suffix"]

    init(body: Data, tokenizer: Tokenizer, vocabulary: Int, limits: ServerLimits) throws {
        guard let json = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else {
            throw APIError.invalid("the request body is not valid JSON")
        }
        guard let object = json as? [String: Any] else { throw APIError.invalid("the request body must be a JSON object") }
        for key in object.keys.sorted() where !Self.known.contains(key) {
            if let isNeutral = Self.neutral[key] {
                if !isNeutral(object[key]!) { throw APIError.invalid("\(key) is not supported by this server", parameter: key) }
            } else {
                throw APIError.invalid("unknown field \(key)", parameter: key)
            }
        }
        func value<T>(_ key: String, _ type: String, as: T.Type) throws -> T? {
            guard let raw = object[key], !(raw is NSNull) else { return nil }
            // JSONSerialization reads true/false as NSNumber: keep booleans and numbers apart.
            let isBool = (raw as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? false
            if T.self == Bool.self ? !isBool : isBool { throw APIError.invalid("\(key) must be \(type)", parameter: key) }
            guard !(raw is String), let typed = raw as? T else { throw APIError.invalid("\(key) must be \(type)", parameter: key) }
            return typed
        }
        if let model = object["model"], !(model is String) { throw APIError.invalid("model must be a string", parameter: "model") }
        self.model = object["model"] as? String

        // prompt: a string, a list of strings, a list of token ids, or a list of lists of ids.
        switch object["prompt"] {
        case let text as String:
            promptTexts = [text]
        case let texts as [String] where !texts.isEmpty:
            promptTexts = texts
        case let ids as [Int] where !ids.isEmpty:
            prompts = [ids]
        case let lists as [[Int]] where !lists.isEmpty:
            prompts = lists
        case nil:
            throw APIError.invalid("prompt is required", parameter: "prompt")
        default:
            throw APIError.invalid("prompt must be a string, a list of strings, or token ids", parameter: "prompt")
        }
        if let suffix = object["suffix"], !(suffix is NSNull) {
            // Fill in the middle: each prompt is the code before the gap, `suffix` the code after it.
            guard let suffix = suffix as? String else { throw APIError.invalid("suffix must be a string", parameter: "suffix") }
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

        parameters.maxTokens = try value("max_tokens", "an integer", as: Int.self) ?? 16
        guard parameters.maxTokens >= 1 else { throw APIError.invalid("max_tokens must be at least 1", parameter: "max_tokens") }
        guard parameters.maxTokens <= limits.maxTokens else {
            throw APIError.invalid("max_tokens \(parameters.maxTokens) is over this server's limit of \(limits.maxTokens)", parameter: "max_tokens")
        }
        parameters.temperature = Float(try value("temperature", "a number", as: Double.self) ?? 1)
        guard parameters.temperature >= 0, parameters.temperature <= 2 else {
            throw APIError.invalid("temperature must be between 0 and 2", parameter: "temperature")
        }
        parameters.topP = Float(try value("top_p", "a number", as: Double.self) ?? 1)
        guard parameters.topP > 0, parameters.topP <= 1 else { throw APIError.invalid("top_p must be in (0, 1]", parameter: "top_p") }
        parameters.topK = try value("top_k", "an integer", as: Int.self) ?? 0
        guard parameters.topK >= 0 else { throw APIError.invalid("top_k must be >= 0", parameter: "top_k") }
        n = try value("n", "an integer", as: Int.self) ?? 1
        guard n >= 1, n <= limits.maxN else { throw APIError.invalid("n must be between 1 and \(limits.maxN)", parameter: "n") }
        switch object["stop"] {
        case nil, is NSNull: parameters.stop = []
        case let stop as String: parameters.stop = [stop]
        // OpenAI allows 4; HumanEval's stop list has 5, and vLLM takes any number: allow 16.
        case let stops as [String] where stops.count <= 16: parameters.stop = stops
        default: throw APIError.invalid("stop must be a string or a list of at most 16 strings", parameter: "stop")
        }
        if let count = try value("logprobs", "an integer", as: Int.self) {
            guard (0...20).contains(count) else { throw APIError.invalid("logprobs must be between 0 and 20", parameter: "logprobs") }
            logprobs = count
            wantsLogprobs = true
        }
        echo = try value("echo", "a boolean", as: Bool.self) ?? false
        stream = try value("stream", "a boolean", as: Bool.self) ?? false
        if let options = object["stream_options"], !(options is NSNull) {
            guard let options = options as? [String: Any] else {
                throw APIError.invalid("stream_options must be an object", parameter: "stream_options")
            }
            includeUsageInStream = (options["include_usage"] as? Bool) ?? false
        }
        if let seed = try value("seed", "an integer", as: Int.self) {
            parameters.seed = UInt64(bitPattern: Int64(seed))
        } else {
            parameters.seed = UInt64.random(in: 0...UInt64.max)
        }
    }
}
