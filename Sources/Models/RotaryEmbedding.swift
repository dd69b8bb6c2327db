import Foundation

/// Rotary position embedding (Su et al. 2021) in the rotate-half form of HF's Llama code, with the
/// frequency rescalings of transformers' modeling_rope_utils.py (linear; llama3). With partial
/// rotary (Phi), only each head's first r dimensions turn; the rest pass through.
struct RotaryEmbedding {
    let headDimension: Int
    /// r: the dimensions of each head that turn.
    let rotaryDimensions: Int
    /// 1 / theta^(2i/r) for i < r/2, rescaled.
    let inverseFrequencies: [Float]

    init(config: ModelConfig) {
        let d = config.headDimension, r = config.rotaryDimensions
        headDimension = d
        rotaryDimensions = r
        let base = (0..<(r / 2)).map { 1 / powf(config.ropeTheta, Float(2 * $0) / Float(r)) }
        switch config.ropeScaling {
        case .none:
            inverseFrequencies = base
        case .linear(let factor):
            inverseFrequencies = base.map { $0 / factor }
        case .frequencyFactors(let factors):
            inverseFrequencies = zip(base, factors).map { $0 / $1 }
        case .llama3(let factor, let low, let high, let originalContext):
            // Long wavelengths are slowed by the factor, short ones kept, the band between blended.
            let lowWavelength = originalContext / low, highWavelength = originalContext / high
            inverseFrequencies = base.map { frequency in
                let wavelength = 2 * Float.pi / frequency
                if wavelength < highWavelength { return frequency }
                if wavelength > lowWavelength { return frequency / factor }
                let smooth = (originalContext / wavelength - low) / (high - low)
                return (1 - smooth) * frequency / factor + smooth * frequency
            }
        }
    }

    /// Rotates (rows × heads·d) in place, row r at positions[r]:
    /// (x1, x2) → (x1·cos − x2·sin, x2·cos + x1·sin) with x1, x2 the halves of each head's rotary part.
    func rotate(_ x: inout [Float], heads: Int, positions: [Int]) {
        x.withUnsafeMutableBufferPointer { rotate($0.baseAddress!, rows: positions.count, heads: heads) { positions[$0] } }
    }

    /// Keys already rotated for their positions, moved `delta` positions on: a rotation composes
    /// by adding angles, so rotating by delta gives the keys of position + delta (a prompt cache's
    /// reused chunk; llama.cpp's K-shift). keys: (rows × d), one head.
    func shift(_ keys: UnsafeMutablePointer<Float>, rows: Int, by delta: Int) {
        rotate(keys, rows: rows, heads: 1) { _ in delta }
    }

    private func rotate(_ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, position: (Int) -> Int) {
        let d = headDimension, half = rotaryDimensions / 2
        for row in 0..<rows {
            let angleScale = Float(position(row))
            for i in 0..<half {
                let angle = angleScale * inverseFrequencies[i]
                let cosine = cosf(angle), sine = sinf(angle)
                for h in 0..<heads {
                    let base = row * heads * d + h * d
                    let a = x[base + i], b = x[base + half + i]
                    x[base + i] = a * cosine - b * sine
                    x[base + half + i] = b * cosine + a * sine
                }
            }
        }
    }
}
