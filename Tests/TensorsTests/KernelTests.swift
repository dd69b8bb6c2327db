import Foundation
import Testing
import CKernels
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
    // Shapes around the kernel's edges: 1–13 rows (tiles of up to 6, the one-row stream),
    // outputs not a multiple of the 16-wide panel, inputs not a multiple of its 128-long blocks,
    // and products big enough to be shared among cores.
    @Test(arguments: [(1, 1, 1), (1, 50, 7), (3, 5, 7), (5, 16, 130), (7, 33, 65), (13, 40, 257), (20, 97, 300), (64, 128, 96)])
    func packedMatrixAgreesWithTheTripleLoop(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let x = noise(m * k, seed: 1), w = noise(n * k, seed: 2), bias = noise(n, seed: 3)
        let plain = referenceMatmul(x, w, m: m, n: n, k: k, transposedB: true)
        let withBias = (0..<(m * n)).map { plain[$0] + bias[$0 % n] }
        var transposed = [Float](repeating: 0, count: n * k)
        for o in 0..<n { for i in 0..<k { transposed[i * n + o] = w[o * k + i] } }
        let matrices = [PackedMatrix(outByIn: w, outputs: n, inputs: k), PackedMatrix(inByOut: transposed, outputs: n, inputs: k)]
        for (layout, matrix) in matrices.enumerated() {
            for (name, kernel) in [("best", cl_packed_matmul), ("portable", cl_packed_matmul_portable)] as [(String, PackedMatrix.Kernel)] {
                var out = [Float](repeating: .nan, count: m * n)
                matrix.multiply(x, rows: m, bias: nil, into: &out, kernel: kernel)
                #expect(largestDifference(out, plain) < 1e-4, "\(shape) layout \(layout) \(name)")
                matrix.multiply(x, rows: m, bias: bias, into: &out, kernel: kernel)
                #expect(largestDifference(out, withBias) < 1e-4, "\(shape) layout \(layout) \(name) with bias")
            }
        }
    }

    @Test func packedMatrixRowsAreTheWeightsRows() {
        let (n, k) = (37, 19)
        let w = noise(n * k, seed: 4)
        let matrix = PackedMatrix(outByIn: w, outputs: n, inputs: k)
        for row in [0, 15, 16, 36] {
            var copy = [Float](repeating: .nan, count: k)
            matrix.copyRow(row, into: &copy)
            #expect(copy == Array(w[(row * k)..<((row + 1) * k)]), "row \(row)")
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
