import Foundation

// Row-wise kernels over contiguous rows. Each has a plain reference beside it in
// ReferenceKernels.swift, and the tests hold one to the other.

/// LayerNorm over each row of `count / width` rows: (x - mean) / sqrt(var + eps) * gamma + beta.
/// Training passes `mean` and `rstd` (one per row) to keep what its backward pass reads.
public func layerNorm(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                      gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float,
                      mean savedMean: UnsafeMutablePointer<Float>? = nil, rstd savedRstd: UnsafeMutablePointer<Float>? = nil) {
    for r in 0..<rows {
        let row = x + r * width, target = out + r * width
        var mean: Float = 0
        for i in 0..<width { mean += row[i] }
        mean /= Float(width)
        var variance: Float = 0
        for i in 0..<width {
            let d = row[i] - mean
            variance += d * d
        }
        variance /= Float(width)
        let scale = 1 / (variance + epsilon).squareRoot()
        for i in 0..<width { target[i] = (row[i] - mean) * scale * gamma[i] + beta[i] }
        savedMean?[r] = mean
        savedRstd?[r] = scale
    }
}

/// RMSNorm over each row: x / sqrt(mean(x²) + eps) * gamma (Qwen2, Llama).
public func rmsNorm(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                    gamma: UnsafePointer<Float>, epsilon: Float) {
    for r in 0..<rows {
        let row = x + r * width, target = out + r * width
        var squares: Float = 0
        for i in 0..<width { squares += row[i] * row[i] }
        let scale = 1 / (squares / Float(width) + epsilon).squareRoot()
        for i in 0..<width { target[i] = row[i] * scale * gamma[i] }
    }
}

/// GELU, tanh approximation (GPT-2's "gelu_new"), in place.
public func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
    forEachVector(x, count: count) { v in
        0.5 * v * (1 + vectorTanh(0.7978845608028654 * (v + 0.044715 * v * v * v)))  // sqrt(2 / pi)
    }
}

/// SwiGLU's gate: gate[i] = silu(gate[i]) * up[i], in place on `gate`.
public func siluMultiply(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
    for i in 0..<count {
        let g = gate[i]
        gate[i] = g / (1 + expf(-g)) * up[i]
    }
}

/// Softmax of one row, in place, numerically stable.
public func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
    let sum = expShiftedByMaximum(x, count: count)
    let inverse = 1 / sum
    for i in 0..<count { x[i] *= inverse }
}

/// x[i] = exp(x[i] - max x), in place; returns the sum of the new values (accumulated in Double,
/// so rows of a large vocabulary sum exactly enough).
public func expShiftedByMaximum(_ x: UnsafeMutablePointer<Float>, count: Int) -> Float {
    var maximum = -Float.infinity
    for i in 0..<count { maximum = max(maximum, x[i]) }
    forEachVector(x, count: count) { vectorExp($0 - maximum) }
    var sum: Double = 0
    for i in 0..<count { sum += Double(x[i]) }
    return Float(sum)
}

/// Log-softmax of one row into `out`.
public func logSoftmax(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
    let logSum = logSumExp(x, count: count)
    for i in 0..<count { out[i] = x[i] - logSum }
}

/// log Σ exp(x[i]), shifted by the maximum, eight lanes at a time; blocks of 64 are summed in
/// Double (log-probabilities feed ranking, and a vocabulary row is long). It runs once per drawn
/// token of every sample, where a scalar loop of expf took a tenth of a batch's step.
public func logSumExp(_ x: UnsafePointer<Float>, count: Int) -> Float {
    @inline(__always) func lanes(_ i: Int) -> SIMD8<Float> { UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) }
    let vectors = count - count % 8  // the rest, scalar
    var widest = SIMD8<Float>(repeating: -.infinity)
    for i in stride(from: 0, to: vectors, by: 8) {
        let v = lanes(i)
        widest.replace(with: v, where: v .> widest)  // pointwiseMax is not specialised here: a call per vector
    }
    let maximum = (vectors..<count).reduce(widest.max()) { max($0, x[$1]) }
    guard maximum.isFinite else { return maximum }  // every term −∞ (or one +∞): nothing to shift by
    let shift = SIMD8<Float>(repeating: maximum)
    var sum: Double = 0
    for block in stride(from: 0, to: vectors, by: 64) {
        var lanesSum = SIMD8<Float>()
        for i in stride(from: block, to: min(block + 64, vectors), by: 8) { lanesSum += vectorExp(lanes(i) - shift) }
        sum += Double(lanesSum.sum())
    }
    for i in vectors..<count { sum += Double(expf(x[i] - maximum)) }
    return maximum + Float(log(sum))
}

/// x += y, elementwise.
public func addInPlace(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { x[i] += y[i] }
}

/// Adds `bias` (length `width`) to each of `rows` rows.
public func addBias(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, width: Int) {
    for r in 0..<rows {
        let row = x + r * width
        for i in 0..<width { row[i] += bias[i] }
    }
}

/// Σ a[i]·b[i], eight lanes at a time: the compiler may not reorder a plain loop's float sum, so
/// that loop stays scalar. Sums in a different order from `Reference.dot`.
@inlinable
public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
        lanes += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var total = lanes.sum()
    while i < count {
        total += a[i] * b[i]
        i += 1
    }
    return total
}
