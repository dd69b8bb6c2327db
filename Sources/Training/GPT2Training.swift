import Foundation
import Models
import Tensors

/// GPT-2 with a backward pass: the forward pass over a batch of B sequences of T tokens keeps
/// every activation the backward pass reads, and the backward pass accumulates the gradient of
/// the mean next-token cross-entropy into `gradients`. Parameters live in one flat buffer in HF's
/// layout (see GPT2Layout). The structure follows llm.c's train_gpt2.c, over OpenBLAS.
public final class GPT2Training: @unchecked Sendable {
    public let layout: GPT2Layout
    public var config: ModelConfig { layout.config }
    public let parameters: FloatBuffer
    public let gradients: FloatBuffer
    public let batch: Int
    public let length: Int

    /// One block's saved activations, each B·T rows.
    struct BlockActivations {
        let ln1, ln1Mean, ln1Rstd, qkv, probabilities, attended, residual2: FloatBuffer
        let ln2, ln2Mean, ln2Rstd, fc, fcGelu, residual3: FloatBuffer
    }

    let encoded: FloatBuffer
    let blocks: [BlockActivations]
    let final, finalMean, finalRstd: FloatBuffer
    /// The logits of the last forward pass (B·T × V); the backward pass turns them into their gradient.
    public let logits: FloatBuffer
    // Gradient scratch, reused by every block.
    let dResidual, dLinearOut, dWide, dWide2, dQKV, dAttention: FloatBuffer
    var inputs: [Int32] = []
    /// Query rows per tile of the causal attention (see attentionTiles); tests set it small so
    /// that their short sequences are cut into several tiles.
    var attentionTile = 64

    public init(layout: GPT2Layout, parameters: FloatBuffer, batch: Int, length: Int) {
        precondition(parameters.count == layout.count)
        precondition(length <= layout.config.contextLength)
        self.layout = layout
        self.parameters = parameters
        self.gradients = FloatBuffer(count: layout.count)
        self.batch = batch
        self.length = length
        let config = layout.config
        let rows = batch * length, c = config.hiddenSize, inner = config.intermediateSize
        let attention = batch * config.heads * length * length
        encoded = FloatBuffer(count: rows * c)
        blocks = (0..<config.layers).map { _ in
            BlockActivations(
                ln1: FloatBuffer(count: rows * c), ln1Mean: FloatBuffer(count: rows), ln1Rstd: FloatBuffer(count: rows),
                qkv: FloatBuffer(count: rows * 3 * c), probabilities: FloatBuffer(count: attention),
                attended: FloatBuffer(count: rows * c), residual2: FloatBuffer(count: rows * c),
                ln2: FloatBuffer(count: rows * c), ln2Mean: FloatBuffer(count: rows), ln2Rstd: FloatBuffer(count: rows),
                fc: FloatBuffer(count: rows * inner), fcGelu: FloatBuffer(count: rows * inner), residual3: FloatBuffer(count: rows * c))
        }
        final = FloatBuffer(count: rows * c)
        finalMean = FloatBuffer(count: rows)
        finalRstd = FloatBuffer(count: rows)
        logits = FloatBuffer(count: rows * config.vocabularySize)
        dResidual = FloatBuffer(count: rows * c)
        dLinearOut = FloatBuffer(count: rows * c)
        dWide = FloatBuffer(count: rows * inner)
        dWide2 = FloatBuffer(count: rows * inner)
        dQKV = FloatBuffer(count: rows * 3 * c)
        dAttention = FloatBuffer(count: attention)
    }

    /// Bytes of activations and gradients this batch shape holds, besides the parameters.
    public static func activationBytes(config: ModelConfig, batch: Int, length: Int) -> Int {
        let rows = batch * length, c = config.hiddenSize, inner = config.intermediateSize
        let attention = batch * config.heads * length * length
        let perBlock = rows * (9 * c + 6 + 2 * inner) + attention
        let scratch = rows * (2 * c + 2 * inner + 3 * c) + attention
        return 4 * (config.layers * perBlock + rows * (2 * c + 2) + rows * config.vocabularySize + scratch)
    }

