import Foundation
import ModelFiles
import Tensors

extension Architecture {
    public static let llama = Architecture("llama")
}

/// The Llama family: Llama-2, CodeLlama, DeepSeek-Coder, Llama-3.x, Qwen2/2.5(-Coder), Mistral.
/// RMSNorm, rotary positions (with linear or llama3 rescaling), grouped-query attention (within a
/// sliding window for Mistral), SwiGLU; optional biases on the attention (Qwen2: q/k/v; Llama's
/// attention_bias: all four) and on the MLP (mlp_bias). Weight names as in HF's LlamaForCausalLM,
/// Qwen2ForCausalLM and MistralForCausalLM.
public final class Llama: ArchitectureDefinition, @unchecked Sendable {
    public let config: ModelConfig

    struct Layer {
        var inputNorm: [Float]
        var attention: RotaryAttention
        var postNorm: [Float]
        var gate, up, down: any WeightMatrix
        var gateBias, upBias, downBias: [Float]?
    }

    let layers: [Layer]
    let finalNorm: [Float]
    let embedding: TokenEmbedding
    let rotary: RotaryEmbedding

    static let architecture = Architecture.llama
    static let modelTypes = ["llama", "mistral", "qwen2"]
    static let ggufArchitectures = ["llama", "qwen2"]

    static func config(hf json: ConfigReader) throws -> ModelConfig {
        try json.requireActivation("hidden_act", in: ["silu"])
        var config = try json.rotaryDecoder(architecture, normEpsilon: try json.number("rms_norm_eps", default: 1e-6), tiedByDefault: false)
        let windowed = json.modelType == "qwen2" ? try json.bool("use_sliding_window", default: false) : json.modelType == "mistral"
        if windowed {
            config.slidingWindow = try json.optionalInt("sliding_window")
        }
        return config
    }

    static func config(gguf: GGUFConfigReader) throws -> ModelConfig {
        try gguf.rotaryDecoder(architecture, normEpsilonKey: "attention.layer_norm_rms_epsilon")
    }

    static func ggufName(_ name: String) -> String? {
        ggufDecoderName(name, sublayers: ["input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
                                          "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
                                          "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
                                          "mlp.down_proj": "ffn_down"],
                        fixed: ["model.embed_tokens.weight": "token_embd.weight", "lm_head.weight": "output.weight",
                                "model.norm.weight": "output_norm.weight"])
    }

    /// llama.cpp's converter interleaves the rotary halves of Llama's (not Qwen2's) q and k rows.
    static func permutedHeads(ggufTensor name: String, ggufArchitecture: String, config: ModelConfig) -> Int? {
        guard ggufArchitecture == "llama" else { return nil }
        if name.hasSuffix("attn_q.weight") || name.hasSuffix("attn_q.bias") { return config.heads }
        if name.hasSuffix("attn_k.weight") || name.hasSuffix("attn_k.bias") { return config.keyValueHeads }
        return nil
    }

    /// Llama and Mistral as llama.cpp's "llama", Qwen2 as "qwen2"; not their rope scalings or windows.
    static func ggufExport(modelType: String, config: ModelConfig) -> GGUFExportLayout? {
        guard config.ropeScaling == .none, config.slidingWindow == nil else { return nil }
        var metadata: [(String, GGUFWriter.Value)] = [
            ("attention.head_count_kv", .u32(UInt32(config.keyValueHeads))),
            ("attention.layer_norm_rms_epsilon", .f32(config.normEpsilon)), ("rope.freq_base", .f32(config.ropeTheta))]
        if let headDimension = config.explicitHeadDimension {
            metadata += [("attention.key_length", .u32(UInt32(headDimension))), ("attention.value_length", .u32(UInt32(headDimension)))]
        }
        let qwen2 = modelType == "qwen2"
        return GGUFExportLayout(architecture: qwen2 ? "qwen2" : "llama", tokenizerPre: qwen2 ? "qwen2" : "llama-bpe", metadata: metadata)
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
            func bias(_ name: String, _ size: Int) throws -> [Float]? {
                weights.has(p + name) ? try weights.tensor(p + name, shape: [size]) : nil
            }
            return Layer(
                inputNorm: try weights.tensor(p + "input_layernorm.weight", shape: [c]),
                attention: try RotaryAttention(weights: weights, prefix: p + "self_attn.", config: config),
                postNorm: try weights.tensor(p + "post_attention_layernorm.weight", shape: [c]),
                gate: try linear(p + "mlp.gate_proj.weight", inner, c),
                up: try linear(p + "mlp.up_proj.weight", inner, c),
                down: try linear(p + "mlp.down_proj.weight", c, inner),
                gateBias: try bias("mlp.gate_proj.bias", inner), upBias: try bias("mlp.up_proj.bias", inner),
                downBias: try bias("mlp.down_proj.bias", c))
        }
        finalNorm = try weights.tensor("model.norm.weight", shape: [c])
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
        var gate = [Float](repeating: 0, count: t * inner), up = gate  // (T, I)
        for (index, layer) in layers.enumerated() {
            rmsNorm(x, &h, rows: t, width: c, gamma: layer.inputNorm, epsilon: config.normEpsilon)
            var attended = [Float](repeating: 0, count: t * c)
            layer.attention(h, &attended, steps: steps, positions: positions, layer: index, rotary: rotary, config: config, buffers: &buffers)
            x.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, attended, count: t * c) }
            rmsNorm(x, &h, rows: t, width: c, gamma: layer.postNorm, epsilon: config.normEpsilon)
            linear(h, layer.gate, layer.gateBias, &gate, rows: t)
            linear(h, layer.up, layer.upBias, &up, rows: t)
            gate.withUnsafeMutableBufferPointer { siluMultiply($0.baseAddress!, up, count: t * inner) }
            linear(gate, layer.down, layer.downBias, &h, rows: t)
            x.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, h, count: t * c) }
        }
        advanceAll(steps)
        return headLogits(x, rows: t, config: config, which, head: embedding.output) {
            rmsNorm($0, &$1, rows: $2, width: c, gamma: finalNorm, epsilon: config.normEpsilon)
        }
    }
}

func rmsNorm(_ x: [Float], _ out: inout [Float], rows: Int, width: Int, gamma: [Float], epsilon: Float) {
    x.withUnsafeBufferPointer { a in
        out.withUnsafeMutableBufferPointer { o in
            Tensors.rmsNorm(a.baseAddress!, o.baseAddress!, rows: rows, width: width, gamma: gamma, epsilon: epsilon)
        }
    }
}
