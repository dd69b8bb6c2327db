import Foundation

/// Plain, obviously-correct versions of the kernels (Double arithmetic), for the tests.
public enum Reference {
    public static func layerNorm(_ x: [Float], width: Int, gamma: [Float], beta: [Float], epsilon: Float) -> [Float] {
        stride(from: 0, to: x.count, by: width).flatMap { start -> [Float] in
            let row = x[start..<(start + width)].map(Double.init)
            let mean = row.reduce(0, +) / Double(width)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
            return row.enumerated().map { i, v in Float((v - mean) / (variance + Double(epsilon)).squareRoot() * Double(gamma[i]) + Double(beta[i])) }
        }
    }

    public static func rmsNorm(_ x: [Float], width: Int, gamma: [Float], epsilon: Float) -> [Float] {
        stride(from: 0, to: x.count, by: width).flatMap { start -> [Float] in
            let row = x[start..<(start + width)].map(Double.init)
            let rms = (row.map { $0 * $0 }.reduce(0, +) / Double(width) + Double(epsilon)).squareRoot()
            return row.enumerated().map { i, v in Float(v / rms * Double(gamma[i])) }
        }
    }

    public static func geluTanh(_ x: [Float]) -> [Float] {
        x.map { v in
            let d = Double(v)
            return Float(0.5 * d * (1 + tanh((2 / Double.pi).squareRoot() * (d + 0.044715 * d * d * d))))
        }
    }

    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }

    public static func softmax(_ x: [Float]) -> [Float] {
        let m = x.map(Double.init).max()!
        let e = x.map { exp(Double($0) - m) }
        let s = e.reduce(0, +)
        return e.map { Float($0 / s) }
    }
}
