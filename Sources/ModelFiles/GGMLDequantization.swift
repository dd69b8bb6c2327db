/// ggml's block formats widened to Float32 — the plain reference (ggml/src/ggml-quants.c,
/// dequantize_row_*), against which faster kernels are tested.
extension GGMLType {
    /// `count` weights (whole blocks) from `data` into `out`.
    public func dequantize(_ data: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        func half(_ offset: Int) -> Float { Float(Float16(bitPattern: data.loadUnaligned(fromByteOffset: offset, as: UInt16.self))) }
        func byte(_ offset: Int) -> UInt8 { data.load(fromByteOffset: offset, as: UInt8.self) }
        switch self {
        case .f32:
            for i in 0..<count { out[i] = Float(bitPattern: data.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
        case .f16:
            for i in 0..<count { out[i] = half(2 * i) }
        case .bf16:
            for i in 0..<count { out[i] = Float(bitPattern: UInt32(data.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
        case .q8_0:
            for block in 0..<(count / 32) {
                let base = block * blockBytes, d = half(base)
                for j in 0..<32 { out[block * 32 + j] = d * Float(Int8(bitPattern: byte(base + 2 + j))) }
            }
        case .q4_0:
            for block in 0..<(count / 32) {
                let base = block * blockBytes, d = half(base), y = out + block * 32
                for j in 0..<16 {
                    let q = byte(base + 2 + j)
                    y[j] = d * Float(Int(q & 0xF) - 8)
                    y[j + 16] = d * Float(Int(q >> 4) - 8)
                }
            }
        case .q4_1, .q5_0, .q5_1:
            // llama.cpp's quantizer falls back to these where a row is not whole 256-weight blocks
            // (Qwen2.5-0.5B's 896-wide rows in a Q4_K_M file): w = d·q + m, or d·(q − 16) for Q5_0.
            let hasMin = self != .q5_0, fifthBits = self != .q4_1
            for block in 0..<(count / 32) {
                let base = block * blockBytes, d = half(base), m = hasMin ? half(base + 2) : 0
                let high = fifthBits ? data.loadUnaligned(fromByteOffset: base + (hasMin ? 4 : 2), as: UInt32.self) : 0
                let qs = base + (hasMin ? 4 : 2) + (fifthBits ? 4 : 0)
                let y = out + block * 32
                for j in 0..<16 {
                    let q = byte(qs + j)
                    var low = Int(q & 0xF), upper = Int(q >> 4)
                    if fifthBits {
                        low |= Int((high >> UInt32(j)) & 1) << 4
                        upper |= Int((high >> UInt32(j + 16)) & 1) << 4
                    }
                    if self == .q5_0 {
                        y[j] = d * Float(low - 16)
                        y[j + 16] = d * Float(upper - 16)
                    } else {
                        y[j] = d * Float(low) + m
                        y[j + 16] = d * Float(upper) + m
                    }
                }
            }
        case .q4_K:
            for block in 0..<(count / 256) {
                let base = block * blockBytes, d = half(base), dmin = half(base + 2)
                let scales = base + 4, qs = base + 16
                var y = out + block * 256
                for group in 0..<4 {  // 64 weights: two sub-blocks sharing 32 bytes of nibbles
                    let (scale1, min1) = Self.scaleAndMin(group * 2, scales: { byte(scales + $0) })
                    let (scale2, min2) = Self.scaleAndMin(group * 2 + 1, scales: { byte(scales + $0) })
                    let d1 = d * Float(scale1), m1 = dmin * Float(min1), d2 = d * Float(scale2), m2 = dmin * Float(min2)
                    for l in 0..<32 {
                        let q = byte(qs + group * 32 + l)
                        y[l] = d1 * Float(q & 0xF) - m1
                        y[l + 32] = d2 * Float(q >> 4) - m2
                    }
                    y += 64
                }
            }
        case .q6_K:
            for block in 0..<(count / 256) {
                let base = block * blockBytes, d = half(base + 208)
                for half128 in 0..<2 {
                    let ql = base + half128 * 64, qh = base + 128 + half128 * 32, sc = base + 192 + half128 * 8
                    let y = out + block * 256 + half128 * 128
                    for l in 0..<32 {
                        let s = l / 16
                        let high = Int(byte(qh + l))
                        let q1 = Int(byte(ql + l) & 0xF) | ((high >> 0) & 3) << 4
                        let q2 = Int(byte(ql + l + 32) & 0xF) | ((high >> 2) & 3) << 4
                        let q3 = Int(byte(ql + l) >> 4) | ((high >> 4) & 3) << 4
                        let q4 = Int(byte(ql + l + 32) >> 4) | ((high >> 6) & 3) << 4
                        func scale(_ k: Int) -> Float { Float(Int8(bitPattern: byte(sc + k))) }
                        y[l] = d * scale(s) * Float(q1 - 32)
                        y[l + 32] = d * scale(s + 2) * Float(q2 - 32)
                        y[l + 64] = d * scale(s + 4) * Float(q3 - 32)
                        y[l + 96] = d * scale(s + 6) * Float(q4 - 32)
                    }
                }
            }
        default:
            preconditionFailure("no dequantizer for \(self): every type of ggml_types.h needs one")
        }
    }

    /// Q4_K's 6-bit scale and min of sub-block j, packed in 12 bytes (get_scale_min_k4).
    static func scaleAndMin(_ j: Int, scales q: (Int) -> UInt8) -> (UInt8, UInt8) {
        if j < 4 { return (q(j) & 63, q(j + 4) & 63) }
        return ((q(j + 4) & 0xF) | ((q(j - 4) >> 6) << 4), (q(j + 4) >> 4) | ((q(j) >> 6) << 4))
    }
}
