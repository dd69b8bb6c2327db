import Foundation
import Models

extension LanguageModel {
    /// The log-probability of each token of `tokens` after the ones before it, from one forward
    /// pass on a fresh cache: element i is that of tokens[i + 1] (the first token has no context).
    public func tokenLogprobs(_ tokens: [Int]) throws -> [Float] {
        let logits = try forward(tokens, cache: makeCache())
        let v = config.vocabularySize
        return tokens.indices.dropFirst().map { position in
            logits[((position - 1) * v)..<(position * v)].withUnsafeBufferPointer { LogitProcessors.logprob(of: tokens[position], in: $0) }
        }
    }
}

extension Generator {
    /// The summed log-probability of `continuation`'s tokens after `context`, in one forward pass;
    /// the context is cut from the left when the two do not fit the model's window (the
    /// continuation never is: it is what is scored).
    public func logprob(of continuation: String, after context: String) throws -> Double {
        let scored = tokenizer.encode(continuation)
        var prefix = tokenizer.encodeForModel(context)
        let window = model.config.contextLength
        guard !scored.isEmpty else { return 0 }
        guard scored.count < window else {
            throw ModelError("the text to score is \(scored.count) tokens, more than the model's window of \(window) allows after any context")
        }
        if prefix.count + scored.count > window { prefix = Array(prefix.suffix(window - scored.count)) }
        guard !prefix.isEmpty else { throw ModelError("no context to score the text after") }
        return try model.tokenLogprobs(prefix + scored).suffix(scored.count).reduce(0.0) { $0 + Double($1) }
    }
}
