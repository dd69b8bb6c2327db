import Foundation
import Tensors

/// GPT-2 (Radford et al. 2019), the Codex-era design: learned positions, pre-LayerNorm blocks,
/// tanh-GELU, Conv1D weights stored (in × out), output embedding tied to the input's.
/// Weight names as in HF's GPT2LMHeadModel, with or without the "transformer." prefix.
public final class GPT2: LanguageModel, @unchecked Sendable {
    public let config: ModelConfig

    struct Block {
        var ln1Gamma, ln1Beta, attentionWeight, attentionBias, attentionProjection, attentionProjectionBias: [Float]
        var ln2Gamma, ln2Beta, fcWeight, fcBias, mlpProjection, mlpProjectionBias: [Float]
    }

    let tokenEmbedding: [Float]  // (V, C)
    let positionEmbedding: [Float]  // (context, C)
    let blocks: [Block]
    let finalGamma, finalBeta: [Float]

    init(config: ModelConfig, weights: WeightStore) throws {
        self.config = config
        let prefix = weights.has("transformer.wte.weight") ? "transformer." : ""
        let c = config.hiddenSize, v = config.vocabularySize, inner = config.intermediateSize
        func load(_ name: String, _ shape: [Int]) throws -> [Float] { try weights.tensor(prefix + name, shape: shape) }
        // Conv1D weights are stored (in × out); kept as (out × in), the layout of a Linear layer,
        // which OpenBLAS packs faster for the few-row products of decoding.
        func loadConv1D(_ name: String, _ inputs: Int, _ outputs: Int) throws -> [Float] {
            let stored = try load(name, [inputs, outputs])
            var transposed = [Float](repeating: 0, count: stored.count)
            for i in 0..<inputs {
                for o in 0..<outputs { transposed[o * inputs + i] = stored[i * outputs + o] }
            }
            return transposed
        }
        tokenEmbedding = try load("wte.weight", [v, c])
        positionEmbedding = try load("wpe.weight", [config.contextLength, c])
        blocks = try (0..<config.layers).map { i in
            let p = "h.\(i)."
            return Block(
                ln1Gamma: try load(p + "ln_1.weight", [c]), ln1Beta: try load(p + "ln_1.bias", [c]),
                attentionWeight: try loadConv1D(p + "attn.c_attn.weight", c, 3 * c), attentionBias: try load(p + "attn.c_attn.bias", [3 * c]),
                attentionProjection: try loadConv1D(p + "attn.c_proj.weight", c, c), attentionProjectionBias: try load(p + "attn.c_proj.bias", [c]),
                ln2Gamma: try load(p + "ln_2.weight", [c]), ln2Beta: try load(p + "ln_2.bias", [c]),
                fcWeight: try loadConv1D(p + "mlp.c_fc.weight", c, inner), fcBias: try load(p + "mlp.c_fc.bias", [inner]),
                mlpProjection: try loadConv1D(p + "mlp.c_proj.weight", inner, c), mlpProjectionBias: try load(p + "mlp.c_proj.bias", [c]))
        }
        finalGamma = try load("ln_f.weight", [c])
        finalBeta = try load("ln_f.bias", [c])
    }

    public func forward(_ steps: [Step]) throws -> [Float] {
        let t = steps.count, c = config.hiddenSize, v = config.vocabularySize, inner = config.intermediateSize
        let positions = try Models.positions(of: steps, config: config)
        var x = [Float](repeating: 0, count: t * c)  // (T, C)
        for (row, step) in steps.enumerated() {
            for i in 0..<c {
                x[row * c + i] = tokenEmbedding[step.token * c + i] + positionEmbedding[positions[row] * c + i]
            }
        }
        var h = [Float](repeating: 0, count: t * c)
        var qkv = [Float](repeating: 0, count: t * 3 * c)  // (T, 3C)
        var attended = [Float](repeating: 0, count: t * c)
        var hidden = [Float](repeating: 0, count: t * inner)  // (T, 4C)
        for (index, block) in blocks.enumerated() {
            layerNorm(x, &h, rows: t, width: c, gamma: block.ln1Gamma, beta: block.ln1Beta, epsilon: config.normEpsilon)
            linear(h, block.attentionWeight, block.attentionBias, &qkv, rows: t, inputs: c, outputs: 3 * c, weightIsOutByIn: true)
            qkv.withUnsafeBufferPointer { q in
                storeAll(steps, positions: positions, layer: index, keys: q.baseAddress! + c, values: q.baseAddress! + 2 * c, stride: 3 * c)
                attended.withUnsafeMutableBufferPointer { out in
                    attend(steps, positions: positions, layer: index, queries: q.baseAddress!, stride: 3 * c, out: out.baseAddress!)
                }
            }
            linear(attended, block.attentionProjection, block.attentionProjectionBias, &h, rows: t, inputs: c, outputs: c, weightIsOutByIn: true)
            x.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, h, count: t * c) }
            layerNorm(x, &h, rows: t, width: c, gamma: block.ln2Gamma, beta: block.ln2Beta, epsilon: config.normEpsilon)
            linear(h, block.fcWeight, block.fcBias, &hidden, rows: t, inputs: c, outputs: inner, weightIsOutByIn: true)
            hidden.withUnsafeMutableBufferPointer { geluTanh($0.baseAddress!, count: t * inner) }
            linear(hidden, block.mlpProjection, block.mlpProjectionBias, &h, rows: t, inputs: inner, outputs: c, weightIsOutByIn: true)
            x.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, h, count: t * c) }
        }
        advanceAll(steps)
        layerNorm(x, &h, rows: t, width: c, gamma: finalGamma, beta: finalBeta, epsilon: config.normEpsilon)
        var logits = [Float](repeating: 0, count: t * v)  // (T, V)
        linear(h, tokenEmbedding, nil, &logits, rows: t, inputs: c, outputs: v, weightIsOutByIn: true)
        return logits
    }
}

/// out (rows × outputs) = x (rows × inputs) · W + bias, W stored (inputs × outputs) or, for HF
/// Linear layers, (outputs × inputs).
func linear(_ x: [Float], _ weight: [Float], _ bias: [Float]?, _ out: inout [Float], rows: Int, inputs: Int, outputs: Int,
            weightIsOutByIn: Bool) {
    x.withUnsafeBufferPointer { a in
        weight.withUnsafeBufferPointer { w in
            out.withUnsafeMutableBufferPointer { o in
                matmul(a.baseAddress!, w.baseAddress!, o.baseAddress!, m: rows, n: outputs, k: inputs, transposedB: weightIsOutByIn)
                if let bias { addBias(o.baseAddress!, bias, rows: rows, width: outputs) }
            }
        }
    }
}

func layerNorm(_ x: [Float], _ out: inout [Float], rows: Int, width: Int, gamma: [Float], beta: [Float], epsilon: Float) {
    x.withUnsafeBufferPointer { a in
        out.withUnsafeMutableBufferPointer { o in
            Tensors.layerNorm(a.baseAddress!, o.baseAddress!, rows: rows, width: width, gamma: gamma, beta: beta, epsilon: epsilon)
        }
    }
}
