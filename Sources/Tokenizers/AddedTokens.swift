/// Tokens added beside the model's vocabulary (tokenizer.json's `added_tokens`), found in the text
/// before anything else runs, as HF tokenizers' AddedVocabulary does
/// (tokenizers/src/tokenizer/added_vocabulary.rs): leftmost-longest matches; `single_word` keeps a
/// match only between non-word characters; `lstrip`/`rstrip` take the whitespace beside it.
public struct AddedToken: Sendable, Equatable {
    public let id: Int
    public let content: String
    public let special: Bool
    /// Matched in the normalized text rather than the raw text.
    public let normalized: Bool
    public let lstrip: Bool
    public let rstrip: Bool
    public let singleWord: Bool

    public init(id: Int, content: String, special: Bool, normalized: Bool = false, lstrip: Bool = false,
                rstrip: Bool = false, singleWord: Bool = false) {
        self.id = id
        self.content = content
        self.special = special
        self.normalized = normalized
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.singleWord = singleWord
    }
}

struct AddedTokenMatcher: Sendable {
    /// Longest first, so that the first that matches at a position is the longest there.
    private let tokens: [(bytes: [UInt8], token: AddedToken)]
    /// Whether some token starts with the byte: most positions start none, and are passed at once.
    private let startsToken: [Bool]

    init(_ tokens: [AddedToken], spelling: (String) -> String = { $0 }) {
        self.tokens = tokens.filter { !$0.content.isEmpty }
            .map { (Array(spelling($0.content).utf8), $0) }
            .sorted { $0.0.count > $1.0.count }
        var starts = [Bool](repeating: false, count: 256)
        for entry in self.tokens { starts[Int(entry.bytes[0])] = true }
        startsToken = starts
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// The text cut into pieces that cover it: plain text (id nil) and added tokens (with the
    /// whitespace they strip). `skipSpecial` leaves special tokens as plain text.
    func split(_ bytes: [UInt8], skipSpecial: Bool = false) -> [(range: Range<Int>, id: Int?)] {
        guard !tokens.isEmpty, !bytes.isEmpty else { return [(0..<bytes.count, nil)] }
        var pieces: [(range: Range<Int>, id: Int?)] = []
        var consumed = 0
        var i = 0
        while i < bytes.count {
            guard let match = longest(at: i, in: bytes) else {
                i += 1
                continue
            }
            var start = i, stop = i + match.bytes.count
            i = stop  // matches never overlap, whether kept or not
            let token = match.token
            if skipSpecial && token.special { continue }
            if token.singleWord && (isWordCharacter(before: start, in: bytes) || isWordCharacter(at: stop, in: bytes)) {
                continue
            }
            if token.lstrip {
                while start > consumed, let (scalar, length) = scalarBefore(start, in: bytes), isWhitespace(scalar) {
                    start -= length
                }
            }
            if token.rstrip {
                while stop < bytes.count, let (scalar, length) = scalarAt(stop, in: bytes), isWhitespace(scalar) {
                    stop += length
                }
                i = stop
            }
            if consumed < start { pieces.append((consumed..<start, nil)) }
            pieces.append((start..<stop, token.id))
            consumed = stop
        }
        if consumed < bytes.count { pieces.append((consumed..<bytes.count, nil)) }
        return pieces
    }

    private func longest(at i: Int, in bytes: [UInt8]) -> (bytes: [UInt8], token: AddedToken)? {
        guard startsToken[Int(bytes[i])] else { return nil }
        for candidate in tokens where candidate.bytes[0] == bytes[i] && i + candidate.bytes.count <= bytes.count {
            if bytes[i..<(i + candidate.bytes.count)].elementsEqual(candidate.bytes) { return candidate }
        }
        return nil
    }

    // Rust regex's \w: letters, marks, digits and connector punctuation.
    private func isWord(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        return properties.isAlphabetic || properties.numericType != nil || scalar == "_"
            || properties.generalCategory == .nonspacingMark || properties.generalCategory == .spacingMark
            || properties.generalCategory == .connectorPunctuation
    }

    private func isWhitespace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }

    private func isWordCharacter(before i: Int, in bytes: [UInt8]) -> Bool {
        scalarBefore(i, in: bytes).map { isWord($0.0) } ?? false
    }

    private func isWordCharacter(at i: Int, in bytes: [UInt8]) -> Bool {
        scalarAt(i, in: bytes).map { isWord($0.0) } ?? false
    }

    private func scalarAt(_ i: Int, in bytes: [UInt8]) -> (Unicode.Scalar, Int)? {
        guard i < bytes.count else { return nil }
        var length = 1
        while i + length < bytes.count && bytes[i + length] & 0xC0 == 0x80 && length < 4 { length += 1 }
        return decodeScalar(bytes[i..<(i + length)]).map { ($0, length) }
    }

    private func scalarBefore(_ i: Int, in bytes: [UInt8]) -> (Unicode.Scalar, Int)? {
        guard i > 0 else { return nil }
        var start = i - 1
        while start > 0 && bytes[start] & 0xC0 == 0x80 && i - start < 4 { start -= 1 }
        return decodeScalar(bytes[start..<i]).map { ($0, i - start) }
    }

    private func decodeScalar(_ slice: ArraySlice<UInt8>) -> Unicode.Scalar? {
        var iterator = slice.makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
        return nil
    }
}
