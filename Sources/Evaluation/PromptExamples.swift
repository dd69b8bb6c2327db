/// The worked examples a prompt states, which the Codex paper filters samples on (section 3.4,
/// there for APPS): a sample is submitted only if it gets them right. Read from the prompt's text:
/// - doctests: `>>> f(x)` followed by the answer on the next line, or `>>> f(x) == y`;
/// - `f(x) ==> y`, `f(x) => y`, `f(x) -> y`, `f(x) ➞ y`, `f(x) == y`, `f(x) = y`,
///   `f(x) should return y`, `f(x) returns y`, `f(x) # => y`, each on its own line, bulleted or not,
///   the answer possibly followed by a remark in parentheses or reached by worked arithmetic
///   (`-> 19 - 5 - 6 = 8`);
/// - `Input: x` followed by `Output: y` ("Example 1: Input: arr = [4,2,3] Output: [2,1]"), read as
///   f(x);
/// - `assert ...` lines that name the function (MBPP's prompt shows its first test this way).
/// An example counts only when its arguments and its answer are Python literals (numbers, strings,
/// True/False/None, and lists, tuples, sets and dicts of them), so that prose such as
/// `fib4(n) -> fib4(n-1) + ...` or `is_happy(a) => False` is not mistaken for one.
public enum PromptExample: Sendable, Equatable {
    /// `call` (an expression naming the function) should equal the literal `expected`.
    case comparison(call: String, expected: String)
    /// A statement that must run without raising.
    case statement(String)

    public static func read(prompt: String, entryPoint: String) -> [PromptExample] {
        guard !entryPoint.isEmpty else { return [] }
        let lines = prompt.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var examples: [PromptExample] = []
        var index = 0
        while index < lines.count {
            defer { index += 1 }
            let line = lines[index]
            if line.hasPrefix("assert "), line.contains(entryPoint + "("), PythonLiteral.isBalanced(line[...]) {
                examples.append(.statement(line))
                continue
            }
            if line.hasPrefix(">>>") {
                let expression = stripComment(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
                guard expression.contains(entryPoint + "(") else { continue }
                if let example = comparison(expression[...], entryPoint: entryPoint, requireRelation: true) {
                    examples.append(example)
                } else if let (call, rest) = leadingCall(expression[...], entryPoint: entryPoint) ?? wrappedCall(expression, entryPoint: entryPoint),
                          rest.trimmingCharacters(in: .whitespaces).isEmpty,
                          index + 1 < lines.count, !lines[index + 1].isEmpty, !lines[index + 1].hasPrefix(">>>"),
                          PythonLiteral.isLiteral(lines[index + 1][...]) {
                    examples.append(.comparison(call: call, expected: lines[index + 1]))
                    index += 1
                } else if let (call, rest) = leadingCall(expression[...], entryPoint: entryPoint), PythonLiteral.isLiteral(rest) {
                    // `>>> f(x) y`: the answer on the same line (HumanEval/116).
                    examples.append(.comparison(call: call, expected: rest.trimmingCharacters(in: .whitespaces)))
                }
                continue
            }
            if let input = labelled("input", line) {
                guard index + 1 < lines.count, let output = labelled("output", lines[index + 1]),
                      PythonLiteral.isArguments(input), PythonLiteral.isLiteral(output) else { continue }
                examples.append(.comparison(call: "\(entryPoint)(\(input))", expected: String(output)))
                index += 1
                continue
            }
            var text = line[...]
            while let first = text.first, first == "*" || first == "-" || first == "•" { text = text.dropFirst().drop { $0 == " " } }
            if let example = comparison(text, entryPoint: entryPoint, requireRelation: true) { examples.append(example) }
        }
        return examples
    }

    /// The words that join a call to its answer, longest first so that `==>` is not read as `==`.
    static let relations = ["# =>", "# returns", "should return", "returns", "==>", "=>", "==", "->", "➞", "="]

    /// `f(args) <relation> literal` at the start of `text`.
    static func comparison(_ text: Substring, entryPoint: String, requireRelation: Bool) -> PromptExample? {
        guard let (call, rest) = leadingCall(text, entryPoint: entryPoint) else { return nil }
        let trimmed = rest.drop { $0 == " " || $0 == "\t" }
        guard let relation = relations.first(where: { trimmed.hasPrefix($0) }) else { return nil }
        guard let answer = answer(stripComment(trimmed.dropFirst(relation.count))) else { return nil }
        return .comparison(call: call, expected: answer)
    }

    /// The literal an answer's text gives: all of it, or without a final full stop, or before a
    /// remark in parentheses ("'No' (the name should start with a letter)"), or after the last
    /// " = " of worked arithmetic ("19 - 5 - 6 = 8").
    static func answer(_ text: String) -> String? {
        let text = text.trimmingCharacters(in: .whitespaces)
        // A sentence's full stop first: "should return 16." means 16, not 16.0.
        var candidates = text.hasSuffix(".") ? [String(text.dropLast()), text] : [text]
        if text.hasSuffix(")"), let remark = text.range(of: " (", options: .backwards) { candidates.append(String(text[..<remark.lowerBound])) }
        if let last = text.range(of: " = ", options: .backwards) { candidates.append(String(text[last.upperBound...])) }
        return candidates.map { $0.trimmingCharacters(in: .whitespaces) }.first { PythonLiteral.isLiteral($0[...]) }
    }

    /// The call `entryPoint(...)` that `text` starts with, its arguments literals, and what follows.
    static func leadingCall(_ text: Substring, entryPoint: String) -> (String, Substring)? {
        guard text.hasPrefix(entryPoint + "(") else { return nil }
        let open = text.index(text.startIndex, offsetBy: entryPoint.count)
        guard let close = PythonLiteral.matchingClose(text, open: open) else { return nil }
        let arguments = text[text.index(after: open)..<close]
        guard arguments.allSatisfy({ $0 == " " }) || PythonLiteral.isArguments(arguments) else { return nil }
        return (String(text[...close]), text[text.index(after: close)...])
    }

    /// A doctest expression that wraps the call (`round(find_zero([1, 2]), 2)`), when it is balanced
    /// and the call inside has literal arguments.
    static func wrappedCall(_ expression: String, entryPoint: String) -> (String, Substring)? {
        guard let start = expression.range(of: entryPoint + "("), start.lowerBound != expression.startIndex,
              leadingCall(expression[start.lowerBound...], entryPoint: entryPoint) != nil,
              PythonLiteral.isBalanced(expression[...]) else { return nil }
        return (expression, ""[...])
    }

    /// The text after `Input:` (or `Output:`) at the start of a line, case-insensitively.
    static func labelled(_ label: String, _ line: String) -> Substring? {
        guard line.lowercased().hasPrefix(label + ":") else { return nil }
        let rest = line.dropFirst(label.count + 1).drop { $0 == " " }
        return rest.isEmpty ? nil : rest
    }

    /// `text` without a trailing `# comment` outside strings.
    static func stripComment(_ text: Substring) -> String {
        var index = text.startIndex
        while index < text.endIndex {
            switch text[index] {
            case "\"", "'":
                // An unclosed string runs to the end of the line, so no # after it starts a comment.
                guard let end = PythonLiteral.stringEnd(text, from: index) else { return String(text) }
                index = end
            case "#":
                return String(text[..<index])
            default:
                index = text.index(after: index)
            }
        }
        return String(text)
    }
}
