/// Per-task tallies of verdicts, in order of each task's first sample.
public enum TaskCounts {
    /// (task_id, n, c) with c the samples for which `passes` holds.
    public static func count(_ verdicts: [(String, Verdict)], passes: (Verdict) -> Bool) -> [(taskID: String, n: Int, c: Int)] {
        var order: [String] = []
        var counts: [String: (n: Int, c: Int)] = [:]
        for (taskID, verdict) in verdicts {
            if counts[taskID] == nil { order.append(taskID) }
            var entry = counts[taskID] ?? (0, 0)
            entry.n += 1
            if passes(verdict) { entry.c += 1 }
            counts[taskID] = entry
        }
        return order.map { (taskID: $0, n: counts[$0]!.n, c: counts[$0]!.c) }
    }

    /// Per task: samples that passed the public examples, and of those the ones that passed.
    public static func filtered(_ verdicts: [(String, Verdict)]) -> [(taskID: String, submitted: Int, correct: Int)] {
        let submitted = count(verdicts) { $0.publicPassed ?? true }
        let correct = count(verdicts) { ($0.publicPassed ?? true) && $0.passed }
        return zip(submitted, correct).map { (taskID: $0.taskID, submitted: $0.c, correct: $1.c) }
    }
}
