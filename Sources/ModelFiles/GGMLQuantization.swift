/// Float32 weights into ggml's block formats (the layouts of ggml/src/ggml-quants.c, which
/// GGMLDequantization reads back): F16, Q8_0 and Q4_0 as ggml rounds them, and Q4_K and Q6_K
/// with each sub-block's scale (and Q4_K's min) taken from its range — simpler than ggml's
/// iterative search for the best scale, so slightly less accurate, but the same format.
extension GGMLType {
    /// Whether `quantize` writes this type.
    public var canQuantize: Bool { [.f32, .f16, .q8_0, .q4_0, .q4_K, .q6_K].contains(self) }

    /// `values` (a whole number of blocks) in this format.
    public func quantize(_ values: [Float]) -> [UInt8] {
        precondition(values.count % blockSize == 0 && canQuantize)
        var out: [UInt8] = []
        out.reserveCapacity(values.count / blockSize * blockBytes)
        func half(_ value: Float) {
            let bits = Float16(value).bitPattern
            out += [UInt8(bits & 0xFF), UInt8(bits >> 8)]
        }
        switch self {
        case .f32:
            for value in values {
                let bits = value.bitPattern
                out += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
            }
        case .f16:
            values.forEach(half)
        case .q8_0:
            for block in stride(from: 0, to: values.count, by: 32) {
                let x = values[block..<(block + 32)]
                let d = (x.map(abs).max() ?? 0) / 127
                let inverse: Float = d == 0 ? 0 : 1 / d
                half(d)
                for v in x { out.append(UInt8(bitPattern: Int8((v * inverse).rounded()))) }
            }
        case .q4_0:
            for block in stride(from: 0, to: values.count, by: 32) {
                let x = Array(values[block..<(block + 32)])
                // ggml keeps the sign of the largest magnitude: it maps to −8, the end with one more level.
                let extreme = x.max { abs($0) < abs($1) } ?? 0
                let d = extreme / -8
                let inverse: Float = d == 0 ? 0 : 1 / d
                half(d)
                func level(_ v: Float) -> UInt8 { UInt8(min(15, max(0, Int((v * inverse + 8.5).rounded(.down))))) }
                for j in 0..<16 { out.append(level(x[j]) | level(x[j + 16]) << 4) }
            }
        case .q4_K:
            for block in stride(from: 0, to: values.count, by: 256) {
                out += Self.quantizeQ4K(Array(values[block..<(block + 256)]))
            }
        case .q6_K:
            for block in stride(from: 0, to: values.count, by: 256) {
                out += Self.quantizeQ6K(Array(values[block..<(block + 256)]))
            }
        default:
            preconditionFailure("no quantizer for \(self)")
        }
        return out
    }

    /// One Q4_K super-block: 8 sub-blocks of 32, w ≈ d·sc·q − dmin·m with 6-bit sc and m.
    static func quantizeQ4K(_ x: [Float]) -> [UInt8] {
        var scales = [Float](repeating: 0, count: 8), mins = [Float](repeating: 0, count: 8)
        for j in 0..<8 {
            let sub = x[(j * 32)..<(j * 32 + 32)]
            let low = min(0, sub.min()!), high = sub.max()!
            scales[j] = (high - low) / 15
            mins[j] = -low
        }
        let d = (scales.max()! / 63), dmin = (mins.max()! / 63)
        let sc = scales.map { d == 0 ? UInt8(0) : UInt8(min(63, ($0 / d).rounded())) }
        let mn = mins.map { dmin == 0 ? UInt8(0) : UInt8(min(63, ($0 / dmin).rounded())) }
        // Levels against the scales as stored (rounded to F16 and 6 bits), so that rounding is not compounded.
        let dStored = Float(Float16(d)), dminStored = Float(Float16(dmin))
        var q = [UInt8](repeating: 0, count: 256)
        for j in 0..<8 {
            let step = dStored * Float(sc[j]), offset = dminStored * Float(mn[j])
            for i in 0..<32 where step > 0 {
                q[j * 32 + i] = UInt8(min(15, max(0, ((x[j * 32 + i] + offset) / step).rounded())))
            }
        }
        var packed = [UInt8](repeating: 0, count: 12)
        for j in 0..<8 {  // the inverse of get_scale_min_k4
            if j < 4 {
                packed[j] |= sc[j]
                packed[j + 4] |= mn[j]
            } else {
                packed[j + 4] = (sc[j] & 0xF) | ((mn[j] & 0xF) << 4)
                packed[j - 4] |= (sc[j] >> 4) << 6
                packed[j] |= (mn[j] >> 4) << 6
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(144)
        for value in [d, dmin] {
            let bits = Float16(value).bitPattern
            out += [UInt8(bits & 0xFF), UInt8(bits >> 8)]
        }
        out += packed
        for group in 0..<4 {
            for l in 0..<32 { out.append(q[group * 64 + l] | q[group * 64 + 32 + l] << 4) }
        }
        return out
    }

    /// One Q6_K super-block: 16 sub-blocks of 16, w ≈ d·sc·(q − 32) with int8 sc and 6-bit q.
    static func quantizeQ6K(_ x: [Float]) -> [UInt8] {
        let scales = (0..<16).map { j in x[(j * 16)..<(j * 16 + 16)].map(abs).max()! / 31 }
        let d = scales.max()! / 127
        let sc = scales.map { d == 0 ? Int8(0) : Int8(min(127, ($0 / d).rounded())) }
        let dStored = Float(Float16(d))
        var q = [Int](repeating: 32, count: 256)
        for j in 0..<16 {
            let step = dStored * Float(sc[j])
            for i in 0..<16 where step > 0 {
                q[j * 16 + i] = min(31, max(-32, Int((x[j * 16 + i] / step).rounded()))) + 32
            }
        }
        var ql = [UInt8](repeating: 0, count: 128), qh = [UInt8](repeating: 0, count: 64)
        for half in 0..<2 {
            let y = half * 128
            for l in 0..<32 {
                let (q1, q2, q3, q4) = (q[y + l], q[y + l + 32], q[y + l + 64], q[y + l + 96])
                ql[half * 64 + l] = UInt8(q1 & 0xF) | UInt8(q3 & 0xF) << 4
                ql[half * 64 + l + 32] = UInt8(q2 & 0xF) | UInt8(q4 & 0xF) << 4
                qh[half * 32 + l] = UInt8(q1 >> 4) | UInt8(q2 >> 4) << 2 | UInt8(q3 >> 4) << 4 | UInt8(q4 >> 4) << 6
            }
        }
        let bits = Float16(d).bitPattern
        return ql + qh + sc.map { UInt8(bitPattern: $0) } + [UInt8(bits & 0xFF), UInt8(bits >> 8)]
    }
}
