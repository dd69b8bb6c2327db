import Foundation
import Tokenizers

/// Codex-S training pairs: a JSONL file of {"prompt": signature + docstring, "completion": body},
/// tokenized, the prompt's trailing whitespace moved to the completion. Each line's mistakes are
/// reported with its file and line.
public enum SupervisedExamples {
    public struct Pair: Sendable {
        public let prompt: [Int32]
        public let completion: [Int32]
    }

    public static func load(_ path: String, tokenizer: Tokenizer) throws -> [Pair] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CorpusError("\(path): cannot be read") }
        var pairs: [Pair] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) {
            let at = "\(path):\(index + 1)"
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                throw CorpusError("\(at): not a JSON object")
            }
            guard let prompt = object["prompt"] as? String else { throw CorpusError("\(at): missing or non-string field \"prompt\"") }
            guard let completion = object["completion"] as? String else {
                throw CorpusError("\(at): missing or non-string field \"completion\"")
            }
            // The prompt's trailing whitespace ("\n" after a docstring) opens the completion, as
            // generation gives prompts (PromptBoundary): encoded apart, a lone "\n" token would
            // stand where the model meets "\n    " as one token everywhere else.
            let boundary = PromptBoundary(prompt)
            pairs.append(Pair(prompt: tokenizer.encode(boundary.head, allowSpecial: false).map { Int32($0) },
                              completion: tokenizer.encode(boundary.tail + completion, allowSpecial: false).map { Int32($0) }))
        }
        guard !pairs.isEmpty else { throw CorpusError("\(path): no examples") }
        return pairs
    }
}
