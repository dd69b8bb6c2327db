import Foundation

/// HF tokenizers' normalizers that the code models' tokenizer.json files use
/// (tokenizers/src/normalizers): NFC (Qwen2), and Prepend + Replace (the Llama-2 layout of
/// SentencePiece: "▁" before the text, every space spelled "▁").
indirect enum Normalizer: Sendable, Equatable {
    case nfc
    case prepend(String)
    case replace(String, with: String)
    case sequence([Normalizer])

    func apply(_ text: String) -> String {
        switch self {
        case .nfc: return text.precomposedStringWithCanonicalMapping
        case .prepend(let prefix): return text.isEmpty ? text : prefix + text
        case .replace(let pattern, let content): return text.replacingScalars(pattern, with: content)
        case .sequence(let steps): return steps.reduce(text) { $1.apply($0) }
        }
    }

    /// Whether applying it can change text that is already in NFC (so the fast path must not skip it).
    var isOnlyNFC: Bool {
        switch self {
        case .nfc: return true
        case .sequence(let steps): return steps.allSatisfy(\.isOnlyNFC)
        default: return false
        }
    }

    static func parse(_ value: Any?, path: String) throws -> Normalizer? {
        guard let object = value as? [String: Any] else { return nil }
        let type = object["type"] as? String ?? "?"
        switch type {
        case "NFC": return .nfc
        case "Prepend":
            guard let prefix = object["prepend"] as? String else {
                throw TokenizerError("\(path): normalizer Prepend needs a string \"prepend\"")
            }
            return .prepend(prefix)
        case "Replace":
            guard let pattern = (object["pattern"] as? [String: Any])?["String"] as? String,
                  let content = object["content"] as? String else {
                throw TokenizerError("\(path): unsupported normalizer Replace (codeloop reads a String pattern and its content)")
            }
            return .replace(pattern, with: content)
        case "Sequence":
            let steps = try (object["normalizers"] as? [Any] ?? []).compactMap { try parse($0, path: path) }
            return steps.count == 1 ? steps[0] : .sequence(steps)
        default:
            throw TokenizerError("\(path): unsupported normalizer \"\(type)\"")
        }
    }
}

extension String {
    /// Every occurrence of `pattern` replaced, compared code point by code point as HF tokenizers
    /// does (String's own comparison is by grapheme: " " would not be found in " \u{301}").
    func replacingScalars(_ pattern: String, with replacement: String) -> String {
        let target = Array(pattern.unicodeScalars)
        guard !target.isEmpty else { return self }
        let scalars = Array(unicodeScalars)
        let replacementBytes = Array(replacement.utf8)
        // Built as UTF-8 bytes: appending a scalar view to a String.UnicodeScalarView copies the
        // whole string each time (quadratic in the text's length: 2 s for 20 KB).
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + utf8.count / 4)
        var i = 0
        while i < scalars.count {
            if scalars[i] == target[0] && i + target.count <= scalars.count && scalars[i..<(i + target.count)].elementsEqual(target) {
                out += replacementBytes
                i += target.count
            } else {
                out += UTF8.encode(scalars[i])!
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
