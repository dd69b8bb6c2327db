import Foundation
import Models

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
        let tokens = prefix + scored
        let logits = try model.forward(tokens, cache: model.makeCache())
        let v = model.config.vocabularySize
        var total = 0.0
        for position in prefix.count..<tokens.count {
            let row = position - 1
            total += Double(logits[(row * v)..<((row + 1) * v)].withUnsafeBufferPointer { LogitProcessors.logprob(of: tokens[position], in: $0) })
        }
        return total
    }
}
