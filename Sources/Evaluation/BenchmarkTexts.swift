import Foundation

/// The texts of the bundled benchmarks that a training corpus must not contain (bigcode's
/// decontamination for StarCoder): each problem's statement — a prompt's docstring, an MBPP task
/// text, an APPS question — and its canonical solution, labelled by benchmark and kind.
public enum BenchmarkTexts {
    public static func all() throws -> [(rule: String, text: String)] {
        var texts: [(String, String)] = []
        for (name, label) in [("humaneval", "HumanEval"), ("mbpp", "MBPP"), ("apps", "APPS")] {
            for problem in try ProblemSet.load(name).problems {
                texts.append(("\(label) statement", docstring(of: problem.prompt) ?? problem.prompt))
                let solution = problem.canonicalSolution.trimmingCharacters(in: .whitespacesAndNewlines)
                if !solution.isEmpty { texts.append(("\(label) solution", solution)) }
            }
        }
        return texts
    }

    /// The inside of a prompt's last triple-quoted string, trimmed, or nil if it has none.
    static func docstring(of prompt: String) -> String? {
        for quote in ["\"\"\"", "'''"] {
            let parts = prompt.components(separatedBy: quote)
            if parts.count >= 3 {
                return parts[parts.count - 2].trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return nil
    }
}
