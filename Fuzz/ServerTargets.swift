import Foundation
import Server
import Tokenizers

/// Request bodies as clients send them to `codeloop serve`: /v1/completions, /v1/chat/completions
/// (rendered through a real chat template) and llama.cpp's /infill, each read field by field.
enum ServerTargets {
    /// Qwen2's real vocabulary, with a chat template.
    static let chatReader = reader(tokenizerJSON: "Tests/TokenizersTests/Fixtures/real/qwen2/tokenizer.json")
    /// A tokenizer with fill-in-the-middle tokens, so that /infill and `suffix` are read past the
    /// check for them (without, /infill's target stopped at its first line).
    static let fimReader = reader(tokenizerJSON: "Tests/ModelsTests/Fixtures/starcoder2-tiny/tokenizer.json")

    static func reader(tokenizerJSON path: String) -> RequestReader {
        let tokenizer = try! Tokenizer.load(tokenizerJSON: repositoryRoot + "/" + path)
        return RequestReader(tokenizer: tokenizer,
                             chatTemplate: try! ChatTemplate.load(directory: repositoryRoot + "/Tests/TokenizersTests/Fixtures/chat-template-config-field"),
                             limits: ServerLimits(), contextLength: 4096, vocabulary: tokenizer.vocabularySize)
    }

    static func completions(_ data: Data) { try? fimReader.check(data, at: .completions) }

    static func chat(_ data: Data) { try? chatReader.check(data, at: .chat) }

    static func infill(_ data: Data) { try? fimReader.check(data, at: .infill) }
}
