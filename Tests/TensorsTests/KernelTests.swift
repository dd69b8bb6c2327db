import Foundation
import Testing
@testable import Tensors

/// A deterministic pseudo-random array in [-1, 1).
func noise(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % 2_000_000) / 1_000_000 - 1
    }
}

func largestDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite struct KernelTests {
    @Test(arguments: [(1, 1, 1), (3, 5, 7), (17, 33, 65), (64, 128, 96)])
    func matmulAgreesWithTheTripleLoop(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let a = noise(m * k, seed: 1), b = noise(k * n, seed: 2)
        for transposed in [false, true] {
            var c = [Float](repeating: 0, count: m * n)
            matmul(a, b, &c, m: m, n: n, k: k, transposedB: transposed)
            let expected = referenceMatmul(a, b, m: m, n: n, k: k, transposedB: transposed)
            #expect(largestDifference(c, expected) < 1e-4, "\(shape) transposed \(transposed)")
        }
    }

    @Test(arguments: [1, 7, 8, 9, 64, 131])
    func dotAgreesWithReference(count: Int) {
        let a = noise(count, seed: 5), b = noise(count, seed: 6)
        let fast = a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in dot(x.baseAddress!, y.baseAddress!, count: count) } }
        #expect(abs(fast - Reference.dot(a, b)) < 1e-5, "count \(count)")
    }

    @Test func layerNormAgreesWithReference() {
        let x = noise(5 * 48, seed: 3), gamma = noise(48, seed: 4), beta = noise(48, seed: 5)
        var out = [Float](repeating: 0, count: x.count)
        layerNorm(x, &out, rows: 5, width: 48, gamma: gamma, beta: beta, epsilon: 1e-5)
        #expect(largestDifference(out, Reference.layerNorm(x, width: 48, gamma: gamma, beta: beta, epsilon: 1e-5)) < 1e-5)
    }

    @Test func rmsNormAgreesWithReference() {
        let x = noise(4 * 40, seed: 6), gamma = noise(40, seed: 7)
        var out = [Float](repeating: 0, count: x.count)
        rmsNorm(x, &out, rows: 4, width: 40, gamma: gamma, epsilon: 1e-6)
        #expect(largestDifference(out, Reference.rmsNorm(x, width: 40, gamma: gamma, epsilon: 1e-6)) < 1e-5)
    }

    @Test func geluAndSoftmaxAgreeWithReference() {
        var x = noise(1000, seed: 8).map { $0 * 6 }
        let expected = Reference.geluTanh(x)
        geluTanh(&x, count: x.count)
        #expect(largestDifference(x, expected) < 1e-5)
        var row = noise(257, seed: 9).map { $0 * 30 }
        let probabilities = Reference.softmax(row)
        softmax(&row, count: row.count)
        #expect(largestDifference(row, probabilities) < 1e-6)
        #expect(abs(row.reduce(0, +) - 1) < 1e-5)
    }

    @Test func logSoftmaxIsLogOfSoftmax() {
        let row = noise(100, seed: 10).map { $0 * 20 }
        var logs = [Float](repeating: 0, count: 100)
        logSoftmax(row, &logs, count: 100)
        let probabilities = Reference.softmax(row)
        #expect(largestDifference(logs.map { expf($0) }, probabilities) < 1e-6)
    }
}
