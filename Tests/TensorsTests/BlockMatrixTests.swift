import CKernels
import Foundation
import ModelFiles
import Testing
@testable import Tensors

/// The in-place block kernels (AVX2 and portable) against ggml's formats widened by the plain
/// reference (ModelFiles' GGMLType.dequantize) and multiplied in Double.
@Suite struct BlockMatrixTests {
    /// The test's arrays outlive every matrix made over them; nothing needs keeping alive.
    final class Owner {}

    /// Random blocks: quants anywhere in their range, scales finite halves.
    func randomBlocks(_ format: BlockMatrix.Format, outputs: Int, inputs: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let rowBytes = cl_block_row_bytes(format.rawValue, inputs)
        var bytes = (0..<(rowBytes * outputs)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        func putHalf(_ value: Float, at offset: Int) {
            let bits = Float16(value).bitPattern
            bytes[offset] = UInt8(bits & 0xFF)
            bytes[offset + 1] = UInt8(bits >> 8)
        }
        switch format {
        case .f16:
            for i in 0..<(outputs * inputs) { putHalf(Float.random(in: -2...2), at: 2 * i) }
        case .q8_0, .q4_0:
            let blockBytes = format == .q8_0 ? 34 : 18
            for block in 0..<(bytes.count / blockBytes) { putHalf(Float.random(in: 0.001...0.1), at: block * blockBytes) }
        case .q4_K:
            for block in 0..<(bytes.count / 144) {
                putHalf(Float.random(in: 0.001...0.1), at: block * 144)
                putHalf(Float.random(in: 0.001...0.1), at: block * 144 + 2)
            }
        case .q6_K:
            for block in 0..<(bytes.count / 210) { putHalf(Float.random(in: 0.001...0.1), at: block * 210 + 208) }
        }
        return bytes
    }

    @Test(arguments: [BlockMatrix.Format.f16, .q8_0, .q4_0, .q4_K, .q6_K])
    func kernelsMatchTheReference(_ format: BlockMatrix.Format) throws {
        let type = GGMLType(rawValue: UInt32(format.rawValue))!
        let shapes = format.blockSize == 256 ? [(1, 1, 256), (1, 7, 512), (3, 33, 256), (5, 16, 768), (30, 70, 256)]
            : [(1, 1, 32), (1, 7, 96), (3, 33, 64), (5, 16, 128), (9, 40, 256), (30, 300, 64)]
        for (rows, outputs, inputs) in shapes {
            let bytes = randomBlocks(format, outputs: outputs, inputs: inputs)
            var weights = [Float](repeating: 0, count: outputs * inputs)
            bytes.withUnsafeBytes { raw in
                weights.withUnsafeMutableBufferPointer { type.dequantize(raw.baseAddress!, count: outputs * inputs, into: $0.baseAddress!) }
            }
            let x = (0..<(rows * inputs)).map { _ in Float.random(in: -1...1) }
            let bias = (0..<outputs).map { _ in Float.random(in: -1...1) }
            var expected = [Float](repeating: 0, count: rows * outputs)
            for r in 0..<rows {
                for j in 0..<outputs {
                    var sum = Double(bias[j])
                    for i in 0..<inputs { sum += Double(x[r * inputs + i]) * Double(weights[j * inputs + i]) }
                    expected[r * outputs + j] = Float(sum)
                }
            }
            bytes.withUnsafeBytes { raw in
                let matrix = BlockMatrix(format: format, blocks: raw.baseAddress!, outputs: outputs, inputs: inputs, owner: Owner())
                for (name, kernel) in [("best", cl_block_matmul), ("portable", cl_block_matmul_portable)] as [(String, BlockMatrix.Kernel)] {
                    var out = [Float](repeating: .nan, count: rows * outputs)
                    x.withUnsafeBufferPointer { xs in
                        bias.withUnsafeBufferPointer { b in
                            out.withUnsafeMutableBufferPointer { matrix.multiply(xs.baseAddress!, rows: rows, bias: b.baseAddress!, into: $0.baseAddress!, kernel: kernel) }
                        }
                    }
                    let scale = expected.map(abs).max()!
                    let worst = zip(out, expected).map { abs($0 - $1) }.max()!
                    #expect(worst <= 1e-5 * scale, "\(format) \(name) \(rows)×\(outputs)×\(inputs): \(worst)")
                }
                var row = [Float](repeating: 0, count: inputs)
                matrix.copyRow(outputs - 1, into: &row)
                #expect(row == Array(weights[((outputs - 1) * inputs)...]))
            }
        }
    }
}
