import Foundation
import Tensors

// The forward kernels training needs (saving what the backward pass reads) and their backward
// passes, over contiguous row-major rows. The derivations follow llm.c's train_gpt2.c; each
// gradient is checked against PyTorch and against finite differences in TrainingTests.

/// out = x · W + bias, W stored inputs × outputs (HF's Conv1D).
func linearForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                   bias: UnsafePointer<Float>?, rows: Int, inputs: Int, outputs: Int) {
    gemm(transposeA: false, transposeB: false, m: rows, n: outputs, k: inputs, x, lda: inputs, weight, ldb: outputs,
         out, ldc: outputs)
    if let bias { addBias(out, bias, rows: rows, width: outputs) }
}

/// dx = dout · Wᵀ (overwritten); dW += xᵀ · dout; dbias += the column sums of dout.
func linearBackward(dx: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?,
                    dout: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                    rows: Int, inputs: Int, outputs: Int) {
    gemm(transposeA: false, transposeB: true, m: rows, n: inputs, k: outputs, dout, lda: outputs, weight, ldb: outputs,
         dx, ldc: inputs)
    gemm(transposeA: true, transposeB: false, m: inputs, n: outputs, k: rows, x, lda: inputs, dout, ldb: outputs,
         beta: 1, dWeight, ldc: outputs)
    if let dBias {
        for r in 0..<rows {
            let row = dout + r * outputs
            for i in 0..<outputs { dBias[i] += row[i] }
        }
    }
}

/// dx += LayerNorm's input gradient; dgamma, dbeta accumulate.
func layerNormBackward(dx: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>,
                       dout: UnsafePointer<Float>, x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                       mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, width: Int) {
    for r in 0..<rows {
        let row = x + r * width, grad = dout + r * width, target = dx + r * width
        let m = mean[r], s = rstd[r]
        var dnormMean: Float = 0, dnormNormMean: Float = 0
        for i in 0..<width {
            let norm = (row[i] - m) * s
            let dnorm = gamma[i] * grad[i]
            dnormMean += dnorm
            dnormNormMean += dnorm * norm
        }
        dnormMean /= Float(width)
        dnormNormMean /= Float(width)
        for i in 0..<width {
            let norm = (row[i] - m) * s
            let dnorm = gamma[i] * grad[i]
            dBeta[i] += grad[i]
            dGamma[i] += norm * grad[i]
            target[i] += (dnorm - dnormMean - norm * dnormNormMean) * s
        }
    }
}

/// out = gelu_tanh(x), x kept for the backward pass.
func geluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    out.update(from: x, count: count)
    geluTanh(out, count: count)
}

/// dx = dout · gelu_tanh'(x), overwritten.
func geluBackward(dx: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, x: UnsafePointer<Float>, count: Int) {
    let c: Float = 0.7978845608028654  // sqrt(2 / pi)
    dx.update(from: x, count: count)
    forEachVector(dx, count: count) { (v: SIMD8<Float>) -> SIMD8<Float> in
        let square: SIMD8<Float> = v * v
        let t: SIMD8<Float> = vectorTanh(c * (v + 0.044715 * square * v))
        let slope: SIMD8<Float> = c * (1 + 0.134145 * square)  // d/dv of c (v + 0.044715 v³)
        let half: SIMD8<Float> = 0.5 * (1 + t)
        return half + 0.5 * v * (1 - t * t) * slope
    }
    for i in 0..<count { dx[i] *= dout[i] }
}

/// The tiles [i0, i1) of T query rows, last first. A tile attends to keys [0, i1) only, so the
/// products skip the masked upper triangle but for the tiles' diagonal blocks — (1 + tile/T)/2 of
/// the full T×T work (0.56 at T = 512, tile 64). Last first: the backward pass's first tile then
/// covers every key and initialises dk and dv, and the others accumulate.
func attentionTiles(_ t: Int, tile: Int) -> [(start: Int, end: Int)] {
    stride(from: 0, to: t, by: tile).map { ($0, min($0 + tile, t)) }.reversed()
}

