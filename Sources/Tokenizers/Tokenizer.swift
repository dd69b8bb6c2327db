import Foundation

/// A byte-level BPE tokenizer: pre-tokenizer, byte-pair merges, special (added) tokens.
public final class Tokenizer: Sendable {
    public let name: String
    public let preTokenizer: PreTokenizer
    let encoder: BytePairEncoder
    /// The bytes of each token id (empty for ids the vocabulary does not use).
    let tokenBytes: [[UInt8]]
    /// Added and special tokens by their text.
    public let specialTokens: [String: Int]
    /// HF tokenizers always split added tokens out of the text; tiktoken only when allowed.
    let specialTokensByDefault: Bool
    /// Qwen2's tokenizer.json normalises to NFC before anything else.
    let normalizesToNFC: Bool
    /// HF `ignore_merges`: a piece that is itself in the vocabulary is one token.
    let ignoreMerges: Bool

    init(name: String, preTokenizer: PreTokenizer, encoder: BytePairEncoder, tokenBytes: [[UInt8]],
         specialTokens: [String: Int], specialTokensByDefault: Bool, normalizesToNFC: Bool = false,
         ignoreMerges: Bool = false) {
        self.name = name
        self.preTokenizer = preTokenizer
        self.encoder = encoder
        self.tokenBytes = tokenBytes
        self.specialTokens = specialTokens
        self.specialTokensByDefault = specialTokensByDefault
        self.normalizesToNFC = normalizesToNFC
        self.ignoreMerges = ignoreMerges
        self.specialsByLength = specialTokens.sorted { $0.key.utf8.count > $1.key.utf8.count }
            .map { (Array($0.key.utf8), $0.value) }
    }

    private let specialsByLength: [([UInt8], Int)]

    /// One more than the largest id.
    public var vocabularySize: Int { tokenBytes.count }

    /// The ids of `text`. Special tokens are recognised when `allowSpecial` says so (default:
    /// as the format's own library does: HF tokenizer.json yes, tiktoken-style encodings no).
    public func encode(_ text: String, allowSpecial: Bool? = nil) -> [Int] {
        let normalized = normalizesToNFC ? text.precomposedStringWithCanonicalMapping : text
        let bytes = Array(normalized.utf8)
        guard allowSpecial ?? specialTokensByDefault, !specialsByLength.isEmpty else { return encode(bytes: bytes) }
        var out: [Int] = []
        var segmentStart = 0
        var i = 0
        while i < bytes.count {
            if let (length, id) = special(at: i, in: bytes) {
                out += encode(bytes: Array(bytes[segmentStart..<i]))
                out.append(id)
                i += length
                segmentStart = i
            } else {
                i += 1
            }
        }
        out += encode(bytes: Array(bytes[segmentStart..<bytes.count]))
        return out
    }

    private func special(at i: Int, in bytes: [UInt8]) -> (Int, Int)? {
        for (token, id) in specialsByLength where token.first == bytes[i] && i + token.count <= bytes.count {
            if bytes[i..<(i + token.count)].elementsEqual(token) { return (token.count, id) }
        }
        return nil
    }

    /// The ids of raw bytes, which need not be valid UTF-8: an invalid byte is a piece of its own
    /// class, as a code point outside every letter, number and space class would be.
    public func encode(bytes: [UInt8]) -> [Int] {
        let scalars = Scalars(bytes)
        let ends = preTokenizer.split(scalars)
        var out: [Int] = []
        out.reserveCapacity(bytes.count / 3)
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            for end in ends {
                let from = scalars.offsets[start], to = scalars.offsets[end]
                if ignoreMerges, let whole = encoder.table.id(buffer, from, to) {
                    out.append(whole)
                } else {
                    encoder.encode(buffer, from, to, into: &out)
                }
                start = end
            }
        }
        return out
    }

    /// The bytes the ids stand for.
    public func decodeBytes(_ ids: [Int]) throws -> [UInt8] {
        var out: [UInt8] = []
        for id in ids {
            guard id >= 0, id < tokenBytes.count, !tokenBytes[id].isEmpty else {
                throw TokenizerError("unknown token id \(id) (\(name) has ids 0..<\(tokenBytes.count))")
            }
            out += tokenBytes[id]
        }
        return out
    }

    /// The text the ids stand for; bytes that are not valid UTF-8 become U+FFFD, as tiktoken's
    /// and HF's decoders do.
    public func decode(_ ids: [Int]) throws -> String {
        String(decoding: try decodeBytes(ids), as: UTF8.self)
    }

    /// The text of one token (for display), or nil for an unknown id.
    public func tokenText(_ id: Int) -> String? {
        guard id >= 0, id < tokenBytes.count, !tokenBytes[id].isEmpty else { return nil }
        return String(decoding: tokenBytes[id], as: UTF8.self)
    }
}

/// Decodes a stream of ids into text as it comes, holding back the bytes of a character that
/// is not complete yet, so that a character split across tokens is printed whole.
public struct StreamingDecoder {
    let tokenizer: Tokenizer
    private var pending: [UInt8] = []

    public init(tokenizer: Tokenizer) { self.tokenizer = tokenizer }

    /// The text that became complete with this id.
    public mutating func append(_ id: Int) throws -> String {
        append(bytes: try tokenizer.decodeBytes([id]))
    }

    /// The text that became complete with these bytes (a token's, already decoded).
    public mutating func append(bytes: [UInt8]) -> String {
        pending += bytes
        let complete = Self.completePrefixLength(pending)
        let text = String(decoding: pending[0..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Whatever is held back, with an incomplete character as U+FFFD.
    public mutating func finish() -> String {
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of the prefix that ends on a character boundary: a trailing lead byte and its
    /// continuation bytes are held back only while they could still become a valid character.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        var i = bytes.count - 1
        var continuation = 0
        while i >= 0 && bytes[i] & 0xC0 == 0x80 && continuation < 3 {
            continuation += 1
            i -= 1
        }
        guard i >= 0 else { return bytes.count }
        let lead = bytes[i]
        let needed = lead >= 0xF0 && lead <= 0xF4 ? 3 : lead >= 0xE0 && lead < 0xF0 ? 2 : lead >= 0xC2 && lead < 0xE0 ? 1 : 0
        return needed > continuation ? i : bytes.count
    }
}
