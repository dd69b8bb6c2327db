import Foundation

/// OpenAI's text_completion object: a whole answer, or one chunk of a stream.
struct CompletionResponse: Encodable {
    let id: String
    var object = "text_completion"
    let created: Int
    let model: String
    var choices: [Choice]
    var usage: Usage?

    enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage }

    struct Choice: Encodable {
        let index: Int
        let text: String
        let finishReason: String?
        let logprobs: Logprobs?

        enum CodingKeys: String, CodingKey { case index, text, finishReason = "finish_reason", logprobs }

        // OpenAI sends finish_reason and logprobs as null when absent, not left out.
        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(text, forKey: .text)
            try container.encode(finishReason, forKey: .finishReason)
            try container.encode(logprobs, forKey: .logprobs)
        }
    }

    /// Per token: its text, log-probability, top alternatives, and offset in the choice's text
    /// (null log-probability and alternatives for a prompt's first token, which has no context).
    struct Logprobs: Encodable {
        let tokens: [String]
        let tokenLogprobs: [Double?]
        let topLogprobs: [[String: Double]?]
        let textOffset: [Int]

        enum CodingKeys: String, CodingKey {
            case tokens, tokenLogprobs = "token_logprobs", topLogprobs = "top_logprobs", textOffset = "text_offset"
        }
    }

    struct Usage: Encodable {
        let promptTokens: Int
        let completionTokens: Int
        var totalTokens: Int { promptTokens + completionTokens }

        enum CodingKeys: String, CodingKey { case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens" }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(promptTokens, forKey: .promptTokens)
            try container.encode(completionTokens, forKey: .completionTokens)
            try container.encode(totalTokens, forKey: .totalTokens)
        }
    }
}

/// llama.cpp server's answer to /infill and /completion (tools/server/README.md): the content,
/// whether and why it stopped, and on the last one the token counts and timings.
struct LlamaCppAnswer: Encodable {
    let content: String
    var index = 0
    let stop: Bool
    let model: String
    var stopType: String?
    var tokensPredicted: Int?
    var tokensEvaluated: Int?
    var truncated: Bool?
    var timings: Timings?

    enum CodingKeys: String, CodingKey {
        case content, index, stop, model, stopType = "stop_type", tokensPredicted = "tokens_predicted",
             tokensEvaluated = "tokens_evaluated", truncated, timings
    }

    struct Timings: Encodable {
        let promptN: Int
        let predictedN: Int
        let predictedMS: Double
        let predictedPerSecond: Double

        enum CodingKeys: String, CodingKey {
            case promptN = "prompt_n", predictedN = "predicted_n", predictedMS = "predicted_ms", predictedPerSecond = "predicted_per_second"
        }
    }
}

/// GET /v1/models: the one model this server holds.
struct ModelList: Encodable {
    struct Model: Encodable {
        let id: String
        var object = "model"
        var created = 0
        var ownedBy = "codeloop"
        enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }
    }
    var object = "list"
    let data: [Model]
}

/// GET /health.
struct HealthStatus: Encodable {
    var status = "ok"
}