    /// Computes the logits of every position of `inputs` (B·T token ids).
    public func forward(inputs: [Int32]) {
        precondition(inputs.count == batch * length)
        self.inputs = inputs
        let config = self.config, p = parameters.pointer
        let rows = batch * length, c = config.hiddenSize, inner = config.intermediateSize, eps = config.normEpsilon
        for r in 0..<rows {
            let token = Int(inputs[r]), position = r % length
            let out = encoded.pointer + r * c
            let wte = p + layout.tokenEmbedding + token * c, wpe = p + layout.positionEmbedding + position * c
            for i in 0..<c { out[i] = wte[i] + wpe[i] }
        }
        var residual = UnsafePointer(encoded.pointer)
        for (l, a) in blocks.enumerated() {
            let w = layout.blocks[l]
            layerNorm(residual, a.ln1.pointer, rows: rows, width: c, gamma: p + w.ln1Gamma, beta: p + w.ln1Beta, epsilon: eps,
                      mean: a.ln1Mean.pointer, rstd: a.ln1Rstd.pointer)
            linearForward(a.qkv.pointer, a.ln1.pointer, weight: p + w.qkvWeight, bias: p + w.qkvBias, rows: rows, inputs: c, outputs: 3 * c)
            attentionForward(a.attended.pointer, probabilities: a.probabilities.pointer, qkv: a.qkv.pointer,
                             batch: batch, length: length, width: c, heads: config.heads, tile: attentionTile)
            linearForward(a.residual2.pointer, a.attended.pointer, weight: p + w.projectionWeight, bias: p + w.projectionBias,
                          rows: rows, inputs: c, outputs: c)
            addInPlace(a.residual2.pointer, residual, count: rows * c)
            layerNorm(a.residual2.pointer, a.ln2.pointer, rows: rows, width: c, gamma: p + w.ln2Gamma, beta: p + w.ln2Beta,
                      epsilon: eps, mean: a.ln2Mean.pointer, rstd: a.ln2Rstd.pointer)
            linearForward(a.fc.pointer, a.ln2.pointer, weight: p + w.fcWeight, bias: p + w.fcBias, rows: rows, inputs: c, outputs: inner)
            geluForward(a.fcGelu.pointer, a.fc.pointer, count: rows * inner)
            linearForward(a.residual3.pointer, a.fcGelu.pointer, weight: p + w.fcProjectionWeight, bias: p + w.fcProjectionBias,
                          rows: rows, inputs: inner, outputs: c)
            addInPlace(a.residual3.pointer, a.residual2.pointer, count: rows * c)
            residual = UnsafePointer(a.residual3.pointer)
        }
        layerNorm(residual, final.pointer, rows: rows, width: c, gamma: p + layout.finalGamma, beta: p + layout.finalBeta,
                  epsilon: eps, mean: finalMean.pointer, rstd: finalRstd.pointer)
        gemm(transposeA: false, transposeB: true, m: rows, n: config.vocabularySize, k: c, final.pointer, lda: c,
             p + layout.tokenEmbedding, ldb: c, logits.pointer, ldc: config.vocabularySize)
    }

    /// The mean cross-entropy of the last forward pass against `targets` (negative = not counted),
    /// without a backward pass (validation). Overwrites the logits.
    public func loss(targets: [Int32]) -> (loss: Double, counted: Int) {
        targets.withUnsafeBufferPointer {
            crossEntropyForwardBackward(logits.pointer, targets: $0.baseAddress!, rows: batch * length,
                                        vocabulary: config.vocabularySize, scale: 0)
        }
    }

