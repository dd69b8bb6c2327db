import Foundation
import Tokenizers

/// A request body read as the server reads it, field by field, with no model or socket: the
/// server's handler calls it, and so do the fuzz targets (Fuzz/ServerTargets.swift).
public struct RequestReader: Sendable {
    /// The endpoints whose bodies differ.
    public enum Endpoint: Sendable { case completions, chat, infill }

    let tokenizer: Tokenizer
    /// For chat: without one the endpoint answers 400.
    let chatTemplate: ChatTemplate?
    let limits: ServerLimits
    let contextLength: Int
    let vocabulary: Int

    public init(tokenizer: Tokenizer, chatTemplate: ChatTemplate?, limits: ServerLimits, contextLength: Int, vocabulary: Int) {
        self.tokenizer = tokenizer
        self.chatTemplate = chatTemplate
        self.limits = limits
        self.contextLength = contextLength
        self.vocabulary = vocabulary
    }

    /// The request, or the APIError (400 naming the field) the server answers it with.
    func read(_ body: Data, at endpoint: Endpoint) throws -> CompletionRequest {
        let request: CompletionRequest
        switch endpoint {
        case .completions: request = try CompletionRequest(body: body, tokenizer: tokenizer, vocabulary: vocabulary, limits: limits)
        case .chat: request = try ChatRequest.parse(body: body, template: chatTemplate, tokenizer: tokenizer, limits: limits)
        case .infill: request = try InfillRequest.parse(body: body, tokenizer: tokenizer, limits: limits, contextLength: contextLength)
        }
        for prompt in request.prompts where prompt.count >= contextLength {
            throw APIError.invalid("prompt of \(prompt.count) tokens does not fit the model's context of \(contextLength) (at least one token must be generated)",
                                   parameter: "prompt")
        }
        return request
    }

    /// Throws what `read` throws, and nothing else.
    public func check(_ body: Data, at endpoint: Endpoint) throws { _ = try read(body, at: endpoint) }
}
