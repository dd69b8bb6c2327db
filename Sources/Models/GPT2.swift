import Foundation
import ModelFiles
import Tensors

extension Architecture {
    public static let gpt2 = Architecture("gpt2")
}

/// GPT-2 (Radford et al. 2019), the Codex-era design: learned positions, pre-LayerNorm blocks,
/// tanh-GELU, Conv1D weights stored (in × out), output embedding tied to the input's.
/// Weight names as in HF's GPT2LMHeadModel, with or without the "transformer." prefix.
public final class GPT2: ArchitectureDefinition, @unchecked Sendable {
    public let config: ModelConfig

    struct Block {
        var ln1Gamma, ln1Beta: [Float]
        var attentionWeight: any WeightMatrix
        var attentionBias: [Float]
        var attentionProjection: any WeightMatrix
        var attentionProjectionBias, ln2Gamma, ln2Beta: [Float]
        var fcWeight: any WeightMatrix
        var fcBias: [Float]
        var mlpProjection: any WeightMatrix
        var mlpProjectionBias: [Float]
    }

    /// (V, C), packed as the output layer it is tied to; the input side looks its rows up.
    let tokenEmbedding: any WeightMatrix
    let positionEmbedding: [Float]  // (context, C)
    let blocks: [Block]
    let finalGamma, finalBeta: [Float]

    static let architecture = Architecture.gpt2
    static let modelTypes = ["gpt2"]
    static let ggufArchitectures = ["gpt2"]

    static func config(hf json: ConfigReader) throws -> ModelConfig {
        var config = ModelConfig.gpt2(vocabularySize: try json.size("vocab_size"), hiddenSize: try json.size("n_embd"),
                                      layers: try json.size("n_layer"), heads: try json.size("n_head"), contextLength: try json.size("n_positions"))
        config.intermediateSize = try json.optionalSize("n_inner") ?? 4 * config.hiddenSize
        config.normEpsilon = try json.number("layer_norm_epsilon", default: 1e-5)
        return config
    }

    static func config(gguf: GGUFConfigReader) throws -> ModelConfig {
        var config = ModelConfig.gpt2(vocabularySize: try gguf.vocabularySize(), hiddenSize: try gguf.size("embedding_length"),
                                      layers: try gguf.size("block_count"), heads: try gguf.size("attention.head_count"),
                                      contextLength: try gguf.size("context_length"))
        config.intermediateSize = try gguf.size("feed_forward_length")
        config.normEpsilon = try gguf.number("attention.layer_norm_epsilon")
        return config
    }

    /// GPT-2's names, with or without transformers' "transformer." prefix (GPT-BigCode's too).
    static func ggufName(_ name: String) -> String? {
        let name = name.hasPrefix("transformer.") ? String(name.dropFirst("transformer.".count)) : name
        let fixed = ["wte.weight": "token_embd.weight", "wpe.weight": "position_embd.weight",
                     "ln_f.weight": "output_norm.weight", "ln_f.bias": "output_norm.bias"]
        if let found = fixed[name] { return found }
        guard name.hasPrefix("h.") else { return nil }
        return ggufBlockName(name.dropFirst(2), sublayers: ["ln_1": "attn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output",
                                                            "ln_2": "ffn_norm", "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"])
    }

    /// HF's Conv1D weights (inputs × outputs) go in as Linear ones; the attention masks stay out.
    static func ggufExport(modelType: String, config: ModelConfig) -> GGUFExportLayout? {
        GGUFExportLayout(architecture: "gpt2", tokenizerPre: "gpt-2",
                         metadata: [("attention.layer_norm_epsilon", .f32(config.normEpsilon))],
                         skipped: { $0.hasSuffix(".attn.bias") || $0.hasSuffix(".attn.masked_bias") },
                         conv1D: { name in ["attn_qkv.weight", "attn_output.weight", "ffn_up.weight", "ffn_down.weight"].contains { name.hasSuffix($0) } })
    }

