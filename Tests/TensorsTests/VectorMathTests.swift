import Foundation
import Testing
@testable import Tensors

@Suite struct VectorMathTests {
    /// Points across the range, eight at a time.
    func sweep(from low: Double, to high: Double, count: Int) -> [SIMD8<Float>] {
        (0..<count).map { i in SIMD8<Float>((0..<8).map { j in Float(low + (high - low) * Double(i * 8 + j) / Double(count * 8 - 1)) }) }
    }

    @Test func expIsWithinTwoUlpOfDoubleExp() {
        var worst = 0.0
        for x in sweep(from: -87, to: 88, count: 20000) {
            let y = vectorExp(x)
            for lane in 0..<8 {
                let exact = exp(Double(x[lane]))
                worst = max(worst, abs(Double(y[lane]) - exact) / exact)
            }
        }
        #expect(worst < 2.5e-7, "relative error \(worst)")
    }

    @Test func tanhIsWithinFloatPrecisionAndSaturates() {
        var worst = 0.0
        for x in sweep(from: -12, to: 12, count: 20000) {
            let y = vectorTanh(x)
            for lane in 0..<8 { worst = max(worst, abs(Double(y[lane]) - tanh(Double(x[lane])))) }
        }
        #expect(worst < 2.5e-7, "absolute error \(worst)")
        #expect(vectorTanh(SIMD8(repeating: 100)) == SIMD8(repeating: 1))
        #expect(vectorTanh(SIMD8(repeating: -100)) == SIMD8(repeating: -1))
    }
}
