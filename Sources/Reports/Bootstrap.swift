import Seeding

/// Percentile bootstrap over tasks: the spread of a mean of per-task values when the tasks
/// themselves are a sample. Seeded, so a report shows the same interval every time.
public enum Bootstrap {
    public static func interval(_ values: [Double], resamples: Int = 1000, level: Double = 0.95, seed: UInt64 = 0) -> (low: Double, high: Double) {
        guard values.count > 1 else { return (values.first ?? 0, values.first ?? 0) }
        var generator = SplitMix64(seed: seed)
        var means: [Double] = []
        means.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var sum = 0.0
            for _ in 0..<values.count { sum += values[Int(generator.next() % UInt64(values.count))] }
            means.append(sum / Double(values.count))
        }
        means.sort()
        let tail = (1 - level) / 2
        let low = means[Int((tail * Double(resamples)).rounded(.down))]
        let high = means[min(resamples - 1, Int(((1 - tail) * Double(resamples)).rounded(.down)))]
        return (low, high)
    }
}