    init(config: ModelConfig, weights: any WeightStore) throws {
        self.config = config
        let table = GPT2Tensors(config: config, prefix: weights.has("transformer.wte.weight") ? "transformer." : "")
        func load(_ tensor: GPT2Tensors.Tensor) throws -> [Float] { try weights.tensor(tensor.name, shape: tensor.shape) }
        func loadConv1D(_ tensor: GPT2Tensors.Tensor) throws -> any WeightMatrix {
            try weights.conv1D(tensor.name, inputs: tensor.shape[0], outputs: tensor.shape[1])
        }
        let embedding = table.tokenEmbedding
        tokenEmbedding = try weights.matrix(embedding.name, outputs: embedding.shape[0], inputs: embedding.shape[1])
        positionEmbedding = try load(table.positionEmbedding)
        blocks = try table.blocks.map { b in
            Block(ln1Gamma: try load(b.ln1Gamma), ln1Beta: try load(b.ln1Beta),
                  attentionWeight: try loadConv1D(b.qkvWeight), attentionBias: try load(b.qkvBias),
                  attentionProjection: try loadConv1D(b.projectionWeight), attentionProjectionBias: try load(b.projectionBias),
                  ln2Gamma: try load(b.ln2Gamma), ln2Beta: try load(b.ln2Beta),
                  fcWeight: try loadConv1D(b.fcWeight), fcBias: try load(b.fcBias),
                  mlpProjection: try loadConv1D(b.fcProjectionWeight), mlpProjectionBias: try load(b.fcProjectionBias))
        }
        finalGamma = try load(table.finalGamma)
        finalBeta = try load(table.finalBeta)
    }

    public func forward(_ steps: [Step], logits which: LogitRows) throws -> [Float] {
        let t = steps.count, c = config.hiddenSize, inner = config.intermediateSize
        let positions = try Models.positions(of: steps, config: config)
        var x = embedWithLearnedPositions(steps, positions: positions, tokens: tokenEmbedding, positions: positionEmbedding, width: c)
        var h = [Float](repeating: 0, count: t * c)
        var qkv = [Float](repeating: 0, count: t * 3 * c)  // (T, 3C)
        var attended = [Float](repeating: 0, count: t * c)
        var hidden = [Float](repeating: 0, count: t * inner)  // (T, 4C)
        for (index, block) in blocks.enumerated() {
            layerNorm(x, &h, rows: t, width: c, gamma: block.ln1Gamma, beta: block.ln1Beta, epsilon: config.normEpsilon)
            linear(h, block.attentionWeight, block.attentionBias, &qkv, rows: t)
            qkv.withUnsafeBufferPointer { q in
                storeAll(steps, positions: positions, layer: index, keys: q.baseAddress! + c, values: q.baseAddress! + 2 * c, stride: 3 * c)
                attended.withUnsafeMutableBufferPointer { out in
                    attend(steps, positions: positions, layer: index, queries: q.baseAddress!, stride: 3 * c, out: out.baseAddress!)
                }
            }
            linear(attended, block.attentionProjection, block.attentionProjectionBias, &h, rows: t)
            x.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, h, count: t * c) }
            layerNorm(x, &h, rows: t, width: c, gamma: block.ln2Gamma, beta: block.ln2Beta, epsilon: config.normEpsilon)
            linear(h, block.fcWeight, block.fcBias, &hidden, rows: t)
            hidden.withUnsafeMutableBufferPointer { geluTanh($0.baseAddress!, count: t * inner) }
            linear(hidden, block.mlpProjection, block.mlpProjectionBias, &h, rows: t)
            x.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, h, count: t * c) }
        }
        advanceAll(steps)
        return headLogits(x, rows: t, config: config, which, head: tokenEmbedding) {
            layerNorm($0, &$1, rows: $2, width: c, gamma: finalGamma, beta: finalBeta, epsilon: config.normEpsilon)
        }
    }
}