    /// Adds `scale` × the gradient of the mean cross-entropy against `targets` to `gradients`
    /// (scale 1/k when k micro-batches make one step), and returns the loss.
    @discardableResult
    public func backward(targets: [Int32], scale: Float = 1) -> (loss: Double, counted: Int) {
        precondition(targets.count == batch * length)
        let config = self.config, p = parameters.pointer, g = gradients.pointer
        let rows = batch * length, c = config.hiddenSize, inner = config.intermediateSize, v = config.vocabularySize
        let result = targets.withUnsafeBufferPointer {
            crossEntropyForwardBackward(logits.pointer, targets: $0.baseAddress!, rows: rows, vocabulary: v, scale: scale)
        }
        let dLogits = logits.pointer
        // Tied output embedding: the logits' gradient reaches wte as well as the final LayerNorm.
        gemm(transposeA: true, transposeB: false, m: v, n: c, k: rows, dLogits, lda: v, final.pointer, ldb: c,
             beta: 1, g + layout.tokenEmbedding, ldc: c)
        gemm(transposeA: false, transposeB: false, m: rows, n: c, k: v, dLogits, lda: v, p + layout.tokenEmbedding, ldb: c,
             dLinearOut.pointer, ldc: c)
        dResidual.zero()
        let lastResidual = blocks.last.map { UnsafePointer($0.residual3.pointer) } ?? UnsafePointer(encoded.pointer)
        layerNormBackward(dx: dResidual.pointer, dGamma: g + layout.finalGamma, dBeta: g + layout.finalBeta, dout: dLinearOut.pointer,
                          x: lastResidual, gamma: p + layout.finalGamma, mean: finalMean.pointer, rstd: finalRstd.pointer,
                          rows: rows, width: c)
        for l in stride(from: blocks.count - 1, through: 0, by: -1) {
            let a = blocks[l], w = layout.blocks[l]
            let residual = l == 0 ? UnsafePointer(encoded.pointer) : UnsafePointer(blocks[l - 1].residual3.pointer)
            // MLP: residual3 = residual2 + proj(gelu(fc(ln2(residual2)))).
            linearBackward(dx: dWide.pointer, dWeight: g + w.fcProjectionWeight, dBias: g + w.fcProjectionBias, dout: dResidual.pointer,
                           x: a.fcGelu.pointer, weight: p + w.fcProjectionWeight, rows: rows, inputs: inner, outputs: c)
            geluBackward(dx: dWide2.pointer, dout: dWide.pointer, x: a.fc.pointer, count: rows * inner)
            linearBackward(dx: dLinearOut.pointer, dWeight: g + w.fcWeight, dBias: g + w.fcBias, dout: dWide2.pointer,
                           x: a.ln2.pointer, weight: p + w.fcWeight, rows: rows, inputs: c, outputs: inner)
            layerNormBackward(dx: dResidual.pointer, dGamma: g + w.ln2Gamma, dBeta: g + w.ln2Beta, dout: dLinearOut.pointer,
                              x: a.residual2.pointer, gamma: p + w.ln2Gamma, mean: a.ln2Mean.pointer, rstd: a.ln2Rstd.pointer,
                              rows: rows, width: c)
            // Attention: residual2 = residual + proj(attention(qkv(ln1(residual)))).
            linearBackward(dx: dLinearOut.pointer, dWeight: g + w.projectionWeight, dBias: g + w.projectionBias, dout: dResidual.pointer,
                           x: a.attended.pointer, weight: p + w.projectionWeight, rows: rows, inputs: c, outputs: c)
            attentionBackward(dqkv: dQKV.pointer, scratch: dAttention.pointer, dout: dLinearOut.pointer, qkv: a.qkv.pointer,
                              probabilities: a.probabilities.pointer, batch: batch, length: length, width: c, heads: config.heads, tile: attentionTile)
            linearBackward(dx: dLinearOut.pointer, dWeight: g + w.qkvWeight, dBias: g + w.qkvBias, dout: dQKV.pointer,
                           x: a.ln1.pointer, weight: p + w.qkvWeight, rows: rows, inputs: c, outputs: 3 * c)
            layerNormBackward(dx: dResidual.pointer, dGamma: g + w.ln1Gamma, dBeta: g + w.ln1Beta, dout: dLinearOut.pointer,
                              x: residual, gamma: p + w.ln1Gamma, mean: a.ln1Mean.pointer, rstd: a.ln1Rstd.pointer,
                              rows: rows, width: c)
        }
        for r in 0..<rows {
            let token = Int(inputs[r]), position = r % length
            let d = dResidual.pointer + r * c
            let wte = g + layout.tokenEmbedding + token * c, wpe = g + layout.positionEmbedding + position * c
            for i in 0..<c {
                wte[i] += d[i]
                wpe[i] += d[i]
            }
        }
        return result
    }
}
