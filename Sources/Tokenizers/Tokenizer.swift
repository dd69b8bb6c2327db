import Foundation

/// A BPE tokenizer as HF tokenizers runs one (tokenizers/src/tokenizer/mod.rs): added tokens are
/// split out first, each remaining piece is normalized, pre-tokenized and encoded by the model;
/// a post-processor template (BOS) wraps what a model is fed. The model is byte-level BPE (GPT-2,
/// Qwen2, StarCoder, DeepSeek-Coder, Llama-3) or SentencePiece-style BPE over characters with
/// byte fallback (Llama-2, CodeLlama, Mistral).
public final class Tokenizer: Sendable {
    public let name: String
    let normalizer: Normalizer?
    let steps: [PreTokenizerStep]
    let encoder: BytePairEncoder
    let symbols: Symbols
    /// The bytes of each token id (empty for ids the vocabulary does not use).
    let tokenBytes: [[UInt8]]
    /// Added and special tokens by their text.
    public let specialTokens: [String: Int]
    public let addedTokens: [AddedToken]
    private let rawAddedTokens: AddedTokenMatcher
    private let normalizedAddedTokens: AddedTokenMatcher
    /// HF tokenizers always split special tokens out of the text; tiktoken only when allowed.
    let specialTokensByDefault: Bool
    /// HF `ignore_merges`: a piece that is itself in the vocabulary is one token.
    let ignoreMerges: Bool
    /// The ids the post-processor puts around a text a model is fed (Llama's BOS, say).
    public let prefixIDs: [Int]
    public let suffixIDs: [Int]
    /// Beginning and end of sequence, from tokenizer_config.json (or the file's own conventions).
    public let bos: Int?
    public let eos: Int?
    /// Leading spaces a whole decode drops (the Strip decoder after SentencePiece's prepended "▁").
    let stripsLeadingSpaces: Int

    /// What BPE starts from.
    enum Symbols: Sendable {
        /// Bytes (byte-level BPE: every byte has a token).
        case bytes
        /// Unicode scalars, each a token of its own text, else its UTF-8 bytes as `<0xNN>` tokens
        /// (`byteFallback`), else the unknown token (consecutive ones fused when `fuseUnknown`).
        case characters(byteFallback: [Int]?, unknown: Int?, fuseUnknown: Bool)
    }

    init(name: String, normalizer: Normalizer? = nil, steps: [PreTokenizerStep], encoder: BytePairEncoder,
         symbols: Symbols = .bytes, tokenBytes: [[UInt8]], addedTokens: [AddedToken], specialTokensByDefault: Bool,
         ignoreMerges: Bool = false, prefixIDs: [Int] = [], suffixIDs: [Int] = [], bos: Int? = nil, eos: Int? = nil,
         stripsLeadingSpaces: Int = 0) {
        self.name = name
        self.normalizer = normalizer
        self.steps = steps
        self.encoder = encoder
        self.symbols = symbols
        self.tokenBytes = tokenBytes
        self.addedTokens = addedTokens
        self.specialTokens = Dictionary(addedTokens.map { ($0.content, $0.id) }, uniquingKeysWith: { first, _ in first })
        self.rawAddedTokens = AddedTokenMatcher(addedTokens.filter { !$0.normalized || normalizer == nil })
        // A normalized token is looked for as the normalizer spells it ("xyzzy" as "▁xyzzy" after Prepend).
        self.normalizedAddedTokens = AddedTokenMatcher(addedTokens.filter { $0.normalized && normalizer != nil },
                                                       spelling: { normalizer?.apply($0) ?? $0 })
        self.specialTokensByDefault = specialTokensByDefault
        self.ignoreMerges = ignoreMerges
        self.prefixIDs = prefixIDs
        self.suffixIDs = suffixIDs
        self.bos = bos
        self.eos = eos ?? addedTokens.first { $0.content == "<|endoftext|>" }?.id
        self.stripsLeadingSpaces = stripsLeadingSpaces
        hasPlainAddedTokens = addedTokens.contains { !$0.special }
        if case .bytes = symbols, steps.count == 1, case .scanner(let scanner) = steps[0], normalizer?.isOnlyNFC ?? true {
            fastScanner = scanner
        } else {
            fastScanner = nil
        }
    }

    /// Set when a piece needs nothing but one scanner and byte-level BPE (GPT-2, Qwen2, Llama-3).
    private let fastScanner: PreTokenizer?
    /// Added tokens that are not special are matched even in raw bytes (encode(bytes:) then takes the full path).
    private let hasPlainAddedTokens: Bool

    /// One more than the largest id.
    public var vocabularySize: Int { tokenBytes.count }

    /// Whether BPE starts from bytes (GPT-2, Qwen2, StarCoder, Llama-3) rather than characters (SentencePiece-style).
    public var isByteLevel: Bool { if case .bytes = symbols { return true } else { return false } }

