import Seeding
import Tokenizers

/// The FIM transformation of Bavarian et al. 2022 (section 3, "context-level" FIM): a training
/// window is split into its documents at <|endoftext|>, and each document, with probability
/// `rate`, is cut at two character boundaries drawn uniformly into prefix, middle and suffix and
/// rearranged, in prefix-suffix-middle order
///     <PRE> prefix <SUF> suffix <MID> middle
/// or (with probability `spmRate`) suffix-prefix-middle, in the variant of the paper's appendix
/// D that StarCoder and CodeLlama use, where the prefix runs on into the middle:
///     <PRE> <SUF> suffix <MID> prefix middle
/// The rearranged window is cut back to its length; the loss covers every token.
public struct FIMTransformation: Sendable {
    public let rate: Double
    public let spmRate: Double
    public let tokens: FIMTokens
    public let endOfText: Int32
    let tokenizer: Tokenizer

    public init(rate: Double, spmRate: Double = 0.5, tokens: FIMTokens, endOfText: Int, tokenizer: Tokenizer) {
        self.rate = rate
        self.spmRate = spmRate
        self.tokens = tokens
        self.endOfText = Int32(endOfText)
        self.tokenizer = tokenizer
    }

    /// Where a document is cut: byte offsets a ≤ b of its UTF-8 text, each on a character boundary.
    public struct Span: Equatable, Sendable {
        public let start: Int
        public let end: Int
    }

    /// A span drawn uniformly: two of the n + 1 boundaries of a text of n characters (Unicode
    /// scalars), sorted, so that empty prefixes, middles and suffixes all occur.
    public static func drawSpan(_ text: [UInt8], using random: inout SplitMix64) -> Span {
        // A byte that is not a UTF-8 continuation byte starts a character.
        var boundaries = text.indices.filter { text[$0] & 0xC0 != 0x80 }
        boundaries.append(text.count)
        let a = boundaries[Int(random.next() % UInt64(boundaries.count))]
        let b = boundaries[Int(random.next() % UInt64(boundaries.count))]
        return Span(start: min(a, b), end: max(a, b))
    }

    /// Whether a document is transformed, and in which order.
    public enum Order: Sendable { case prefixSuffixMiddle, suffixPrefixMiddle }

    /// One document (no <|endoftext|> inside) rearranged around `span`.
    public func rearrange(_ document: [UInt8], span: Span, order: Order) -> [Int32] {
        let prefix = tokenizer.encode(bytes: Array(document[..<span.start]))
        let middle = tokenizer.encode(bytes: Array(document[span.start..<span.end]))
        let suffix = tokenizer.encode(bytes: Array(document[span.end...]))
        let ids: [Int]
        switch order {
        case .prefixSuffixMiddle:
            ids = [tokens.prefix] + prefix + [tokens.suffix] + suffix + [tokens.middle] + middle
        case .suffixPrefixMiddle:
            ids = [tokens.prefix, tokens.suffix] + suffix + [tokens.middle] + prefix + middle
        }
        return ids.map { Int32($0) }
    }

    /// The document's text back from a rearranged sequence (the inverse of `rearrange`).
    public func restore(_ ids: [Int32]) throws -> [UInt8] {
        let ids = ids.map(Int.init)
        guard ids.first == tokens.prefix, let s = ids.firstIndex(of: tokens.suffix), let m = ids.firstIndex(of: tokens.middle), s < m else {
            throw TrainingError("not a FIM sequence: it must start <PRE> and hold <SUF> before <MID>")
        }
        if s == 1 {  // suffix-prefix-middle: prefix and middle run together after <MID>
            return try tokenizer.decodeBytes(Array(ids[(m + 1)...])) + tokenizer.decodeBytes(Array(ids[2..<m]))
        }
        return try tokenizer.decodeBytes(Array(ids[1..<s])) + tokenizer.decodeBytes(Array(ids[(m + 1)...]))
            + tokenizer.decodeBytes(Array(ids[(s + 1)..<m]))
    }

    /// A window of `window.count` tokens with its documents transformed at `rate`.
    public func apply(_ window: ArraySlice<Int32>, using random: inout SplitMix64) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(window.count + 16)
        var start = window.startIndex
        while start < window.endIndex {
            let end = window[start...].firstIndex(of: endOfText) ?? window.endIndex
            let document = window[start..<end]
            if !document.isEmpty, Double(random.next() >> 11) / Double(1 << 53) < rate,
               let bytes = try? tokenizer.decodeBytes(document.map(Int.init)) {
                let span = Self.drawSpan(bytes, using: &random)
                let order: Order = Double(random.next() >> 11) / Double(1 << 53) < spmRate ? .suffixPrefixMiddle : .prefixSuffixMiddle
                out += rearrange(bytes, span: span, order: order)
            } else {
                out += document
            }
            if end < window.endIndex { out.append(endOfText) }
            start = end + 1
        }
        return Array(out.prefix(window.count))
    }
}
