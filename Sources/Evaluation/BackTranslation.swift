import Foundation

extension Problem {
    /// The text of Codex-D's ranking (the Codex paper's section 5.2, figure 7): the sample's code
    /// with the task's docstring taken out, then the docstring after it, as a model trained to
    /// write docstrings from code would continue. A sample is scored by the log-probability of
    /// `docstring` after `context`. The docstring is the one of the entry point's `def`, or the
    /// prompt's first triple-quoted string (MBPP's prompt is only a docstring); nil when there is
    /// none.
    public func backTranslation(completion: String) -> (context: String, docstring: String)? {
        let start = prompt.range(of: "def \(entryPoint)(")?.upperBound ?? prompt.startIndex
        let quotes = ["\"\"\"", "'''"].compactMap { prompt.range(of: $0, range: start..<prompt.endIndex) }
        guard let open = quotes.min(by: { $0.lowerBound < $1.lowerBound }),
              let close = prompt.range(of: String(prompt[open]), range: open.upperBound..<prompt.endIndex) else { return nil }
        let text = prompt[open.upperBound..<close.lowerBound]
        // Whole lines go: the docstring's first line from its indentation, the last to its newline.
        let lineStart = prompt[..<open.lowerBound].lastIndex(of: "\n").map { prompt.index(after: $0) } ?? prompt.startIndex
        let lineEnd = prompt[close.upperBound...].firstIndex(of: "\n").map { prompt.index(after: $0) } ?? prompt.endIndex
        var code = String(prompt[..<lineStart] + prompt[lineEnd...]) + completion
        while code.hasSuffix("\n") { code.removeLast() }
        return (code + "\n\n\n\"\"\"", String(text) + "\"\"\"")
    }
}

/// The samples-file field `codeloop backtranslate` adds.
public enum BackTranslationField {
    public static let name = "backtranslation_logprob"
}