/// Causal multi-head attention over a fused q/k/v tensor (B·T × 3C): writes the attention
/// probabilities (B × heads × T × T, zero above the diagonal) and the heads' outputs (B·T × C).
/// Each (sequence, head) pair is a few strided sgemm calls per tile of rows and a masked softmax.
func attentionForward(_ out: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>,
                      qkv: UnsafePointer<Float>, batch: Int, length t: Int, width c: Int, heads: Int, tile: Int) {
    let hs = c / heads
    let scale = 1 / Float(hs).squareRoot()
    // Each (sequence, head) job touches its own slices; the pointers cross threads on that promise.
    nonisolated(unsafe) let (out, probabilities, qkv) = (out, probabilities, qkv)
    DispatchQueue.concurrentPerform(iterations: batch * heads) { job in
        let b = job / heads, h = job % heads
        let q = qkv + b * t * 3 * c + h * hs, k = q + c, v = q + 2 * c
        let att = probabilities + job * t * t
        for (i0, i1) in attentionTiles(t, tile: tile) {
            gemm(transposeA: false, transposeB: true, m: i1 - i0, n: i1, k: hs, alpha: scale, q + i0 * 3 * c, lda: 3 * c,
                 k, ldb: 3 * c, att + i0 * t, ldc: t)
            for i in i0..<i1 {
                let row = att + i * t
                softmax(row, count: i + 1)
                (row + i + 1).update(repeating: 0, count: t - i - 1)
            }
            gemm(transposeA: false, transposeB: false, m: i1 - i0, n: hs, k: i1, att + i0 * t, lda: t, v, ldb: 3 * c,
                 out + (b * t + i0) * c + h * hs, ldc: c)
        }
    }
}

/// dqkv (overwritten) from the outputs' gradient; `scratch` holds B × heads × T × T floats.
func attentionBackward(dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                       qkv: UnsafePointer<Float>, probabilities: UnsafePointer<Float>,
                       batch: Int, length t: Int, width c: Int, heads: Int, tile: Int) {
    let hs = c / heads
    let scale = 1 / Float(hs).squareRoot()
    nonisolated(unsafe) let (dqkv, scratch, dout, qkv, probabilities) = (dqkv, scratch, dout, qkv, probabilities)
    DispatchQueue.concurrentPerform(iterations: batch * heads) { job in
        let b = job / heads, h = job % heads
        let q = qkv + b * t * 3 * c + h * hs, k = q + c, v = q + 2 * c
        let dq = dqkv + b * t * 3 * c + h * hs, dk = dq + c, dv = dq + 2 * c
        let dy = dout + b * t * c + h * hs
        let att = probabilities + job * t * t, datt = scratch + job * t * t
        for (i0, i1) in attentionTiles(t, tile: tile) {
            let m = i1 - i0, accumulate: Float = i1 == t ? 0 : 1
            let attTile = att + i0 * t, dattTile = datt + i0 * t, dyTile = dy + i0 * c
            gemm(transposeA: false, transposeB: true, m: m, n: i1, k: hs, dyTile, lda: c, v, ldb: 3 * c, dattTile, ldc: t)
            gemm(transposeA: true, transposeB: false, m: i1, n: hs, k: m, attTile, lda: t, dyTile, ldb: c,
                 beta: accumulate, dv, ldc: 3 * c)
            // Softmax backward, row by row: dscore = p · (dp - Σ p·dp), zero above the diagonal.
            for i in i0..<i1 {
                let p = att + i * t, d = datt + i * t
                var dot: Float = 0
                for j in 0...i { dot += p[j] * d[j] }
                for j in 0...i { d[j] = p[j] * (d[j] - dot) }
                (d + i + 1).update(repeating: 0, count: i1 - i - 1)
            }
            gemm(transposeA: false, transposeB: false, m: m, n: hs, k: i1, alpha: scale, dattTile, lda: t, k, ldb: 3 * c,
                 dq + i0 * 3 * c, ldc: 3 * c)
            gemm(transposeA: true, transposeB: false, m: i1, n: hs, k: m, alpha: scale, dattTile, lda: t, q + i0 * 3 * c,
                 ldb: 3 * c, beta: accumulate, dk, ldc: 3 * c)
        }
    }
}

/// Softmax cross-entropy over rows of logits, in place: each row becomes the gradient of the
/// mean loss over rows whose target is not negative (a negative target is masked out, like
/// PyTorch's ignore_index), times `scale`. Returns the mean loss and the number of rows it counts.
func crossEntropyForwardBackward(_ logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, rows: Int,
                                 vocabulary v: Int, scale: Float) -> (loss: Double, counted: Int) {
    var counted = 0
    for r in 0..<rows where targets[r] >= 0 { counted += 1 }
    let weight = counted > 0 ? scale / Float(counted) : 0
    var total: Double = 0
    for r in 0..<rows {
        let row = logits + r * v
        let target = Int(targets[r])
        guard target >= 0 else {
            row.update(repeating: 0, count: v)
            continue
        }
        let sum = Double(expShiftedByMaximum(row, count: v))
        let logSum = log(sum)
        total -= log(Double(row[target])) - logSum
        let inverse = Float(1 / sum)
        for i in 0..<v { row[i] *= inverse * weight }
        row[target] -= weight
    }
    return (counted > 0 ? total / Double(counted) : 0, counted)
}
