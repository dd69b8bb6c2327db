import Foundation
import Server
import Tokenizers

/// Request bodies as clients send them to `codeloop serve`: /v1/completions, /v1/chat/completions
/// (rendered through a real chat template) and llama.cpp's /infill, each read field by field.
enum ServerTargets {
    static let reader: RequestReader = {
        let tokenizer = try! Tokenizer.load(tokenizerJSON: repositoryRoot + "/Tests/TokenizersTests/Fixtures/real/qwen2/tokenizer.json")
        return RequestReader(tokenizer: tokenizer,
                             chatTemplate: try! ChatTemplate.load(directory: repositoryRoot + "/Tests/TokenizersTests/Fixtures/chat-template-config-field"),
                             limits: ServerLimits(), contextLength: 4096, vocabulary: tokenizer.vocabularySize)
    }()

    static func completions(_ data: Data) { try? reader.check(data, at: .completions) }

    static func chat(_ data: Data) { try? reader.check(data, at: .chat) }

    static func infill(_ data: Data) { try? reader.check(data, at: .infill) }
}
