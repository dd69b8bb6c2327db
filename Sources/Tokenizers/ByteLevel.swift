/// GPT-2's reversible map from bytes to printable characters (openai/gpt-2 encoder.py,
/// bytes_to_unicode), in which vocab files and tokenizer.json spell byte-level tokens.
public enum ByteLevel {
    /// unicode scalar for each byte value.
    public static let byteToScalar: [Unicode.Scalar] = {
        var printable = Array(UInt32(0x21)...0x7E) + Array(UInt32(0xA1)...0xAC) + Array(UInt32(0xAE)...0xFF)
        var map = [UInt32](repeating: 0, count: 256)
        for b in printable { map[Int(b)] = b }
        var next: UInt32 = 256
        for b in 0..<256 where !printable.contains(UInt32(b)) {
            map[b] = next
            printable.append(next)
            next += 1
        }
        return map.map { Unicode.Scalar($0)! }
    }()

    static let scalarToByte: [UInt32: UInt8] = {
        var inverse: [UInt32: UInt8] = [:]
        for (byte, scalar) in byteToScalar.enumerated() { inverse[scalar.value] = UInt8(byte) }
        return inverse
    }()

    /// The bytes a byte-level token string stands for, or nil if it holds other characters.
    public static func bytes(of token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            guard let byte = scalarToByte[scalar.value] else { return nil }
            out.append(byte)
        }
        return out
    }

    public static func string(of bytes: [UInt8]) -> String {
        var out = String.UnicodeScalarView()
        for byte in bytes { out.append(byteToScalar[Int(byte)]) }
        return String(out)
    }
}
