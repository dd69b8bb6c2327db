import Foundation

/// Results files of shards (`evaluate --shard i/N`, or evaluate on `generate --shard` output)
/// joined into the file an unsharded run writes: every line kept as written, ordered by its
/// task's position in the problem set (a task's own lines in their order), and the per-task
/// counts pass@k is estimated from.
public struct ResultsMerge {
    public let lines: [String]
    public let counts: [(taskID: String, n: Int, c: Int)]

    public init(paths: [String], problems: ProblemSet) throws {
        var rows: [(position: Int, order: Int, line: String, taskID: String, passed: Bool)] = []
        var owner: [String: Int] = [:]  // task → the argument it came from
        for (index, path) in paths.enumerated() {
            for line in try JSONLines.read(path) {
                let taskID = try line.string("task_id", in: path)
                guard let position = problems.position(of: taskID) else {
                    throw EvaluationError.at(path, line: line.number, "task_id \"\(taskID)\" is not in \(problems.name)")
                }
                if let other = owner[taskID], other != index {
                    throw EvaluationError.at(path, line: line.number, "task \"\(taskID)\" is also in \(paths[other]): shards must not overlap")
                }
                owner[taskID] = index
                guard let passed = line.object["passed"] as? Bool else {
                    throw EvaluationError.at(path, line: line.number, "no \"passed\" field (is this a results file from `codeloop evaluate`?)")
                }
                rows.append((position, rows.count, line.text, taskID, passed))
            }
        }
        rows.sort { ($0.position, $0.order) < ($1.position, $1.order) }
        lines = rows.map(\.line)
        var counts: [(taskID: String, n: Int, c: Int)] = []
        for row in rows {
            if counts.last?.taskID != row.taskID { counts.append((row.taskID, 0, 0)) }
            counts[counts.count - 1].n += 1
            if row.passed { counts[counts.count - 1].c += 1 }
        }
        self.counts = counts
    }

    /// pass@k for each k that every task has enough samples for.
    public func passAtK(_ ks: [Int]) -> [(k: Int, value: Double)] {
        let smallest = counts.map(\.n).min() ?? 0
        return ks.filter { $0 <= smallest }.map { ($0, PassAtK.mean(counts: counts.map { ($0.n, $0.c) }, k: $0)) }
    }

    public func write(to path: String) throws { try ResultsFile.write(lines, to: path) }
}
