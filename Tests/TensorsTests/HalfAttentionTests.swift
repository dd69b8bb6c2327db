import Foundation
import CKernels
import Testing

/// The half-precision cache kernels against Swift's own Float16 (the standard library's IEEE
/// conversion, round to nearest even), on both the F16C and the portable paths.
@Suite struct HalfAttentionTests {
    /// Values around every rounding edge: ties between halves, the subnormal range, the largest
    /// finite half and what rounds past it, infinities, and zeros of both signs.
    static var edges: [Float] {
        var values: [Float] = [0, -0, 1, -1, 65504, 65519.99, 65520, -65520, 1e9, .infinity, -.infinity,
                               6.1e-5, 5.96e-8, 2.98e-8, 2.99e-8, 1e-10, 1 + 1.0 / 2048, 1 + 3.0 / 2048, 1 + 1.0 / 4096]
        values += noise(300, seed: 7).map { $0 * 70000 } + noise(300, seed: 8).map { $0 * 1e-4 } + noise(300, seed: 9)
        return values
    }

    @Test func storeRoundsAsFloat16Does() {
        let values = Self.edges
        let expected = values.map { Float16($0).bitPattern }
        let stores = [("best", cl_half_store), ("portable", cl_half_store_portable)]
        for (name, store) in stores {
            var out = [UInt16](repeating: 0xFFFF, count: values.count)
            store(values, &out, values.count)
            let wrong = zip(zip(values, out), expected).filter { $0.0.1 != $0.1 }
            #expect(wrong.isEmpty, "\(name): \(wrong.prefix(5).map { "\($0.0.0) → \(String($0.0.1, radix: 16)), Float16 gives \(String($0.1, radix: 16))" })")
        }
    }

    /// Head widths with and without a tail past the eight-lane loop, one position and many.
    @Test(arguments: [(8, 1), (64, 37), (128, 200), (80, 5), (13, 9)])
    func scoresAndSumsMatchTheWidenedFloats(shape: (Int, Int)) {
        let (d, count) = shape
        let q = noise(d, seed: 1), p = noise(count, seed: 3).map { abs($0) }
        var halves = [UInt16](repeating: 0, count: count * d)
        cl_half_store_portable(noise(count * d, seed: 2), &halves, count * d)
        let widened = halves.map { Float(Float16(bitPattern: $0)) }
        let scale: Float = 0.125
        let scores = (0..<count).map { j in (0..<d).reduce(Float(0)) { $0 + q[$1] * widened[j * d + $1] } * scale }
        let sums = (0..<d).map { i in (0..<count).reduce(Float(0.5)) { $0 + p[$1] * widened[$1 * d + i] } }
        let kernels = [("best", cl_half_scores, cl_half_accumulate), ("portable", cl_half_scores_portable, cl_half_accumulate_portable)]
        for (name, score, accumulate) in kernels {
            var out = [Float](repeating: .nan, count: count)
            score(q, halves, d, count, scale, &out)
            #expect(largestDifference(out, scores) < 1e-5, "\(name) scores, d \(d), \(count) positions")
            var total = [Float](repeating: 0.5, count: d)
            accumulate(p, halves, d, count, &total)
            #expect(largestDifference(total, sums) < 1e-4, "\(name) weighted sum, d \(d), \(count) positions")
        }
    }

    /// A prompt in matrix form against each row attended alone in plain Swift: causal, grouped heads,
    /// tiles with a remainder, rows that start after cached positions, and a sliding window.
    @Test(arguments: [(64, 2, 0, 40, 0), (64, 3, 7, 37, 0), (128, 1, 0, 33, 0), (80, 2, 5, 50, 0), (64, 2, 10, 45, 12)])
    func promptInMatrixFormEqualsEachRowAlone(shape: (Int, Int, Int, Int, Int)) {
        let (d, group, first, rows, window) = shape
        let positions = first + rows, qStride = group * d + 3  // a row holds more than these heads
        let q = noise(rows * qStride, seed: 11)
        var keys = [UInt16](repeating: 0, count: positions * d), values = keys
        cl_half_store_portable(noise(positions * d, seed: 12), &keys, positions * d)
        cl_half_store_portable(noise(positions * d, seed: 13), &values, positions * d)
        let k = keys.map { Float(Float16(bitPattern: $0)) }, v = values.map { Float(Float16(bitPattern: $0)) }
        let scale = 1 / Float(d).squareRoot()
        var out = [Float](repeating: .nan, count: rows * group * d)
        var scratch = [Float](repeating: 0, count: cl_half_attention_scratch(d, positions, group))
        cl_half_attention_prompt(q, qStride, group, keys, values, d, first, rows, window, scale, &out, group * d, &scratch)
        var worst: Float = 0
        for r in 0..<rows {
            let visible = first + r + 1, from = window > 0 ? max(0, visible - window) : 0
            for g in 0..<group {
                let query = Array(q[(r * qStride + g * d)..<(r * qStride + g * d + d)])
                let scores = (from..<visible).map { j in (0..<d).reduce(Float(0)) { $0 + query[$1] * k[j * d + $1] } * scale }
                let top = scores.max()!
                let weights: [Float] = scores.map { Float(exp(Double($0 - top))) }
                let sum = weights.reduce(Float(0), +)
                for i in 0..<d {
                    var want: Float = 0
                    for (offset, weight) in weights.enumerated() { want += weight / sum * v[(from + offset) * d + i] }
                    worst = max(worst, abs(out[r * group * d + g * d + i] - want))
                }
            }
        }
        #expect(worst < 1e-5, "d \(d), group \(group), first \(first), rows \(rows), window \(window): \(worst)")
    }
}
