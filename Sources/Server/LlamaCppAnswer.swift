import Foundation

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
    /// Prompt tokens the slot's cache held (llama.cpp's n_past reuse).
    var tokensCached: Int?
    var truncated: Bool?
    var timings: Timings?

    enum CodingKeys: String, CodingKey {
        case content, index, stop, model, stopType = "stop_type", tokensPredicted = "tokens_predicted",
             tokensEvaluated = "tokens_evaluated", tokensCached = "tokens_cached", truncated, timings
    }

    /// prompt_n counts the prompt tokens computed (not those from the cache), as llama.cpp's does.
    struct Timings: Encodable {
        let promptN: Int
        let promptMS: Double
        let predictedN: Int
        let predictedMS: Double
        let predictedPerSecond: Double

        enum CodingKeys: String, CodingKey {
            case promptN = "prompt_n", promptMS = "prompt_ms", predictedN = "predicted_n", predictedMS = "predicted_ms",
                 predictedPerSecond = "predicted_per_second"
        }
    }
}
