/// SplitMix64 (Steele, Lea and Flood 2014): small, fast, and the same on every platform, so a
/// seed names the same samples everywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The generator of sample `index` under `seed`.
    public init(seed: UInt64, stream index: Int) {
        var mixer = SplitMix64(seed: seed ^ (0x9E37_79B9_7F4A_7C15 &* UInt64(index + 1)))
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 bits, like a Float's mantissa.
    public mutating func nextUnit() -> Float {
        Float(next() >> 40) / Float(1 << 24)
    }
}
