import Foundation

/// The fields of an HF config.json that codeloop's architectures read, by their own keys.
public struct ModelConfig: Sendable {
    public enum Architecture: String, Sendable {
        /// GPT-2: learned positions, LayerNorm, Conv1D weights, tied head.
        case gpt2
        /// The Llama family: Llama, CodeLlama, DeepSeek-Coder, Llama-3, Qwen2, Mistral.
        case llama
        /// StarCoder2: the Llama layout with LayerNorm, biases and a GELU MLP.
        case starcoder2
        /// GPT-BigCode (SantaCoder, StarCoder-1): GPT-2 with multi-query attention and Linear weights.
        case gptBigCode = "gpt_bigcode"
    }

    /// Rotary position frequencies and how a checkpoint rescales them.
    public enum RopeScaling: Sendable, Equatable {
        case none
        /// Positions divided by `factor` (transformers' "linear").
        case linear(factor: Float)
        /// Llama-3.1's band-wise rescaling (transformers' "llama3").
        case llama3(factor: Float, lowFrequencyFactor: Float, highFrequencyFactor: Float, originalContext: Float)
        /// Each frequency divided by its own factor (llama.cpp's rope_freqs tensor: llama3's, precomputed).
        case frequencyFactors([Float])
    }

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
    public var ropeScaling: RopeScaling = .none
    public var tiedEmbeddings: Bool
    /// Each position attends to at most this many positions, itself included (Mistral, StarCoder2).
    public var slidingWindow: Int? = nil
    /// Per-head width when the checkpoint sets it apart from hidden / heads.
    public var explicitHeadDimension: Int? = nil
    /// How KV caches hold keys and values: a runtime choice, not the file's (`loadModel` picks
    /// half for block-quantized weights, whose own error is larger).
    public var keyValuePrecision: KeyValuePrecision = .float32

    public var headDimension: Int { explicitHeadDimension ?? hiddenSize / heads }

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
        return try ConfigReader(json: json, path: path).config()
    }
}

/// Reads config.json's keys with one-line errors that name the key.
struct ConfigReader {
    let json: [String: Any]
    let path: String

    func int(_ key: String) throws -> Int {
        guard let value = json[key] else { throw ModelError("\(path): missing field \"\(key)\"") }
        // (No `is Bool` check: on Linux every JSON 0 and 1 is an NSNumber that also casts to Bool.)
        guard let number = value as? Int, !(value is String) else { throw ModelError("\(path): field \"\(key)\" is not an integer") }
        return number
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard let value = json[key], !(value is NSNull) else { return nil }
        return try int(key)
    }

    func number(_ key: String, default fallback: Double) throws -> Float {
        guard let value = json[key], !(value is NSNull) else { return Float(fallback) }
        // JSONSerialization gives 1.0 as an integer on Linux.
        guard let number = (value as? Double) ?? (value as? Int).map(Double.init) else {
            throw ModelError("\(path): field \"\(key)\" is not a number")
        }
        return Float(number)
    }

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let value = json[key], !(value is NSNull) else { return fallback }
        guard let flag = value as? Bool else { throw ModelError("\(path): field \"\(key)\" is not true or false") }
        return flag
    }

    func config() throws -> ModelConfig {
        let type = json["model_type"] as? String ?? "?"
        switch type {
        case "gpt2", "gpt_bigcode":
            let hidden = try int("n_embd"), heads = try int("n_head")
            if type == "gpt_bigcode" {
                if let activation = json["activation_function"] as? String, !activation.hasPrefix("gelu") {
                    throw ModelError("\(path): unsupported activation_function \"\(activation)\"")
                }
            }
            let multiQuery = type == "gpt_bigcode" ? try bool("multi_query", default: true) : false
            return ModelConfig(architecture: type == "gpt2" ? .gpt2 : .gptBigCode, vocabularySize: try int("vocab_size"),
                               hiddenSize: hidden, layers: try int("n_layer"), heads: heads, keyValueHeads: multiQuery ? 1 : heads,
                               intermediateSize: try optionalInt("n_inner") ?? 4 * hidden, contextLength: try int("n_positions"),
                               normEpsilon: try number("layer_norm_epsilon", default: 1e-5), ropeTheta: 0, tiedEmbeddings: true)
        case "qwen2", "llama", "mistral", "starcoder2":
            let heads = try int("num_attention_heads")
            if let activation = json["hidden_act"] as? String {
                let expected = type == "starcoder2" ? ["gelu_pytorch_tanh", "gelu_new"] : ["silu"]
                guard expected.contains(activation) else { throw ModelError("\(path): unsupported hidden_act \"\(activation)\"") }
            }
            var window: Int? = nil
            let qwen2Window = type == "qwen2" ? try bool("use_sliding_window", default: false) : false
            if type == "mistral" || type == "starcoder2" || qwen2Window {
                window = try optionalInt("sliding_window")
            }
            return ModelConfig(
                architecture: type == "starcoder2" ? .starcoder2 : .llama, vocabularySize: try int("vocab_size"),
                hiddenSize: try int("hidden_size"), layers: try int("num_hidden_layers"), heads: heads,
                keyValueHeads: try optionalInt("num_key_value_heads") ?? heads, intermediateSize: try int("intermediate_size"),
                contextLength: try int("max_position_embeddings"),
                normEpsilon: type == "starcoder2" ? try number("norm_epsilon", default: 1e-5) : try number("rms_norm_eps", default: 1e-6),
                ropeTheta: try number("rope_theta", default: 10000), ropeScaling: try ropeScaling(),
                tiedEmbeddings: try bool("tie_word_embeddings", default: type == "starcoder2"),
                slidingWindow: window, explicitHeadDimension: try optionalInt("head_dim"))
        default:
            throw ModelError("\(path): unsupported model_type \"\(type)\" (codeloop runs gpt2, gpt_bigcode, llama, mistral, qwen2 and starcoder2)")
        }
    }

    func ropeScaling() throws -> ModelConfig.RopeScaling {
        guard let value = json["rope_scaling"], !(value is NSNull) else { return .none }
        guard let scaling = value as? [String: Any] else { throw ModelError("\(path): field \"rope_scaling\" is not an object") }
        let kind = scaling["rope_type"] as? String ?? scaling["type"] as? String ?? "?"
        let nested = ConfigReader(json: scaling, path: path + " rope_scaling")
        switch kind {
        case "default": return .none
        case "linear": return .linear(factor: try nested.number("factor", default: .nan))
        case "llama3":
            return .llama3(factor: try nested.number("factor", default: .nan),
                           lowFrequencyFactor: try nested.number("low_freq_factor", default: .nan),
                           highFrequencyFactor: try nested.number("high_freq_factor", default: .nan),
                           originalContext: Float(try nested.int("original_max_position_embeddings")))
        default:
            throw ModelError("\(path): unsupported rope_scaling type \"\(kind)\" (codeloop reads linear and llama3)")
        }
    }
}
