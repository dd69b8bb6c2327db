import Foundation
import ModelFiles
import Tensors

extension Architecture {
    public static let phi = Architecture("phi")
}

/// Phi-1, Phi-1.5 and Phi-2 (Gunasekar et al. 2023, "Textbooks Are All You Need"; Li et al. 2023):
/// each block runs attention and the MLP in parallel on one LayerNorm's output and adds both to the
/// residual; rotary positions on part of each head (partial_rotary_factor), biases on every
/// projection, a tanh-GELU MLP (fc1, fc2), and an untied head with a bias. Weight names as in HF's
/// PhiForCausalLM; llama.cpp calls it "phi2".
public final class Phi: ArchitectureDefinition, @unchecked Sendable {
    public let config: ModelConfig

    struct Layer {
        var normWeight, normBias: [Float]
        var attention: RotaryAttention
        var fc1, fc2: any WeightMatrix
        var fc1Bias, fc2Bias: [Float]
    }

    let layers: [Layer]
    let finalNormWeight, finalNormBias: [Float]
    let embedding: TokenEmbedding
    let outputBias: [Float]
    let rotary: RotaryEmbedding

    static let architecture = Architecture.phi
    static let modelTypes = ["phi"]
    static let ggufArchitectures = ["phi2"]

    static func config(hf json: ConfigReader) throws -> ModelConfig {
        try json.requireActivation("hidden_act", in: ["gelu_new", "gelu_pytorch_tanh"])
        if try json.bool("qk_layernorm", default: false) { throw ModelError("\(json.path): unsupported qk_layernorm true") }
        var config = try json.rotaryDecoder(architecture, normEpsilon: try json.number("layer_norm_eps", default: 1e-5), tiedByDefault: false)
        let factor = try json.number("partial_rotary_factor", default: 0.5)
        guard factor > 0 && factor <= 1 else { throw ModelError("\(json.path): field \"partial_rotary_factor\" is \(factor), not in (0, 1]") }
        config.partialRotaryDimensions = Int(factor * Float(config.headDimension))
        return config
    }

    static func config(gguf: GGUFConfigReader) throws -> ModelConfig {
        var config = try gguf.rotaryDecoder(architecture, normEpsilonKey: "attention.layer_norm_epsilon")
        config.partialRotaryDimensions = try gguf.size("rope.dimension_count")
        return config
    }

    static func ggufName(_ name: String) -> String? {
        ggufDecoderName(name, sublayers: ["input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
                                          "self_attn.v_proj": "attn_v", "self_attn.dense": "attn_output", "mlp.fc1": "ffn_up",
                                          "mlp.fc2": "ffn_down"],
                        fixed: ["model.embed_tokens.weight": "token_embd.weight", "lm_head.weight": "output.weight", "lm_head.bias": "output.bias",
                                "model.final_layernorm.weight": "output_norm.weight", "model.final_layernorm.bias": "output_norm.bias"])
    }

    static func ggufExport(modelType: String, config: ModelConfig) -> GGUFExportLayout? {
        guard config.ropeScaling == .none else { return nil }
        return GGUFExportLayout(architecture: "phi2", tokenizerPre: "phi-2", metadata: [
            ("attention.head_count_kv", .u32(UInt32(config.keyValueHeads))), ("attention.layer_norm_epsilon", .f32(config.normEpsilon)),
            ("rope.dimension_count", .u32(UInt32(config.rotaryDimensions))), ("rope.freq_base", .f32(config.ropeTheta))])
    }

    init(config: ModelConfig, weights: any WeightStore) throws {
        self.config = config
        let c = config.hiddenSize, inner = config.intermediateSize
        embedding = try TokenEmbedding(weights: weights, config: config)
        layers = try (0..<config.layers).map { i in
            let p = "model.layers.\(i)."
            func vector(_ name: String, _ size: Int) throws -> [Float] { try weights.tensor(p + name, shape: [size]) }
            return Layer(
                normWeight: try vector("input_layernorm.weight", c), normBias: try vector("input_layernorm.bias", c),
                attention: try RotaryAttention(weights: weights, prefix: p + "self_attn.", config: config, outputName: "dense"),
                fc1: try weights.matrix(p + "mlp.fc1.weight", outputs: inner, inputs: c),
                fc2: try weights.matrix(p + "mlp.fc2.weight", outputs: c, inputs: inner),
                fc1Bias: try vector("mlp.fc1.bias", inner), fc2Bias: try vector("mlp.fc2.bias", c))
        }
        finalNormWeight = try weights.tensor("model.final_layernorm.weight", shape: [c])
        finalNormBias = try weights.tensor("model.final_layernorm.bias", shape: [c])
        outputBias = try weights.tensor("lm_head.bias", shape: [config.vocabularySize])
        rotary = RotaryEmbedding(config: config)
    }

    public var shiftsKeys: Bool { true }

    public func shiftKeys(in cache: KVCache, positions: Range<Int>, by delta: Int) {
        cache.updateKeys(positions: positions) { keys, rows in rotary.shift(keys, rows: rows, by: delta) }
    }

    public func forward(_ steps: [Step], logits which: LogitRows) throws -> [Float] {
        let t = steps.count, c = config.hiddenSize, inner = config.intermediateSize
        let positions = try Models.positions(of: steps, config: config)
        var x = embedding.embed(steps, width: c)  // (T, C)
        var h = [Float](repeating: 0, count: t * c)
        var mlp = h, attended = h
        var buffers = RotaryAttention.Buffers(rows: t, config: config)
        var hidden = [Float](repeating: 0, count: t * inner)  // (T, I)
        for (index, layer) in layers.enumerated() {
            layerNorm(x, &h, rows: t, width: c, gamma: layer.normWeight, beta: layer.normBias, epsilon: config.normEpsilon)
            layer.attention(h, &attended, steps: steps, positions: positions, layer: index, rotary: rotary, config: config, buffers: &buffers)
            linear(h, layer.fc1, layer.fc1Bias, &hidden, rows: t)
            hidden.withUnsafeMutableBufferPointer { geluTanh($0.baseAddress!, count: t * inner) }
            linear(hidden, layer.fc2, layer.fc2Bias, &mlp, rows: t)
            x.withUnsafeMutableBufferPointer {
                addInPlace($0.baseAddress!, attended, count: t * c)
                addInPlace($0.baseAddress!, mlp, count: t * c)
            }
        }
        advanceAll(steps)
        return headLogits(x, rows: t, config: config, which, head: embedding.output, bias: outputBias) {
            layerNorm($0, &$1, rows: $2, width: c, gamma: finalNormWeight, beta: finalNormBias, epsilon: config.normEpsilon)
        }
    }
}
