import Evaluation

/// Picking one sample per task without running the tests, as in figure 7 of the Codex paper:
/// by the model's mean or summed token log-probability, at random, or by an oracle that knows
/// which samples pass; or, as section 3.4 does for APPS, among the samples that pass the prompt's
/// examples by mean log-prob (a task where none does counts as failed, as filtered pass@k has it).
public enum Picker: String, CaseIterable, Sendable {
    case meanLogprob = "mean log-prob"
    case sumLogprob = "sum log-prob"
    case random = "random"
    case oracle = "oracle"
    case examplesThenMeanLogprob = "examples, then mean log-prob"
    /// Codex-D's ranking: the log-probability of the task's docstring after the sample's code.
    case backTranslation = "back-translation"

    /// The chance that the sample picked for one task passes. Ties in log-probability are
    /// broken uniformly at random, so their share of passes is the expectation; random picking
    /// is c/n. nil when the samples carry no log-probabilities.
    public func passProbability(_ samples: [EvaluatedSample]) -> Double? {
        guard !samples.isEmpty else { return nil }
        switch self {
        case .random:
            return Double(samples.filter(\.verdict.passed).count) / Double(samples.count)
        case .oracle:
            return samples.contains(where: \.verdict.passed) ? 1 : 0
        case .examplesThenMeanLogprob:
            let submitted = samples.filter { $0.verdict.publicPassed ?? true }
            return submitted.isEmpty ? 0 : Picker.meanLogprob.passProbability(submitted)
        case .meanLogprob, .sumLogprob, .backTranslation:
            let scores = samples.map(score)
            guard scores.allSatisfy({ $0 != nil }), let best = scores.compactMap({ $0 }).max() else { return nil }
            let top = samples.indices.filter { scores[$0] == best }
            return Double(top.filter { samples[$0].verdict.passed }.count) / Double(top.count)
        }
    }

    /// What a score-ranking picker ranks a sample by; nil for the others.
    func score(_ sample: EvaluatedSample) -> Double? {
        switch self {
        case .meanLogprob: return sample.meanLogprob
        case .sumLogprob: return sample.sumLogprob
        case .backTranslation: return sample.backTranslationLogprob
        case .random, .oracle, .examplesThenMeanLogprob: return nil
        }
    }

    /// pass@1 after picking: the mean over tasks; nil when any task cannot be ranked, or, for the
    /// example filter, when no sample was run on examples.
    public func passAt1(_ tasks: [[EvaluatedSample]]) -> Double? {
        if self == .examplesThenMeanLogprob, !tasks.joined().contains(where: { $0.verdict.publicPassed != nil }) { return nil }
        var total = 0.0
        for samples in tasks {
            guard let p = passProbability(samples) else { return nil }
            total += p
        }
        return tasks.isEmpty ? nil : total / Double(tasks.count)
    }
}
