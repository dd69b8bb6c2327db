import CKernels
import Foundation
import ModelFiles
import Testing
@testable import Tensors

/// The in-place block kernels, every code path this machine has, against ggml's formats widened by
/// the plain reference (ModelFiles' GGMLType.dequantize) and multiplied in Double.
@Suite struct BlockMatrixTests {
    /// The test's arrays outlive every matrix made over them; nothing needs keeping alive.
    final class Owner {}

    static let quantized: [BlockMatrix.Format] = [.q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q6_K]

    /// Random blocks: quants anywhere in their range (Q8_0's −128 included), scales finite halves.
    func randomBlocks(_ format: BlockMatrix.Format, outputs: Int, inputs: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let rowBytes = cl_block_row_bytes(format.id, inputs)
        var bytes = (0..<(rowBytes * outputs)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        func putHalf(_ value: Float, at offset: Int) {
            let bits = Float16(value).bitPattern
            bytes[offset] = UInt8(bits & 0xFF)
            bytes[offset + 1] = UInt8(bits >> 8)
        }
        if format == .f16 {
            for i in 0..<(outputs * inputs) { putHalf(Float.random(in: -2...2), at: 2 * i) }
            return bytes
        }
        // Each format's half-precision fields: (offsets in the block, block bytes).
        let (halves, blockBytes): ([Int], Int) = switch format {
        case .q8_0: ([0], 34)
        case .q4_0: ([0], 18)
        case .q4_1: ([0, 2], 20)
        case .q5_0: ([0], 22)
        case .q5_1: ([0, 2], 24)
        case .q4_K: ([0, 2], 144)
        case .q6_K: ([208], 210)
        default: preconditionFailure("\(format) is not a quantized format")
        }
        #expect(format.blockBytes == blockBytes, "ggml_types.h's bytes for \(format)")
        for block in 0..<(bytes.count / blockBytes) {
            for offset in halves { putHalf(Float.random(in: 0.001...0.1) * (offset == 2 && blockBytes < 32 ? -1 : 1), at: block * blockBytes + offset) }
        }
        return bytes
    }

    /// Rows of x not a multiple of the kernels' tiles (up to 10 rows, split evenly: every tile size from 1 to 10 is its
    /// own unrolled case), one output and many; from 32 rows (a prompt), register tiles with edges in both directions.
    func shapes(_ format: BlockMatrix.Format) -> [(rows: Int, outputs: Int, inputs: Int)] {
        format.blockSize == 256 ? [(1, 1, 256), (1, 7, 512), (3, 33, 256), (5, 16, 768), (13, 5, 512), (30, 70, 256),
                                  (32, 9, 256), (41, 17, 512), (64, 8, 768)]
            : [(1, 1, 32), (1, 7, 96), (2, 3, 64), (3, 33, 64), (3, 5, 96), (4, 6, 64), (5, 16, 128), (6, 9, 160), (9, 40, 256),
               (13, 5, 96), (17, 4, 64), (30, 300, 64), (32, 3, 64), (33, 7, 96), (45, 50, 128), (70, 37, 64)]
    }

    struct Case {
        let bytes: [UInt8], weights: [Float], x: [Float], bias: [Float]
        let rows: Int, outputs: Int, inputs: Int

        /// x · Wᵀ + bias in Double, on the reference's widened weights.
        var exact: [Float] {
            (0..<(rows * outputs)).map { index in
                let r = index / outputs, j = index % outputs
                var sum = Double(bias[j])
                for i in 0..<inputs { sum += Double(x[r * inputs + i]) * Double(weights[j * inputs + i]) }
                return Float(sum)
            }
        }

        /// Σ |x · w| + |bias| per output: the size a float sum's rounding error scales with.
        var magnitudes: [Double] {
            (0..<(rows * outputs)).map { index in
                let r = index / outputs, j = index % outputs
                return (0..<inputs).reduce(Double(abs(bias[j]))) { $0 + Double(abs(x[r * inputs + $1] * weights[j * inputs + $1])) }
            }
        }

        func run(_ format: BlockMatrix.Format, path: Int32) -> [Float] {
            var out = [Float](repeating: .nan, count: rows * outputs)
            bytes.withUnsafeBytes { raw in
                let matrix = BlockMatrix(format: format, blocks: raw.baseAddress!, outputs: outputs, inputs: inputs, owner: Owner())
                x.withUnsafeBufferPointer { xs in
                    bias.withUnsafeBufferPointer { b in
                        out.withUnsafeMutableBufferPointer { matrix.multiply(xs.baseAddress!, rows: rows, bias: b.baseAddress!, into: $0.baseAddress!, path: path) }
                    }
                }
            }
            return out
        }
    }

    func makeCase(_ format: BlockMatrix.Format, rows: Int, outputs: Int, inputs: Int) -> Case {
        let type = GGMLType(rawValue: UInt32(format.rawValue))!
        let bytes = randomBlocks(format, outputs: outputs, inputs: inputs)
        var weights = [Float](repeating: 0, count: outputs * inputs)
        bytes.withUnsafeBytes { raw in
            weights.withUnsafeMutableBufferPointer { type.dequantize(raw.baseAddress!, count: outputs * inputs, into: $0.baseAddress!) }
        }
        return Case(bytes: bytes, weights: weights, x: (0..<(rows * inputs)).map { _ in Float.random(in: -1...1) },
                    bias: (0..<outputs).map { _ in Float.random(in: -1...1) }, rows: rows, outputs: outputs, inputs: inputs)
    }

    static var paths: [Int32] {
        [CL_PATH_PORTABLE, CL_PATH_AVX2, CL_PATH_VNNI].map(Int32.init).filter { cl_quantized_paths() & (1 << $0) != 0 }
    }

    @Test func f16GivesTheDequantizedProduct() {
        for (rows, outputs, inputs) in shapes(.f16) {
            let test = makeCase(.f16, rows: rows, outputs: outputs, inputs: inputs), exact = test.exact, magnitudes = test.magnitudes
            for path in [Int32(CL_PATH_PORTABLE), Int32(CL_PATH_AVX2)] {
                let out = test.run(.f16, path: path)
                let worst = (0..<out.count).map { Double(abs(out[$0] - exact[$0])) / magnitudes[$0] }.max()!
                #expect(worst <= 1e-6, "F16 path \(path) \(rows)×\(outputs)×\(inputs): \(worst) of Σ|w·x|")
            }
        }
    }

    /// The quantized formats multiply with 8-bit activations: the plain path is off the exact
    /// product by no more than rounding each activation to its block's step d = max|x| / 127 can
    /// explain (Σ |w| · d/2), and every vector path gives the plain path's result.
    @Test(arguments: quantized)
    func quantizedPathsStayWithinTheActivationRounding(_ format: BlockMatrix.Format) {
        let activationBlock = format.blockSize
        for (rows, outputs, inputs) in shapes(format) {
            let test = makeCase(format, rows: rows, outputs: outputs, inputs: inputs), exact = test.exact
            let plain = test.run(format, path: Int32(CL_PATH_PORTABLE))
            let magnitudes = test.magnitudes
            for index in 0..<(rows * outputs) {
                let r = index / outputs, j = index % outputs
                var bound: Double = 0
                for start in stride(from: 0, to: inputs, by: activationBlock) {
                    let xs = test.x[(r * inputs + start)..<(r * inputs + start + activationBlock)]
                    let step = Double(xs.map(abs).max()!) / 127
                    for i in start..<(start + activationBlock) { bound += Double(abs(test.weights[j * inputs + i])) * step / 2 }
                }
                let error = Double(abs(plain[index] - exact[index]))
                #expect(error <= bound + 1e-5 * magnitudes[index], "\(format) \(rows)×\(outputs)×\(inputs) [\(r)][\(j)]: \(error) > \(bound)")
            }
            for path in Self.paths.dropFirst() {
                let out = test.run(format, path: path)
                let worst = (0..<out.count).map { Double(abs(out[$0] - plain[$0])) / magnitudes[$0] }.max()!
                #expect(worst <= 1e-5, "\(format) path \(path) \(rows)×\(outputs)×\(inputs): \(worst) of Σ|w·x| from the plain path")
            }
        }
    }

    @Test(arguments: [BlockMatrix.Format.f16] + quantized)
    func copyRowWidensLikeTheReference(_ format: BlockMatrix.Format) {
        let test = makeCase(format, rows: 1, outputs: 3, inputs: 2 * cl_block_size(format.id))
        test.bytes.withUnsafeBytes { raw in
            let matrix = BlockMatrix(format: format, blocks: raw.baseAddress!, outputs: 3, inputs: test.inputs, owner: Owner())
            var row = [Float](repeating: 0, count: test.inputs)
            matrix.copyRow(2, into: &row)
            #expect(row == Array(test.weights[(2 * test.inputs)...]))
        }
    }
}
