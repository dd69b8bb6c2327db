import Backends
import Evaluation
import Foundation

/// Adds to every line of a samples file the log-probability of its task's docstring after its
/// code (Problem.backTranslation), for `report`'s back-translation picker.
public enum BackTranslationScoring {
    /// Writes `out` (the samples with the field added, in their order) and returns how many lines
    /// were scored; lines whose task has no docstring get no field.
    public static func run(samples: SampleFile, problems: ProblemSet, backend: any CompletionBackend, out: String,
                           concurrency: Int) async throws -> Int {
        let scores = try await withThrowingTaskGroup(of: (Int, Double?).self) { group in
            var results = [Double?](repeating: nil, count: samples.samples.count)
            var next = 0
            func submit() {
                let index = next, sample = samples.samples[index]
                next += 1
                group.addTask {
                    guard let text = problems[sample.taskID]?.backTranslation(completion: sample.completion) else { return (index, nil) }
                    return (index, try await backend.logprob(of: text.docstring, after: text.context))
                }
            }
            while next < min(concurrency, samples.samples.count) { submit() }
            for try await (index, score) in group {
                results[index] = score
                if next < samples.samples.count { submit() }
            }
            return results
        }
        var text = ""
        for (sample, score) in zip(samples.samples, scores) {
            guard var object = try JSONSerialization.jsonObject(with: Data(sample.line.utf8)) as? [String: Any] else { continue }
            object[BackTranslationField.name] = score
            text += String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self) + "\n"
        }
        try text.write(toFile: out, atomically: true, encoding: .utf8)
        return scores.compactMap { $0 }.count
    }
}
