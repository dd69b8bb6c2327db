import Foundation
import Models
import Seeding
import Tensors

/// GPT-2 weights in and out of HF layout: config.json and model.safetensors as
/// transformers' GPT2LMHeadModel saves and loads them, so codeloop's engine and transformers both
/// read what training writes.
public enum GPT2Checkpoint {
    /// GPT-2's initialisation (HF's _init_weights): N(0, 0.02) for embeddings and weights, the
    /// residual projections scaled by 1/sqrt(2·layers), zero biases, unit LayerNorm gains.
    public static func initialParameters(layout: GPT2Layout, seed: UInt64) -> FloatBuffer {
        let buffer = FloatBuffer(count: layout.count)
        var random = NormalGenerator(seed: seed)
        let residualScale = 1 / Float(2 * layout.config.layers).squareRoot()
        for entry in layout.entries {
            let name = entry.name
            let range = entry.offset..<(entry.offset + entry.count)
            if name.hasSuffix("ln_1.weight") || name.hasSuffix("ln_2.weight") || name.hasSuffix("ln_f.weight") {
                for i in range { buffer[i] = 1 }
            } else if entry.decays {
                let std: Float = name.hasSuffix("c_proj.weight") ? 0.02 * residualScale : 0.02
                for i in range { buffer[i] = std * random.next() }
            }
        }
        return buffer
    }

    /// `parameters` (in `layout`) moved into the layout of a vocabulary of `size` tokens (at least
    /// the layout's): tokens added to the tokenizer (FIM's sentinels) get embedding rows drawn as
    /// GPT-2 initialises them, N(0, 0.02), or zero rows when `seed` is nil (AdamW's moments).
    public static func growingVocabulary(_ parameters: FloatBuffer, layout: GPT2Layout, to size: Int,
                                         seed: UInt64?) -> (layout: GPT2Layout, parameters: FloatBuffer) {
        precondition(size >= layout.config.vocabularySize)
        var config = layout.config
        config.vocabularySize = size
        let grown = GPT2Layout(config: config)
        let buffer = FloatBuffer(count: grown.count)
        for (old, new) in zip(layout.entries, grown.entries) {
            (buffer.pointer + new.offset).update(from: parameters.pointer + old.offset, count: old.count)
        }
        if let seed {
            var random = NormalGenerator(seed: seed)
            let c = config.hiddenSize
            for i in (grown.tokenEmbedding + layout.config.vocabularySize * c)..<(grown.tokenEmbedding + size * c) {
                buffer[i] = 0.02 * random.next()
            }
        }
        return (grown, buffer)
    }

    /// The parameters of an HF GPT-2 directory, checked tensor by tensor against `layout`.
    public static func loadParameters(layout: GPT2Layout, directory: String) throws -> FloatBuffer {
        let store = try SafetensorsWeights(directory: directory)
        let buffer = FloatBuffer(count: layout.count)
        let prefixed = store.has("transformer.wte.weight")
        for entry in layout.entries {
            let name = prefixed ? entry.name : String(entry.name.dropFirst("transformer.".count))
            let values = try store.tensor(name, shape: entry.shape)
            values.withUnsafeBufferPointer { (buffer.pointer + entry.offset).update(from: $0.baseAddress!, count: values.count) }
        }
        return buffer
    }

    /// Writes config.json and model.safetensors into `directory` (which must exist).
    public static func save(layout: GPT2Layout, parameters: FloatBuffer, to directory: String,
                            endOfText: Int?, halfPrecision: Bool = false) throws {
        let tensors = layout.entries.map { ($0.name, $0.shape, parameters.array(offset: $0.offset, count: $0.count)) }
        try writeSafetensors(tensors, to: directory + "/model.safetensors", halfPrecision: halfPrecision)
        try writeAtomically(configJSON(layout.config, endOfText: endOfText), to: directory + "/config.json")
    }

    /// An HF GPT2Config as JSON: the fields transformers reads, dropout off.
    public static func configJSON(_ config: ModelConfig, endOfText: Int?) throws -> Data {
        var object: [String: Any] = [
            "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": config.vocabularySize,
            "n_positions": config.contextLength, "n_ctx": config.contextLength, "n_embd": config.hiddenSize,
            "n_layer": config.layers, "n_head": config.heads, "n_inner": config.intermediateSize,
            "activation_function": "gelu_new", "layer_norm_epsilon": Double("\(config.normEpsilon)") ?? 1e-5,  // 1e-05, not its Float widened
            "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "tie_word_embeddings": true,
            "torch_dtype": "float32",
        ]
        if let endOfText {
            object["bos_token_id"] = endOfText
            object["eos_token_id"] = endOfText
        }
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}

/// Standard normal draws from SplitMix64 through Box-Muller: the same numbers on every machine.
struct NormalGenerator {
    var uniform: SplitMix64
    var spare: Float?

    init(seed: UInt64) { uniform = SplitMix64(seed: seed) }

    mutating func next() -> Float {
        if let value = spare {
            spare = nil
            return value
        }
        let u1 = max(Double(uniform.next() >> 11) / Double(1 << 53), .leastNonzeroMagnitude)
        let u2 = Double(uniform.next() >> 11) / Double(1 << 53)
        let radius = (-2 * log(u1)).squareRoot()
        spare = Float(radius * sin(2 * .pi * u2))
        return Float(radius * cos(2 * .pi * u2))
    }
}
