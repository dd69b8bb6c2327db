import Foundation
import ModelFiles
import Tensors

extension Architecture {
    public static let gptBigCode = Architecture("gpt_bigcode")
}

/// GPT-BigCode (SantaCoder, StarCoder-1; Allal et al. 2023): GPT-2's block with multi-query attention
/// (one key/value head shared by all query heads), Linear rather than Conv1D weights, tanh-GELU and a
/// tied head. Weight names as in HF's GPTBigCodeForCausalLM; llama.cpp calls it "starcoder".
public final class GPTBigCode: ArchitectureDefinition, @unchecked Sendable {
    public let config: ModelConfig

    struct Block {
        var ln1Gamma, ln1Beta: [Float]
        var attention: any WeightMatrix  // (C + 2·KV·d, C): queries, then keys, then values
        var attentionBias: [Float]
        var attentionProjection: any WeightMatrix
        var attentionProjectionBias, ln2Gamma, ln2Beta: [Float]
        var fc: any WeightMatrix
        var fcBias: [Float]
        var projection: any WeightMatrix
        var projectionBias: [Float]
    }

    let tokenEmbedding: any WeightMatrix  // (V, C), tied to the output layer
    let positionEmbedding: [Float]  // (context, C)
    let blocks: [Block]
    let finalGamma, finalBeta: [Float]

    static let architecture = Architecture.gptBigCode
    static let modelTypes = ["gpt_bigcode"]
    static let ggufArchitectures = ["starcoder"]

    static func config(hf json: ConfigReader) throws -> ModelConfig {
        try json.requireActivation("activation_function", in: ["gelu", "gelu_new", "gelu_fast", "gelu_pytorch_tanh"])
        var config = try GPT2.config(hf: json)
        config.architecture = architecture
        if try json.bool("multi_query", default: true) { config.keyValueHeads = 1 }
        return config
    }

    static func config(gguf: GGUFConfigReader) throws -> ModelConfig {
        var config = try GPT2.config(gguf: gguf)
        config.architecture = architecture
        config.keyValueHeads = try gguf.optionalSize("attention.head_count_kv") ?? 1
        return config
    }

    static func ggufName(_ name: String) -> String? { GPT2.ggufName(name) }

    init(config: ModelConfig, weights: any WeightStore) throws {
        self.config = config
        let prefix = weights.has("transformer.wte.weight") ? "transformer." : ""
        let c = config.hiddenSize, v = config.vocabularySize, inner = config.intermediateSize, d = config.headDimension
        let kvWidth = config.keyValueHeads * d, fused = c + 2 * kvWidth
        func load(_ name: String, _ shape: [Int]) throws -> [Float] { try weights.tensor(prefix + name, shape: shape) }
        func linear(_ name: String, _ outputs: Int, _ inputs: Int) throws -> any WeightMatrix {
            try weights.matrix(prefix + name, outputs: outputs, inputs: inputs)
        }
        // Without multi-query, c_attn's rows are grouped per head as (q, k, v); regroup them as
        // all queries, all keys, all values, the layout the multi-query case has.
        let heads = config.heads, multiQuery = config.keyValueHeads == 1 && heads > 1
        func regroup(_ rows: [Float], width: Int) -> [Float] {
            guard !multiQuery else { return rows }
            var out = rows
            for h in 0..<heads {
                for part in 0..<3 {
                    for i in 0..<d {
                        let from = (h * 3 * d + part * d + i) * width, to = (part * c + h * d + i) * width
                        for k in 0..<width { out[to + k] = rows[from + k] }
                    }
                }
            }
            return out
        }
        tokenEmbedding = try linear("wte.weight", v, c)
        positionEmbedding = try load("wpe.weight", [config.contextLength, c])
        blocks = try (0..<config.layers).map { i in
            let p = "h.\(i)."
            return Block(
                ln1Gamma: try load(p + "ln_1.weight", [c]), ln1Beta: try load(p + "ln_1.bias", [c]),
                attention: multiQuery ? try linear(p + "attn.c_attn.weight", fused, c)
                    : PackedMatrix(outByIn: regroup(try load(p + "attn.c_attn.weight", [fused, c]), width: c), outputs: fused, inputs: c),
                attentionBias: regroup(try load(p + "attn.c_attn.bias", [fused]), width: 1),
                attentionProjection: try linear(p + "attn.c_proj.weight", c, c),
                attentionProjectionBias: try load(p + "attn.c_proj.bias", [c]),
                ln2Gamma: try load(p + "ln_2.weight", [c]), ln2Beta: try load(p + "ln_2.bias", [c]),
                fc: try linear(p + "mlp.c_fc.weight", inner, c), fcBias: try load(p + "mlp.c_fc.bias", [inner]),
                projection: try linear(p + "mlp.c_proj.weight", c, inner), projectionBias: try load(p + "mlp.c_proj.bias", [c]))
        }
        finalGamma = try load("ln_f.weight", [c])
        finalBeta = try load("ln_f.bias", [c])
    }

    public func forward(_ steps: [Step], logits which: LogitRows) throws -> [Float] {
        let t = steps.count, c = config.hiddenSize, inner = config.intermediateSize
        let kvWidth = config.keyValueHeads * config.headDimension, fused = c + 2 * kvWidth
        let positions = try Models.positions(of: steps, config: config)
        var x = embedWithLearnedPositions(steps, positions: positions, tokens: tokenEmbedding, positions: positionEmbedding, width: c)
        var h = [Float](repeating: 0, count: t * c)
        var qkv = [Float](repeating: 0, count: t * fused)  // (T, C + 2·KV·d)
        var attended = [Float](repeating: 0, count: t * c)
        var hidden = [Float](repeating: 0, count: t * inner)  // (T, I)
        for (index, block) in blocks.enumerated() {
            layerNorm(x, &h, rows: t, width: c, gamma: block.ln1Gamma, beta: block.ln1Beta, epsilon: config.normEpsilon)
            linear(h, block.attention, block.attentionBias, &qkv, rows: t)
            qkv.withUnsafeBufferPointer { q in
                storeAll(steps, positions: positions, layer: index, keys: q.baseAddress! + c, values: q.baseAddress! + c + kvWidth, stride: fused)
                attended.withUnsafeMutableBufferPointer { out in
                    attend(steps, positions: positions, layer: index, queries: q.baseAddress!, stride: fused, out: out.baseAddress!)
                }
            }
            linear(attended, block.attentionProjection, block.attentionProjectionBias, &h, rows: t)
            x.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, h, count: t * c) }
            layerNorm(x, &h, rows: t, width: c, gamma: block.ln2Gamma, beta: block.ln2Beta, epsilon: config.normEpsilon)
            linear(h, block.fc, block.fcBias, &hidden, rows: t)
            hidden.withUnsafeMutableBufferPointer { geluTanh($0.baseAddress!, count: t * inner) }
            linear(hidden, block.projection, block.projectionBias, &h, rows: t)
            x.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, h, count: t * c) }
        }
        advanceAll(steps)
        return headLogits(x, rows: t, config: config, which, head: tokenEmbedding) {
            layerNorm($0, &$1, rows: $2, width: c, gamma: finalGamma, beta: finalBeta, epsilon: config.normEpsilon)
        }
    }
}
