import Foundation
import OpenAIAPI
import Sampling
import Tokenizers

/// llama.cpp server's POST /infill body (tools/server/README.md), as editor plugins such as
/// llama.vim and llama.vscode send it: input_prefix and input_suffix around the cursor,
/// input_extra (other files' chunks, `[{"filename", "text"}]`) shown before them, and prompt (text
/// already typed at the cursor, placed after <MID>), with llama.cpp's sampling fields and
/// defaults, and cache_prompt (on by default) for the server's prompt cache. llama.cpp's other options (samplers, t_max_prompt_ms, n_indent,
/// response_fields, ...) tune its own cache and timing and are accepted and ignored, as clients
/// send them on every request.
enum InfillRequest {
    /// A prompt longer than the context leaves room for is fitted as llama.cpp fits one (FIMTokens.prompt's budget).
    static func parse(body: Data, tokenizer: Tokenizer, limits: ServerLimits, contextLength: Int) throws -> CompletionRequest {
        try APIError.reading { try parse(fields: try RequestFields.decode(body), tokenizer: tokenizer, limits: limits, contextLength: contextLength) }
    }

    private static func parse(fields: RequestFields, tokenizer: Tokenizer, limits: ServerLimits, contextLength: Int) throws -> CompletionRequest {
        func string(_ key: String) throws -> String { try fields.value(key, "a string") ?? "" }
        func number(_ key: String) throws -> Double? { try fields.value(key, "a number", as: Double.self) }
        // llama.cpp's clients send integers as JSON numbers (1.0 included); one past Int's range is
        // refused, not converted (a trap).
        func integer(_ key: String) throws -> Int? {
            guard let number = try number(key) else { return nil }
            guard let value = Int(exactly: number) else { throw WireError("\(key) must be an integer", field: key) }
            return value
        }
        guard let fim = FIMTokens(tokenizer: tokenizer) else {
            throw WireError("this model has no fill-in-the-middle tokens, so it cannot infill", field: "input_prefix")
        }
        var extra: [FIMTokens.ExtraFile] = []
        let chunks = try fields.value("input_extra", "a list of {\"filename\", \"text\"} objects", as: [ExtraChunk].self) ?? []
        for (index, chunk) in chunks.enumerated() {
            guard let text = chunk.text else { throw WireError("input_extra[\(index)].text must be a string", field: "input_extra") }
            extra.append(.init(name: chunk.filename ?? "", text: text))
        }
        var request = CompletionRequest()
        request.parameters = .llamaCpp
        // n_predict -1 (llama.cpp: no limit but the context) is this server's limit; 0 computes nothing.
        let predict = try integer("n_predict") ?? -1
        guard predict >= -1 else { throw WireError("n_predict must be -1 or more", field: "n_predict") }
        request.parameters.maxTokens = predict == -1 ? limits.maxTokens : min(predict, limits.maxTokens)
        let prefix = try string("input_prefix"), suffix = try string("input_suffix"), typed = try string("prompt")
        let budget = max(1, contextLength - max(1, min(request.parameters.maxTokens, contextLength / 2)))
        request.prompts = [fim.prompt(prefix: prefix, suffix: suffix, middleStart: typed, extra: extra, tokenizer: tokenizer, budget: budget)]
        request.promptTexts = [prefix]
        request.stopTokens = fim.stopTokens(tokenizer)
        request.parameters.temperature = Float(try number("temperature") ?? Double(request.parameters.temperature))
        // llama.cpp's top_k <= 0 means no cut, as 0 does here.
        request.parameters.topK = max(0, try integer("top_k") ?? request.parameters.topK)
        request.parameters.topP = Float(try number("top_p") ?? Double(request.parameters.topP))
        request.parameters.stop = try fields.value("stop", "a list of strings") ?? []
        request.stream = try fields.value("stream", "a boolean") ?? false
        request.cachePrompt = try fields.value("cache_prompt", "a boolean") ?? true
        let seed = try integer("seed") ?? -1
        request.parameters.seed = seed == -1 ? UInt64.random(in: 0...UInt64.max) : UInt64(bitPattern: Int64(seed))
        try request.parameters.validate(maxTokensLimit: limits.maxTokens, allowsNoTokens: true)
        return request
    }

    /// One of input_extra's chunks; other fields clients send with them (llama.vscode's "time") are ignored.
    private struct ExtraChunk: Decodable {
        let filename: String?
        let text: String?
    }
}
