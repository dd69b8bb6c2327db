/// One of N parts of a problem set, for runs spread over machines (SLURM array tasks, Kubernetes
/// indexed Jobs): task at position p of the set belongs to shard p mod N, so each shard gets a
/// spread of the set (its easy and hard tasks alike) and the split never depends on the samples.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// "i/N" with 0 ≤ i < N (SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX count from 0).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (0..<count).contains(index) else {
            throw EvaluationError("--shard \(text): expected i/N with 0 ≤ i < N, e.g. 0/4")
        }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// The set's problems that belong to this shard, in the set's order.
    public func problems(of set: ProblemSet) -> ProblemSet {
        let kept = set.problems.enumerated().filter { $0.offset % count == index }.map(\.element)
        return ProblemSet(name: "\(set.name) (shard \(self))", problems: kept, stops: set.stops)
    }
}
