import Foundation
@testable import Server
import Tokenizers

/// Request bodies as clients send them to `codeloop serve`: /v1/completions, /v1/chat/completions
/// (rendered through a real chat template) and llama.cpp's /infill, each read field by field.
enum ServerTargets {
    static let tokenizer = try! Tokenizer.load(tokenizerJSON: repositoryRoot + "/Tests/TokenizersTests/Fixtures/real/qwen2/tokenizer.json")
    static let template = try! ChatTemplate.load(directory: repositoryRoot + "/Tests/TokenizersTests/Fixtures/chat-template-config-field")
    static let limits = ServerLimits()

    static func completions(_ data: Data) {
        _ = try? CompletionRequest(body: data, tokenizer: tokenizer, vocabulary: tokenizer.vocabularySize, limits: limits)
    }

    static func chat(_ data: Data) {
        _ = try? ChatRequest.parse(body: data, template: template, tokenizer: tokenizer, limits: limits)
    }

    static func infill(_ data: Data) {
        _ = try? InfillRequest.parse(body: data, tokenizer: tokenizer, limits: limits, contextLength: 4096)
    }
}
