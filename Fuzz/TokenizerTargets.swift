import Foundation
import Tokenizers

/// tokenizer.json as a hub serves it, and encoding arbitrary text: for byte-level tokenizers
/// decode(encode(x)) must give x back, so a wrong answer is a finding as well as a crash.
enum TokenizerTargets {
    static func tokenizerJSON(_ data: Data) {
        let path = Scratch.file("tokenizer.json", data)
        guard let tokenizer = try? Tokenizer.load(tokenizerJSON: path) else { return }
        _ = tokenizer.encode("def f(x):\n    return x + 1  # héllo\n")
    }

    /// Byte-level tokenizers of three families, each with its own pre-tokenizer; Qwen2's normalizes
    /// to NFC first, so its round trip gives the text's NFC form.
    static let byteLevel: [(tokenizer: Tokenizer, nfc: Bool)] = [("gpt2", false), ("qwen2", true), ("starcoder", false)].map {
        (try! Tokenizer.load(tokenizerJSON: repositoryRoot + "/Tests/TokenizersTests/Fixtures/real/\($0.0)/tokenizer.json"), $0.1)
    }

    static func roundTrip(_ data: Data) {
        guard let text = String(data: data, encoding: .utf8) else { return }
        for (tokenizer, nfc) in byteLevel {
            let ids = tokenizer.encode(text, allowSpecial: false)
            let back = try? tokenizer.decode(ids)
            let expected = nfc ? text.precomposedStringWithCanonicalMapping : text
            precondition(back == expected, "decode(encode(x)) != x for \(text.debugDescription): \(ids)")
        }
    }
}
