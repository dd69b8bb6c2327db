/// Splits text into the pieces that BPE then encodes separately, exactly as a regex pattern
/// would, but by a hand-written scanner over code points (no regex engine in the hot loop).
public enum PreTokenizer: String, Sendable {
    /// GPT-2 (and tiktoken's r50k/p50k):
    /// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
    case gpt2
    /// Qwen2: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
    case qwen2
    /// Llama-3: Qwen2's pattern with numbers in runs of up to three digits (\p{N}{1,3}).
    case llama3

    public static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    public static let qwen2Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    public static let llama3Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The pattern text this scanner implements, as tokenizer.json and tiktoken spell it.
    public var pattern: String {
        switch self {
        case .gpt2: return Self.gpt2Pattern
        case .qwen2: return Self.qwen2Pattern
        case .llama3: return Self.llama3Pattern
        }
    }

    /// The scanner for a pattern, if one implements it.
    public init?(pattern: String) {
        guard let found = [PreTokenizer.gpt2, .qwen2, .llama3].first(where: { $0.pattern == pattern }) else { return nil }
        self = found
    }

    /// Piece boundaries as code-point indices: piece k is ends[k-1]..<ends[k] (ends[-1] = 0).
    func split(_ text: Scalars) -> [Int] {
        var ends: [Int] = []
        ends.reserveCapacity(text.count / 3 + 1)
        var i = 0
        while i < text.count {
            i = self == .gpt2 ? gpt2End(text, i) : qwen2End(text, i, digitsPerNumber: self == .llama3 ? 3 : 1)
            ends.append(i)
        }
        return ends
    }

    @inline(__always)
    static func run(_ text: Scalars, from start: Int, of cls: CharacterClass) -> Int {
        var j = start
        while j < text.count && text.classes[j] == cls { j += 1 }
        return j
    }

    /// `\s+(?!\S)|\s+` from a whitespace code point at i.
    @inline(__always)
    static func whitespaceEnd(_ text: Scalars, _ i: Int) -> Int {
        let end = run(text, from: i, of: .whitespace)
        if end == text.count || end - i == 1 { return end }
        return end - 1  // leave the last space to join the word that follows
    }

    /// 's 't 're 've 'm 'll 'd at i; Qwen2's (?i:...) also folds case (and U+017F, long s, to s).
    @inline(__always)
    static func contractionEnd(_ text: Scalars, _ i: Int, caseInsensitive: Bool) -> Int? {
        guard text.values[i] == 39, i + 1 < text.count else { return nil }
        func letter(_ j: Int) -> UInt32? {
            guard j < text.count else { return nil }
            let v = text.values[j]
            if caseInsensitive {
                if v >= 65 && v <= 90 { return v + 32 }
                if v == 0x17F { return 115 }
            }
            return v
        }
        switch letter(i + 1) {
        case 115, 116, 109, 100: return i + 2  // 's 't 'm 'd
        case 114, 118: return letter(i + 2) == 101 ? i + 3 : nil  // 're 've
        case 108: return letter(i + 2) == 108 ? i + 3 : nil  // 'll
        default: return nil
        }
    }

    func gpt2End(_ text: Scalars, _ i: Int) -> Int {
        if let end = Self.contractionEnd(text, i, caseInsensitive: false) { return end }
        let k = text.values[i] == 32 && i + 1 < text.count ? i + 1 : i
        let cls = text.classes[k]
        if cls != .whitespace { return Self.run(text, from: k, of: cls) }
        return Self.whitespaceEnd(text, i)
    }

    func qwen2End(_ text: Scalars, _ i: Int, digitsPerNumber: Int) -> Int {
        if let end = Self.contractionEnd(text, i, caseInsensitive: true) { return end }
        let value = text.values[i]
        let cls = text.classes[i]
        let isLineBreak = value == 10 || value == 13
        if cls == .letter { return Self.run(text, from: i, of: .letter) }
        if cls != .number, !isLineBreak, i + 1 < text.count, text.classes[i + 1] == .letter {
            return Self.run(text, from: i + 1, of: .letter)
        }
        if cls == .number { return min(Self.run(text, from: i, of: .number), i + digitsPerNumber) }
        let k = value == 32 && i + 1 < text.count ? i + 1 : i
        if text.classes[k] == .other {
            var end = Self.run(text, from: k, of: .other)
            while end < text.count && (text.values[end] == 10 || text.values[end] == 13) { end += 1 }
            return end
        }
        // cls is whitespace here: `\s*[\r\n]+` ends after the run's last line break.
        let runEnd = Self.run(text, from: i, of: .whitespace)
        var j = runEnd - 1
        while j >= i {
            if text.values[j] == 10 || text.values[j] == 13 { return j + 1 }
            j -= 1
        }
        return Self.whitespaceEnd(text, i)
    }
}