    /// Whether the text is normalized to NFC before encoding (Qwen2).
    public var normalizesToNFC: Bool { normalizer == .nfc }

    /// The ids of `text`, without the post-processor's BOS/EOS. Special tokens are recognised when
    /// `allowSpecial` says so (default: as the format's own library does: HF tokenizer.json yes,
    /// tiktoken-style encodings no); other added tokens always are.
    public func encode(_ text: String, allowSpecial: Bool? = nil) -> [Int] {
        let skipSpecial = !(allowSpecial ?? specialTokensByDefault)
        let bytes = Array(text.utf8)
        var out: [Int] = []
        out.reserveCapacity(bytes.count / 3)
        for (range, id) in rawAddedTokens.split(bytes, skipSpecial: skipSpecial) {
            if let id {
                out.append(id)
                continue
            }
            guard let normalizer else {
                encodePlain(bytes[range], startsInput: range.lowerBound == 0, into: &out)
                continue
            }
            let normalized = Array(normalizer.apply(String(decoding: bytes[range], as: UTF8.self)).utf8)
            for (inner, innerID) in normalizedAddedTokens.split(normalized, skipSpecial: skipSpecial) {
                if let innerID {
                    out.append(innerID)
                } else {
                    encodePlain(normalized[inner], startsInput: range.lowerBound == 0 && inner.lowerBound == 0, into: &out)
                }
            }
        }
        return out
    }

    /// The ids a model is fed for `text`: encode(text) inside the post-processor's template, as HF's
    /// `tokenizer(text)` gives them (add_special_tokens=True).
    public func encodeForModel(_ text: String, allowSpecial: Bool? = nil) -> [Int] {
        prefixIDs + encode(text, allowSpecial: allowSpecial) + suffixIDs
    }

    /// The ids of raw bytes, which need not be valid UTF-8 (for byte-level vocabularies: an invalid
    /// byte is a piece of its own class, as a code point outside every letter, number and space
    /// class would be). No special tokens are recognised.
    public func encode(bytes: [UInt8]) -> [Int] {
        guard fastScanner != nil, !hasPlainAddedTokens else {
            return encode(String(decoding: bytes, as: UTF8.self), allowSpecial: false)
        }
        var out: [Int] = []
        out.reserveCapacity(bytes.count / 3)
        encodePlain(bytes[...], startsInput: true, into: &out)
        return out
    }

    private func encodePlain(_ bytes: ArraySlice<UInt8>, startsInput: Bool, into out: inout [Int]) {
        guard !bytes.isEmpty else { return }
        if let scanner = fastScanner {
            let piece = Array(bytes)
            let scalars = Scalars(piece)
            piece.withUnsafeBufferPointer { buffer in
                var start = 0
                for end in scanner.split(scalars) {
                    encodePiece(buffer, scalars.offsets[start], scalars.offsets[end], into: &out)
                    start = end
                }
            }
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let pieces = steps.reduce([PreTokenizerStep.Piece(text: text, startsInput: startsInput)]) { $1.apply($0) }
        for piece in pieces where !piece.text.isEmpty {
            let pieceBytes = Array(piece.text.utf8)
            switch symbols {
            case .bytes:
                pieceBytes.withUnsafeBufferPointer { encodePiece($0, 0, pieceBytes.count, into: &out) }
            case .characters(let byteFallback, let unknown, let fuseUnknown):
                if ignoreMerges, let whole = encoder.table.id(pieceBytes) {
                    out.append(whole)
                    continue
                }
                var ids: [Int] = []
                var lastWasUnknown = false
                for scalar in piece.text.unicodeScalars {
                    let utf8 = Array(String(scalar).utf8)
                    if let id = encoder.table.id(utf8) {
                        ids.append(id)
                        lastWasUnknown = false
                    } else if let byteFallback {
                        ids += utf8.map { byteFallback[Int($0)] }
                        lastWasUnknown = false
                    } else if let unknown {
                        if !(fuseUnknown && lastWasUnknown) { ids.append(unknown) }
                        lastWasUnknown = true
                    }
                }
                encoder.merge(&ids)
                out += ids
            }
        }
    }

    @inline(__always)
    private func encodePiece(_ buffer: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, into out: inout [Int]) {
        if ignoreMerges, let whole = encoder.table.id(buffer, from, to) {
            out.append(whole)
        } else {
            encoder.encode(buffer, from, to, into: &out)
        }
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

    /// The text the ids stand for, as HF's decode gives it; bytes that are not valid UTF-8 become
    /// U+FFFD, as tiktoken's and HF's decoders do.
    public func decode(_ ids: [Int]) throws -> String {
        var bytes = try decodeBytes(ids)[...]
        var stripped = 0
        while stripped < stripsLeadingSpaces && bytes.first == 0x20 {
            bytes = bytes.dropFirst()
            stripped += 1
        }
        return String(decoding: bytes, as: UTF8.self)
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
