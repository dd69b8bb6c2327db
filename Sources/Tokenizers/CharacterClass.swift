/// The classes the pre-tokenizer patterns distinguish: \p{L}, \p{N}, \s (Unicode White_Space)
/// and everything else.
enum CharacterClass: UInt8 {
    case letter, number, whitespace, other

    static let ascii: [CharacterClass] = (0..<128).map { classify(Unicode.Scalar(UInt8($0))) }

    @inline(__always)
    static func of(_ value: UInt32) -> CharacterClass {
        if value < 128 { return ascii[Int(value)] }
        guard let scalar = Unicode.Scalar(value) else { return .other }  // a lone byte (see Scalars)
        return classify(scalar)
    }

    static func classify(_ scalar: Unicode.Scalar) -> CharacterClass {
        let properties = scalar.properties
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }
}

/// Text as code points with their UTF-8 byte offsets, which is what the patterns walk over.
/// Bytes that are not valid UTF-8 become one "code point" each (value 0xDC00 + byte, a lone
/// surrogate, as Python's surrogateescape does), so raw bytes can still be tokenized.
struct Scalars {
    var values: [UInt32] = []
    var classes: [CharacterClass] = []
    /// offsets[i] is where code point i starts; offsets[count] == bytes.count.
    var offsets: [Int] = []

    init(_ bytes: [UInt8]) {
        values.reserveCapacity(bytes.count)
        classes.reserveCapacity(bytes.count)
        offsets.reserveCapacity(bytes.count + 1)
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            offsets.append(i)
            if b0 < 0x80 {
                values.append(UInt32(b0))
                classes.append(CharacterClass.ascii[Int(b0)])
                i += 1
                continue
            }
            var value: UInt32 = 0
            var length = 0
            if b0 & 0xE0 == 0xC0, b0 >= 0xC2 { length = 2; value = UInt32(b0 & 0x1F) }
            else if b0 & 0xF0 == 0xE0 { length = 3; value = UInt32(b0 & 0x0F) }
            else if b0 & 0xF8 == 0xF0, b0 <= 0xF4 { length = 4; value = UInt32(b0 & 0x07) }
            var valid = length > 0 && i + length <= n
            if valid {
                for k in 1..<length {
                    let b = bytes[i + k]
                    if b & 0xC0 != 0x80 { valid = false; break }
                    value = value << 6 | UInt32(b & 0x3F)
                }
            }
            if valid {
                // Reject overlong forms, surrogates and values past U+10FFFF.
                let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
                if value < minimum || (0xD800...0xDFFF).contains(value) || value > 0x10FFFF { valid = false }
            }
            if valid {
                values.append(value)
                classes.append(CharacterClass.of(value))
                i += length
            } else {
                values.append(0xDC00 + UInt32(b0))
                classes.append(.other)
                i += 1
            }
        }
        offsets.append(n)
    }

    var count: Int { values.count }
}

/// Where UTF-8 decoding of `bytes` first fails, or nil if it is valid UTF-8.
public func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
    let scalars = Scalars(bytes)
    // Scalars stands for each undecodable byte with a lone surrogate, which valid text never holds.
    return scalars.values.firstIndex { (0xDC00...0xDFFF).contains($0) }.map { scalars.offsets[$0] }
}
