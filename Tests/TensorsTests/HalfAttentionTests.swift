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
}
