import Foundation

/// The fields of an HF config.json that codeloop's architectures read, by their own keys.
public struct ModelConfig: Sendable {
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
    /// Leading dimensions of each head that rotary embedding rotates, when not all (Phi's partial rotary).
    public var partialRotaryDimensions: Int? = nil
    /// How KV caches hold keys and values: a runtime choice, not the file's (`loadModel` picks
    /// half for block-quantized weights, whose own error is larger).
    public var keyValuePrecision: KeyValuePrecision = .float32

    public var headDimension: Int { explicitHeadDimension ?? hiddenSize / heads }
    public var rotaryDimensions: Int { partialRotaryDimensions ?? headDimension }

    /// The largest count or width codeloop takes a file's word for (2^24): no checkpoint comes near
    /// it, and past it a cache could not be allocated or a product of two sizes could overflow.
    static let sizeLimit = 1 << 24

    /// `value` if it is a count or width from 1 to `sizeLimit`, so that no product of two overflows;
    /// else an error naming `what` (the file and its key).
    static func size(_ value: Int, _ what: String) throws -> Int {
        guard (1...sizeLimit).contains(value) else {
            throw ModelError("\(what) is \(value), not a size codeloop can run (1 to \(sizeLimit))")
        }
        return value
    }

    /// This config, if its sizes make a model (every count positive, heads a multiple of the
    /// key/value heads, the width a multiple of the heads unless the head size is given, the
    /// rotary part of a head even and within it); else a one-line error naming `path`.
    func validated(_ path: String) throws -> ModelConfig {
        func fail(_ what: String) -> ModelError { ModelError("\(path): \(what): not a model codeloop can run") }
        for (name, value) in [("vocabulary size", vocabularySize), ("width", hiddenSize), ("layer count", layers), ("head count", heads),
                              ("key/value head count", keyValueHeads), ("MLP width", intermediateSize), ("context length", contextLength)]
        where value <= 0 {
            throw fail("\(name) \(value)")
        }
        if heads % keyValueHeads != 0 { throw fail("\(heads) heads in \(keyValueHeads) key/value groups") }
        if let explicitHeadDimension, explicitHeadDimension <= 0 { throw fail("head size \(explicitHeadDimension)") }
        if explicitHeadDimension == nil && hiddenSize % heads != 0 { throw fail("width \(hiddenSize) over \(heads) heads") }
        if architecture != .gpt2 && architecture != .gptBigCode && (rotaryDimensions % 2 != 0 || rotaryDimensions <= 0 || rotaryDimensions > headDimension) {
            throw fail("\(rotaryDimensions) rotary dimensions of a head of \(headDimension)")
        }
        return self
    }

    /// A GPT-2 of the given shape, with GPT-2's fixed choices (4× MLP, LayerNorm eps 1e-5, tied embeddings).
    public static func gpt2(vocabularySize: Int, hiddenSize: Int, layers: Int, heads: Int, contextLength: Int) -> ModelConfig {
        ModelConfig(architecture: .gpt2, vocabularySize: vocabularySize, hiddenSize: hiddenSize, layers: layers, heads: heads,
                    keyValueHeads: heads, intermediateSize: 4 * hiddenSize, contextLength: contextLength, normEpsilon: 1e-5,
                    ropeTheta: 0, tiedEmbeddings: true)
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

    /// A count or width (`ModelConfig.size`).
    func size(_ key: String) throws -> Int { try ModelConfig.size(try int(key), "\(path): field \"\(key)\"") }

    func optionalSize(_ key: String) throws -> Int? {
        guard let value = json[key], !(value is NSNull) else { return nil }
        return try size(key)
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

    var modelType: String { json["model_type"] as? String ?? "?" }

    /// Refuses an activation other than `allowed` under `key`; a config without the key has the architecture's own.
    func requireActivation(_ key: String, in allowed: [String]) throws {
        guard let activation = json[key] as? String else { return }
        guard allowed.contains(activation) else { throw ModelError("\(path): unsupported \(key) \"\(activation)\"") }
    }

    /// The keys every rotary decoder written as HF's LlamaForCausalLM shares (Llama family, StarCoder2, Phi).
    func rotaryDecoder(_ architecture: Architecture, normEpsilon: Float, tiedByDefault: Bool) throws -> ModelConfig {
        let heads = try size("num_attention_heads")
        return try ModelConfig(
            architecture: architecture, vocabularySize: try size("vocab_size"), hiddenSize: try size("hidden_size"),
            layers: try size("num_hidden_layers"), heads: heads, keyValueHeads: try optionalSize("num_key_value_heads") ?? heads,
            intermediateSize: try size("intermediate_size"), contextLength: try size("max_position_embeddings"), normEpsilon: normEpsilon,
            ropeTheta: try number("rope_theta", default: 10000), ropeScaling: try ropeScaling(),
            tiedEmbeddings: try bool("tie_word_embeddings", default: tiedByDefault), explicitHeadDimension: try optionalSize("head_dim")).validated(path)
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
