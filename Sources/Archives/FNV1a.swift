/// FNV-1a, 64-bit (Fowler, Noll, Vo): a fast, stable hash of bytes, for checksums of token
/// shards and for telling one sample line from another — never for security.
@inlinable
public func fnv1a64<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
    return hash
}
