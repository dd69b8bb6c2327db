/// A benchmark prompt's trailing whitespace, left for the model to write.
///
/// Byte-level BPE merges a newline with the indentation after it ("\n    " is one token), so a
/// prompt that ends in a lone "\n" token asks the model what follows an unindented line: it writes
/// top-level code, or a stop sequence at once, instead of the function's body.
/// bigcode-evaluation-harness strips HumanEval's prompts for the same reason; the completion is
/// then given back relative to the prompt as it was, so that the harness's prompt + completion is
/// what the model wrote. Training pairs are cut the same way (SupervisedExamples), so that a
/// fine-tuned model learns the body after the prompt as it will be given one.
public struct PromptBoundary: Sendable, Equatable {
    /// The prompt without its trailing whitespace: what the model is given.
    public let head: String
    /// The whitespace taken off.
    public let tail: String

    public init(_ prompt: String) {
        var end = prompt.endIndex
        while end > prompt.startIndex, prompt[prompt.index(before: end)].isWhitespace { end = prompt.index(before: end) }
        head = String(prompt[..<end])
        tail = String(prompt[end...])
    }

    /// A completion of `head` as a completion of the whole prompt: the tail taken off its start
    /// when the model wrote it there; otherwise as written (the prompt's own whitespace then
    /// stands before it, which Python reads the same unless the model continued the last line).
    public func completion(_ text: String) -> String {
        text.hasPrefix(tail) ? String(text.dropFirst(tail.count)) : text
    }
}
