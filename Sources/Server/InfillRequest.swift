import Foundation
import Sampling
import Tokenizers

/// llama.cpp server's POST /infill body (tools/server/README.md), as editor plugins such as
/// llama.vim and llama.vscode send it: input_prefix and input_suffix around the cursor,
/// input_extra (other files' chunks, `[{"filename", "text"}]`) shown before them, and prompt (text
/// already typed at the cursor, placed after <MID>), with llama.cpp's sampling fields and
/// defaults. llama.cpp's other options (cache_prompt, samplers, t_max_prompt_ms, n_indent,
/// response_fields, ...) tune its own cache and timing and are accepted and ignored, as clients
/// send them on every request.
enum InfillRequest {
    /// A prompt longer than the context leaves room for is fitted as llama.cpp fits one (FIMTokens.prompt's budget).
    static func parse(body: Data, tokenizer: Tokenizer, limits: ServerLimits, contextLength: Int) throws -> CompletionRequest {
        guard let json = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else {
            throw APIError.invalid("the request body is not valid JSON")
        }
        guard let object = json as? [String: Any] else { throw APIError.invalid("the request body must be a JSON object") }
        func string(_ key: String) throws -> String {
            guard let raw = object[key], !(raw is NSNull) else { return "" }
            guard let text = raw as? String else { throw APIError.invalid("\(key) must be a string", parameter: key) }
            return text
        }
        func number(_ key: String, integer: Bool) throws -> Double? {
            guard let raw = object[key], !(raw is NSNull) else { return nil }
            guard let number = raw as? NSNumber, String(cString: number.objCType) != "c",
                  !integer || number.doubleValue == number.doubleValue.rounded() else {
                throw APIError.invalid("\(key) must be \(integer ? "an integer" : "a number")", parameter: key)
            }
            return number.doubleValue
        }
        guard let fim = FIMTokens(tokenizer: tokenizer) else {
            throw APIError.invalid("this model has no fill-in-the-middle tokens, so it cannot infill", parameter: "input_prefix")
        }
        var extra: [FIMTokens.ExtraFile] = []
        if let raw = object["input_extra"], !(raw is NSNull) {
            guard let chunks = raw as? [[String: Any]] else {
                throw APIError.invalid("input_extra must be a list of {\"filename\", \"text\"} objects", parameter: "input_extra")
            }
            for (index, chunk) in chunks.enumerated() {
                guard let text = chunk["text"] as? String else {
                    throw APIError.invalid("input_extra[\(index)].text must be a string", parameter: "input_extra")
                }
                extra.append(.init(name: chunk["filename"] as? String ?? "", text: text))
            }
        }
        var request = CompletionRequest()
        // n_predict -1 (llama.cpp: no limit but the context) is this server's limit; 0 computes nothing.
        let predict = Int(try number("n_predict", integer: true) ?? -1)
        guard predict >= -1 else { throw APIError.invalid("n_predict must be -1 or more", parameter: "n_predict") }
        request.parameters.maxTokens = predict == -1 ? limits.maxTokens : min(predict, limits.maxTokens)
        let prefix = try string("input_prefix"), suffix = try string("input_suffix"), typed = try string("prompt")
        let budget = max(1, contextLength - max(1, min(request.parameters.maxTokens, contextLength / 2)))
        request.prompts = [fim.prompt(prefix: prefix, suffix: suffix, middleStart: typed, extra: extra, tokenizer: tokenizer, budget: budget)]
        request.promptTexts = [prefix]
        request.stopTokens = fim.stopTokens(tokenizer)
        request.parameters.temperature = Float(try number("temperature", integer: false) ?? 0.8)
        guard request.parameters.temperature >= 0 else { throw APIError.invalid("temperature must not be negative", parameter: "temperature") }
        request.parameters.topK = max(0, Int(try number("top_k", integer: true) ?? 40))
        let topP = Float(try number("top_p", integer: false) ?? 0.95)
        request.parameters.topP = topP <= 0 || topP > 1 ? 1 : topP
        switch object["stop"] {
        case nil, is NSNull: request.parameters.stop = []
        case let stops as [String]: request.parameters.stop = stops
        default: throw APIError.invalid("stop must be a list of strings", parameter: "stop")
        }
        if let raw = object["stream"], !(raw is NSNull) {
            guard let flag = raw as? Bool, let number = raw as? NSNumber, String(cString: number.objCType) == "c" else {
                throw APIError.invalid("stream must be a boolean", parameter: "stream")
            }
            request.stream = flag
        }
        let seed = try number("seed", integer: true).map { Int64($0) } ?? -1
        request.parameters.seed = seed == -1 ? UInt64.random(in: 0...UInt64.max) : UInt64(bitPattern: seed)
        return request
    }
}
