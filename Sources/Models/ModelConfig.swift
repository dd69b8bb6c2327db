import Foundation

/// The fields of an HF config.json that codeloop's two architectures read, by their own keys.
public struct ModelConfig: Sendable {
    public enum Architecture: String, Sendable { case gpt2, qwen2 }

    public var architecture: Architecture
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var layers: Int
    public var heads: Int
    public var keyValueHeads: Int
    public var intermediateSize: Int
    public var contextLength: Int
    public var normEpsilon: Float
    public var ropeTheta: Float
    public var tiedEmbeddings: Bool

    public var headDimension: Int { hiddenSize / heads }

    /// A GPT-2 of the given shape, with GPT-2's fixed choices (4× MLP, LayerNorm eps 1e-5, tied embeddings).
    public static func gpt2(vocabularySize: Int, hiddenSize: Int, layers: Int, heads: Int, contextLength: Int) -> ModelConfig {
        ModelConfig(architecture: .gpt2, vocabularySize: vocabularySize, hiddenSize: hiddenSize, layers: layers, heads: heads,
                    keyValueHeads: heads, intermediateSize: 4 * hiddenSize, contextLength: contextLength, normEpsilon: 1e-5,
                    ropeTheta: 0, tiedEmbeddings: true)
    }

    public static func load(directory: String) throws -> ModelConfig {
        let path = directory + "/config.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError("\(path): cannot be read (is \(directory) an HF model directory?)")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError("\(path): malformed JSON")
        }
        func int(_ key: String) throws -> Int {
            guard let value = json[key] as? Int else { throw ModelError("\(path): missing or non-integer field \"\(key)\"") }
            return value
        }
        func number(_ key: String, default fallback: Double) -> Float {
            Float((json[key] as? Double) ?? (json[key] as? Int).map(Double.init) ?? fallback)
        }
        let type = json["model_type"] as? String ?? "?"
        switch type {
        case "gpt2":
            let hidden = try int("n_embd")
            return ModelConfig(architecture: .gpt2, vocabularySize: try int("vocab_size"), hiddenSize: hidden,
                               layers: try int("n_layer"), heads: try int("n_head"), keyValueHeads: try int("n_head"),
                               intermediateSize: (json["n_inner"] as? Int) ?? 4 * hidden, contextLength: try int("n_positions"),
                               normEpsilon: number("layer_norm_epsilon", default: 1e-5), ropeTheta: 0, tiedEmbeddings: true)
        case "qwen2", "llama":
            let heads = try int("num_attention_heads")
            return ModelConfig(architecture: .qwen2, vocabularySize: try int("vocab_size"), hiddenSize: try int("hidden_size"),
                               layers: try int("num_hidden_layers"), heads: heads,
                               keyValueHeads: (json["num_key_value_heads"] as? Int) ?? heads,
                               intermediateSize: try int("intermediate_size"), contextLength: try int("max_position_embeddings"),
                               normEpsilon: number("rms_norm_eps", default: 1e-6), ropeTheta: number("rope_theta", default: 10000),
                               tiedEmbeddings: (json["tie_word_embeddings"] as? Bool) ?? false)
        default:
            throw ModelError("\(path): unsupported model_type \"\(type)\" (codeloop runs gpt2, qwen2 and llama)")
        }
    }
}
