import Foundation

/// Sentence BLEU of a sample against a task's canonical solution, for the Codex paper's figure 14
/// (BLEU does not track functional correctness). BLEU-4 (Papineni et al. 2002) with uniform
/// weights and one reference, smoothed by Lin & Och (2004) — add one to the numerator and
/// denominator of the 2- to 4-gram precisions, NLTK's `SmoothingFunction().method2` — over code
/// tokens: identifiers and keywords, numbers, and every other non-space character on its own
/// (`BLEU.tokenize`). Equal to NLTK 3.10's sentence_bleu on the same tokens (tested on fixtures
/// written by scripts/fixtures/make_bleu_fixtures.py).
public enum BLEU {
    /// ASCII identifiers (with keywords), numbers (with a decimal part), and each other character
    /// that is not ASCII white space — Python's `re.findall(r"[A-Za-z_]\w*|\d+(?:\.\d+)?|\S", code, re.ASCII)`.
    public static func tokenize(_ code: String) -> [String] {
        var tokens: [String] = []
        let scalars = Array(code.unicodeScalars)
        var i = 0
        func isDigit(_ s: Unicode.Scalar) -> Bool { ("0"..."9").contains(s) }
        func isIdentifierStart(_ s: Unicode.Scalar) -> Bool { s == "_" || ("a"..."z").contains(s) || ("A"..."Z").contains(s) }
        func isIdentifierPart(_ s: Unicode.Scalar) -> Bool { isIdentifierStart(s) || isDigit(s) }
        while i < scalars.count {
            let s = scalars[i]
            var j = i + 1
            if [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}"].contains(s) {
                i = j
                continue
            } else if isIdentifierStart(s) {
                while j < scalars.count, isIdentifierPart(scalars[j]) { j += 1 }
            } else if isDigit(s) {
                while j < scalars.count, isDigit(scalars[j]) { j += 1 }
                if j + 1 < scalars.count, scalars[j] == ".", isDigit(scalars[j + 1]) {
                    j += 1
                    while j < scalars.count, isDigit(scalars[j]) { j += 1 }
                }
            }
            var token = String.UnicodeScalarView()
            token.append(contentsOf: scalars[i..<j])
            tokens.append(String(token))
            i = j
        }
        return tokens
    }

    /// BLEU-4 of `hypothesis` against `reference` (both token lists), in [0, 1].
    public static func sentence(hypothesis: [String], reference: [String]) -> Double {
        guard !hypothesis.isEmpty else { return 0 }
        var logSum = 0.0
        for n in 1...4 {
            let hypothesisGrams = ngrams(hypothesis, n), referenceGrams = ngrams(reference, n)
            let matched = hypothesisGrams.reduce(0) { $0 + min($1.value, referenceGrams[$1.key] ?? 0) }
            let total = max(1, hypothesisGrams.values.reduce(0, +))
            if n == 1 && matched == 0 { return 0 }
            let precision = n == 1 ? Double(matched) / Double(total) : Double(matched + 1) / Double(total + 1)
            logSum += 0.25 * log(precision)
        }
        let c = Double(hypothesis.count), r = Double(reference.count)
        let brevity = c > r ? 1 : exp(1 - r / c)
        return brevity * exp(logSum)
    }

    /// BLEU-4 of a sample's code against the canonical solution's, after `tokenize`.
    public static func sentence(_ sample: String, reference: String) -> Double {
        sentence(hypothesis: tokenize(sample), reference: tokenize(reference))
    }

    static func ngrams(_ tokens: [String], _ n: Int) -> [[String]: Int] {
        var counts: [[String]: Int] = [:]
        guard tokens.count >= n else { return counts }
        for start in 0...(tokens.count - n) { counts[Array(tokens[start..<(start + n)]), default: 0] += 1 }
        return counts
    }
}
