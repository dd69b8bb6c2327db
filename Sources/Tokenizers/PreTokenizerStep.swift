import Foundation

/// One stage of HF tokenizers' pre-tokenization (tokenizers/src/pre_tokenizers), applied to every
/// piece the stages before it made. A piece knows whether it starts the input, which Metaspace's
/// "first" scheme asks.
enum PreTokenizerStep: Sendable {
    /// A split by one of the hand-written scanners (GPT-2's regex when ByteLevel has use_regex, or a
    /// Split whose pattern is GPT-2's, Qwen2's or Llama-3's), matches and gaps both kept.
    case scanner(PreTokenizer)
    /// Split with any other regex, behaviour Isolated.
    case regex(RegexSplitter)
    /// Digits: each digit its own piece (individual) or each run of digits.
    case digits(individual: Bool)
    /// Metaspace: spaces become `replacement`, which is prepended by the scheme, then optionally split on.
    case metaspace(replacement: String, prepend: PrependScheme, split: Bool)

    enum PrependScheme: String, Sendable { case always, first, never }

    struct Piece {
        var text: String
        var startsInput: Bool
    }

    func apply(_ pieces: [Piece]) -> [Piece] {
        var out: [Piece] = []
        out.reserveCapacity(pieces.count)
        for piece in pieces {
            switch self {
            case .scanner(let scanner):
                let bytes = Array(piece.text.utf8)
                let scalars = Scalars(bytes)
                var start = 0
                for end in scanner.split(scalars) {
                    let text = String(decoding: bytes[scalars.offsets[start]..<scalars.offsets[end]], as: UTF8.self)
                    out.append(Piece(text: text, startsInput: piece.startsInput && start == 0))
                    start = end
                }
            case .regex(let splitter):
                for (index, text) in splitter.split(piece.text).enumerated() {
                    out.append(Piece(text: text, startsInput: piece.startsInput && index == 0))
                }
            case .digits(let individual):
                var current = "", currentIsDigit = false, first = true
                func flush() {
                    if !current.isEmpty { out.append(Piece(text: current, startsInput: piece.startsInput && first)); first = false }
                    current = ""
                }
                for scalar in piece.text.unicodeScalars {
                    // Rust's char::is_numeric: the Nd, Nl and No categories.
                    let isDigit = CharacterClass.of(scalar.value) == .number
                    if isDigit && (individual || !currentIsDigit) || !isDigit && currentIsDigit { flush() }
                    current.unicodeScalars.append(scalar)
                    currentIsDigit = isDigit
                }
                flush()
            case .metaspace(let replacement, let prepend, let split):
                var text = piece.text.replacingScalars(" ", with: replacement)
                if !text.hasPrefix(replacement) && (prepend == .always || prepend == .first && piece.startsInput) {
                    text = replacement + text
                }
                guard split else {
                    out.append(Piece(text: text, startsInput: piece.startsInput))
                    continue
                }
                // MergedWithNext: each replacement starts a new piece.
                var current = String.UnicodeScalarView()
                var first = true
                let mark = replacement.unicodeScalars.first
                for scalar in text.unicodeScalars {
                    if scalar == mark && !current.isEmpty {
                        out.append(Piece(text: String(current), startsInput: piece.startsInput && first))
                        first = false
                        current = String.UnicodeScalarView()
                    }
                    current.append(scalar)
                }
                if !current.isEmpty { out.append(Piece(text: String(current), startsInput: piece.startsInput && first)) }
            }
        }
        return out
    }
}

/// A Split pre-tokenizer on a regex that no scanner implements (DeepSeek-Coder's, for one), run by
/// ICU through NSRegularExpression. HF runs Oniguruma, whose `\s` is Unicode White_Space; ICU's
/// leaves out U+000B and U+0085, so `\s` and `\S` are spelled out before compiling.
struct RegexSplitter: @unchecked Sendable {
    let pattern: String
    private let expression: NSRegularExpression

    init(pattern: String, path: String) throws {
        self.pattern = pattern
        do {
            expression = try NSRegularExpression(pattern: Self.icuPattern(pattern))
        } catch {
            throw TokenizerError("\(path): pre_tokenizer Split pattern \(pattern) does not compile")
        }
    }

    static func icuPattern(_ pattern: String) -> String {
        var out = ""
        var escaped = false
        for character in pattern {
            if escaped {
                switch character {
                case "s": out += #"\p{White_Space}"#
                case "S": out += #"\P{White_Space}"#
                default: out += "\\" + String(character)
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// Matches and the text between them, in order, empty pieces left out (behaviour Isolated).
    func split(_ text: String) -> [String] {
        let whole = text as NSString
        var pieces: [String] = []
        var last = 0
        for match in expression.matches(in: text, range: NSRange(location: 0, length: whole.length)) where match.range.length > 0 {
            if match.range.location > last {
                pieces.append(whole.substring(with: NSRange(location: last, length: match.range.location - last)))
            }
            pieces.append(whole.substring(with: match.range))
            last = match.range.location + match.range.length
        }
        if last < whole.length { pieces.append(whole.substring(from: last)) }
        return pieces
    }
}
