import Foundation

/// Whether a program's stdout answers an APPS test case, compared the way APPS's own
/// eval/testing_util.py does for standard-input problems: stripped text, line by line, numbers
/// within tolerance, and finally lines as unordered sets of tokens.
enum AppsOutput {
    static func matches(_ stdout: String, expected: String) -> Bool {
        let output = pythonSplitLines(stdout)
        // custom_compare_: the joined output, or its stripped lines, equal the stripped answer.
        let answer = strip(expected)
        if strip(output.joined(separator: "\n")) == answer { return true }
        if strip(output.map(strip).joined(separator: "\n")) == answer { return true }
        if output == [expected] { return true }
        // The answer's non-empty lines, stripped, against the output's lines as printed.
        let answerLines = expected.components(separatedBy: "\n").filter { !$0.isEmpty }.map(strip)
        if output == answerLines { return true }
        let nonEmpty = output.filter { !$0.isEmpty }
        if nonEmpty == answerLines { return true }
        // Every line a number: np.allclose with its defaults (rtol 1e-5, atol 1e-8).
        let outputNumbers = nonEmpty.map { Double(strip($0)) }, answerNumbers = answerLines.map { Double(strip($0)) }
        if outputNumbers.count == answerNumbers.count, !outputNumbers.isEmpty,
           outputNumbers.allSatisfy({ $0 != nil }), answerNumbers.allSatisfy({ $0 != nil }),
           zip(outputNumbers, answerNumbers).allSatisfy({ abs($0! - $1!) <= 1e-8 + 1e-5 * abs($1!) }) {
            return true
        }
        // Lines as sets of whitespace-separated tokens, compared as a set of sets.
        let answerSets = Set(answerLines.map { Set(tokens($0)) })
        let outputSets = Set(nonEmpty.map(tokens).filter { !$0.isEmpty }.map { Set($0) })
        if outputSets == answerSets { return true }
        // The same with every token a number rounded to 3 decimals.
        func rounded(_ sets: Set<Set<String>>) -> Set<Set<Double>>? {
            var result = Set<Set<Double>>()
            for line in sets {
                var numbers = Set<Double>()
                for token in line {
                    guard let value = Double(token) else { return nil }
                    numbers.insert((value * 1000).rounded(.toNearestOrEven) / 1000)
                }
                result.insert(numbers)
            }
            return result
        }
        if let a = rounded(outputSets), let b = rounded(answerSets), a == b { return true }
        return false
    }

    static func strip(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    static func tokens(_ line: String) -> [String] {
        line.split(whereSeparator: { $0.isWhitespace }).map(String.init)
    }

    /// str.splitlines(): "\n", "\r\n" and "\r" end lines; a final line ending adds no empty line.
    static func pythonSplitLines(_ text: String) -> [String] {
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
