import Backends
import Evaluation
import Foundation

/// Adds to every line of a samples file the log-probability of its task's docstring after its
/// code (Problem.backTranslation), for `report`'s back-translation picker.
public enum BackTranslationScoring {
    /// Writes `out` (the samples with the field added, in their order) and returns how many lines
    /// were scored; lines whose task has no docstring, and solutions, get no field.
    public static func run(samples: SampleFile, problems: ProblemSet, backend: any CompletionBackend, out: String,
                           concurrency: Int) async throws -> Int {
        var scores = [Double?](repeating: nil, count: samples.samples.count)
        try await forEachConcurrently(samples.samples, limit: concurrency, { sample in
            // A solution carries its own docstring, or none: only completions of the prompt are scored.
            guard case .completion(let completion) = sample.code,
                  let text = problems[sample.taskID]?.backTranslation(completion: completion) else { return nil }
            return try await backend.logprob(of: text.docstring, after: text.context)
        }, onResult: { scores[$0] = $1 })
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
