import Foundation

/// The worked examples of an APPS problem statement, which the Codex paper filters samples on
/// (section 3.4: a sample is submitted only if it passes the statement's examples).
/// Statements come from Codeforces ("-----Examples-----" then "Input"/"Output" pairs), AtCoder
/// ("-----Sample Input-----", "-----Sample Output-----") and Kattis ("Sample Input 1:").
enum StatementExamples {
    private enum Marker { case input, output, examplesHeader, otherHeader, none }

    /// The marker a line is: an example's input or output label, the examples section header,
    /// another section header ("-----Note-----"), or plain text.
    private static func marker(_ line: String, inExamples: Bool) -> Marker {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        let isHeader = trimmed.hasPrefix("---") && trimmed.hasSuffix("---") && trimmed.count > 6
        let words = trimmed.lowercased()
            .trimmingCharacters(in: CharacterSet(charactersIn: "-: \t"))
            .split(separator: " ").map(String.init)
        guard !words.isEmpty, words.count <= 3 else { return isHeader ? .otherHeader : .none }
        var rest = words[...]
        let sample = rest.first == "sample" || rest.first == "example"
        if sample { rest = rest.dropFirst() }
        if let last = rest.last, rest.count == 2, Int(last) != nil { rest = rest.dropLast() }
        if rest.count == 1 && (sample || inExamples) {
            if rest.first == "input" { return .input }
            if rest.first == "output" { return .output }
        }
        if words.count <= 2, ["example", "examples", "sample", "samples"].contains(words[0]), words.count == 1 || Int(words[1]) != nil {
            return .examplesHeader
        }
        return isHeader ? .otherHeader : .none
    }

    static func parse(_ statement: String) -> [IOCase] {
        var cases: [IOCase] = []
        var inExamples = false
        var input: [String]? = nil
        var output: [String]? = nil
        func finish() {
            if let i = input, let o = output {
                let text = trimBlankEnds(i), expected = trimBlankEnds(o)
                if !text.isEmpty || !expected.isEmpty {
                    cases.append(IOCase(input: text.joined(separator: "\n") + "\n", output: expected.joined(separator: "\n") + "\n"))
                }
            }
            input = nil
            output = nil
        }
        for line in statement.components(separatedBy: "\n") {
            switch marker(line, inExamples: inExamples) {
            case .examplesHeader:
                finish()
                inExamples = true
            case .input:
                finish()
                input = []
            case .output:
                if input != nil { output = [] }
            case .otherHeader:
                finish()
                inExamples = false
            case .none:
                if output != nil {
                    // An output ends at a blank line once it has text: what follows is explanation.
                    if line.trimmingCharacters(in: .whitespaces).isEmpty {
                        if !(output!.isEmpty) { finish() }
                    } else {
                        output!.append(line)
                    }
                } else if input != nil {
                    input!.append(line)
                }
            }
        }
        finish()
        return cases
    }

    private static func trimBlankEnds(_ lines: [String]) -> [String] {
        var lines = lines[...]
        while let first = lines.first, first.trimmingCharacters(in: .whitespaces).isEmpty { lines = lines.dropFirst() }
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines = lines.dropLast() }
        return Array(lines)
    }
}
