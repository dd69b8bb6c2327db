import Foundation
import ModelFiles
import Tensors

extension Architecture {
    public static let starcoder2 = Architecture("starcoder2")
}

/// StarCoder2 (Lozhkov et al. 2024): the Llama layout with LayerNorm (weight and bias) instead of
/// RMSNorm, biases on every projection (use_bias), a tanh-GELU MLP (c_fc, c_proj) instead of SwiGLU,
/// grouped-query attention in a sliding window, and the head tied to the embedding by default.
/// Weight names as in HF's Starcoder2ForCausalLM.
public final class StarCoder2: ArchitectureDefinition, @unchecked Sendable {
    public let config: ModelConfig

    struct Layer {
        var inputNormWeight, inputNormBias: [Float]
        var attention: RotaryAttention
        var postNormWeight, postNormBias: [Float]
        var fc, projection: any WeightMatrix
        var fcBias, projectionBias: [Float]?
    }

    let layers: [Layer]
    let finalNormWeight, finalNormBias: [Float]
    let embedding: TokenEmbedding
    let rotary: RotaryEmbedding

    static let architecture = Architecture.starcoder2
    static let modelTypes = ["starcoder2"]
    static let ggufArchitectures = ["starcoder2"]

    static func config(hf json: ConfigReader) throws -> ModelConfig {
        try json.requireActivation("hidden_act", in: ["gelu_pytorch_tanh", "gelu_new"])
        var config = try json.rotaryDecoder(architecture, normEpsilon: try json.number("norm_epsilon", default: 1e-5), tiedByDefault: true)
        config.slidingWindow = try json.optionalInt("sliding_window")
        return config
    }

    static func config(gguf: GGUFConfigReader) throws -> ModelConfig {
        try gguf.rotaryDecoder(architecture, normEpsilonKey: "attention.layer_norm_epsilon")
    }

    static func ggufName(_ name: String) -> String? {
        ggufDecoderName(name, sublayers: ["input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
                                          "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
                                          "self_attn.o_proj": "attn_output", "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"],
                        fixed: ["model.embed_tokens.weight": "token_embd.weight", "lm_head.weight": "output.weight",
                                "model.norm.weight": "output_norm.weight", "model.norm.bias": "output_norm.bias"])
    }

    init(config: ModelConfig, weights: any WeightStore) throws {
        self.config = config
        let c = config.hiddenSize, inner = config.intermediateSize
        func linear(_ name: String, _ outputs: Int, _ inputs: Int) throws -> any WeightMatrix {
            try weights.matrix(name, outputs: outputs, inputs: inputs)
        }
        embedding = try TokenEmbedding(weights: weights, config: config)
        layers = try (0..<config.layers).map { i in
            let p = "model.layers.\(i)."
            func vector(_ name: String, _ size: Int) throws -> [Float] { try weights.tensor(p + name, shape: [size]) }
            func bias(_ name: String, _ size: Int) throws -> [Float]? { weights.has(p + name) ? try vector(name, size) : nil }
            return Layer(
                inputNormWeight: try vector("input_layernorm.weight", c), inputNormBias: try vector("input_layernorm.bias", c),
                attention: try RotaryAttention(weights: weights, prefix: p + "self_attn.", config: config),
                postNormWeight: try vector("post_attention_layernorm.weight", c),
                postNormBias: try vector("post_attention_layernorm.bias", c),
                fc: try linear(p + "mlp.c_fc.weight", inner, c), projection: try linear(p + "mlp.c_proj.weight", c, inner),
                fcBias: try bias("mlp.c_fc.bias", inner), projectionBias: try bias("mlp.c_proj.bias", c))
        }
        finalNormWeight = try weights.tensor("model.norm.weight", shape: [c])
        finalNormBias = try weights.tensor("model.norm.bias", shape: [c])
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
        var buffers = RotaryAttention.Buffers(rows: t, config: config)
        var hidden = [Float](repeating: 0, count: t * inner)  // (T, I)
        for (index, layer) in layers.enumerated() {
            layerNorm(x, &h, rows: t, width: c, gamma: layer.inputNormWeight, beta: layer.inputNormBias, epsilon: config.normEpsilon)
            var attended = [Float](repeating: 0, count: t * c)
            layer.attention(h, &attended, steps: steps, positions: positions, layer: index, rotary: rotary, config: config, buffers: &buffers)
            x.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, attended, count: t * c) }
            layerNorm(x, &h, rows: t, width: c, gamma: layer.postNormWeight, beta: layer.postNormBias, epsilon: config.normEpsilon)
            linear(h, layer.fc, layer.fcBias, &hidden, rows: t)
            hidden.withUnsafeMutableBufferPointer { geluTanh($0.baseAddress!, count: t * inner) }
            linear(hidden, layer.projection, layer.projectionBias, &h, rows: t)
            x.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, h, count: t * c) }
        }
        advanceAll(steps)
        return headLogits(x, rows: t, config: config, which, head: embedding.output) {
            layerNorm($0, &$1, rows: $2, width: c, gamma: finalNormWeight, beta: finalNormBias, epsilon: config.normEpsilon)
        }
    }
}
