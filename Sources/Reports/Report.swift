import Evaluation
import Foundation

/// A report over one or more evaluated runs: a self-contained HTML page with SVG charts, and a
/// Markdown summary of the same numbers.
public struct Report: Sendable {
    /// Writes the HTML page, and the Markdown beside it when asked.
    public func write(html: String, markdown: String?) throws {
        guard FileManager.default.createFile(atPath: html, contents: Data(self.html().utf8)) else {
            throw EvaluationError.file(html, "cannot be written")
        }
        if let markdown, !FileManager.default.createFile(atPath: markdown, contents: Data(self.markdown().utf8)) {
            throw EvaluationError.file(markdown, "cannot be written")
        }
    }

    public let runs: [RunSummary]
    public let title: String

    /// Plot-area tints, one per chart kind (see scripts/check_report_png.py).
    public static let tints = ["pass-at-k": "#eaf1fb", "temperature": "#eaf8ec", "ranking": "#fbf1e6", "heatmap": "#f3ecfa",
                               "bleu": "#f7f7e6", "chained": "#e6f6f7"]

    public init(runs: [RunSummary], title: String = "codeloop report") {
        self.runs = runs
        self.title = title
    }

    /// The ks every run can estimate, for tables: 1, 10, 100 where n allows.
    var tableKs: [Int] {
        let n = runs.map(\.minSamplesPerTask).min() ?? 0
        return [1, 10, 100].filter { $0 <= n }
    }

    static func format(_ estimate: RunSummary.Estimate?) -> String {
        guard let estimate else { return "–" }
        return String(format: "%.4f [%.3f, %.3f]", estimate.value, estimate.low, estimate.high)
    }

    /// Runs that differ in temperature, sorted by it; empty when fewer than two temperatures.
    var temperatureRuns: [RunSummary] {
        let withT = runs.filter { $0.temperature != nil }
        return Set(withT.compactMap(\.temperature)).count >= 2 ? withT.sorted { $0.temperature! < $1.temperature! } : []
    }

    /// (columns, rows) of the summary table.
    func summaryTable() -> ([String], [[String]]) {
        var header = ["run", "T", "tasks", "samples"] + tableKs.map { "pass@\($0) [95% CI]" }
        let hasBase = runs.contains { $0.basePassAtK != nil }, hasFiltered = runs.contains { $0.filteredPassAtK != nil }
        if hasBase { header += tableKs.map { "base tests pass@\($0)" } }
        if hasFiltered { header += tableKs.map { "filtered pass@\($0)" } }
        let hasStrict = runs.contains { $0.passedByLetterOnly != nil }
        if hasStrict { header.append("pass by the tests' letter only (hack rate)") }
        let rows = runs.map { run -> [String] in
            var row = [run.label, run.temperature.map { String(format: "%g", $0) } ?? "–", String(run.tasks.count), String(run.samples)]
            func pick(_ estimates: [RunSummary.Estimate]?, _ k: Int) -> String { Self.format(estimates?.first { $0.k == k }) }
            row += tableKs.map { pick(run.passAtK, $0) }
            if hasBase { row += tableKs.map { pick(run.basePassAtK, $0) } }
            if hasFiltered { row += tableKs.map { pick(run.filteredPassAtK, $0) } }
            if hasStrict {
                row.append(run.passedByLetterOnly.map { String(format: "%d (%.4f)", $0, Double($0) / Double(max(run.samples, 1))) } ?? "–")
            }
            return row
        }
        return (header, rows)
    }

    func rankingTable() -> ([String], [[String]]) {
        (["run"] + Picker.allCases.map { "pass@1, \($0.rawValue)" },
         runs.map { run in [run.label] + run.ranking.map { $0.passAt1.map { String(format: "%.4f", $0) } ?? "–" } })
    }

    // MARK: charts

    func passAtKChart() -> LineChart {
        var series: [LineChart.Series] = []
        for run in runs {
            series.append(.init(name: run.label, points: run.passAtK.map { .init(x: Double($0.k), y: $0.value, low: $0.low, high: $0.high) }))
            if let filtered = run.filteredPassAtK {
                series.append(.init(name: run.label + " (filtered)", points: filtered.map { .init(x: Double($0.k), y: $0.value, low: $0.low, high: $0.high) }))
            }
            if let base = run.basePassAtK {
                series.append(.init(name: run.label + " (base tests)", points: base.map { .init(x: Double($0.k), y: $0.value, low: $0.low, high: $0.high) }))
            }
        }
        return LineChart(id: "chart-pass-at-k", title: "pass@k against k (95% bootstrap CI over tasks)", xLabel: "k (samples per task)",
                         yLabel: "pass@k", logX: true, series: series, background: Self.tints["pass-at-k"]!)
    }

    func temperatureChart() -> LineChart? {
        let sorted = temperatureRuns
        guard !sorted.isEmpty else { return nil }
        let n = sorted.map(\.minSamplesPerTask).min() ?? 0
        let series = [1, 10, 100].filter { $0 <= n }.map { k in
            LineChart.Series(name: "pass@\(k)", points: sorted.compactMap { run in
                run.passAtK.first { $0.k == k }.map { .init(x: run.temperature!, y: $0.value, low: $0.low, high: $0.high) }
            })
        }
        return LineChart(id: "chart-temperature", title: "pass@k against sampling temperature", xLabel: "temperature",
                         yLabel: "pass@k", logX: false, series: series, background: Self.tints["temperature"]!)
    }

    func rankingChart() -> BarChart {
        BarChart(id: "chart-ranking", title: "pass@1 after picking one sample per task", yLabel: "pass@1",
                 groups: runs.map(\.label), categories: Picker.allCases.map(\.rawValue),
                 values: runs.map { $0.ranking.map(\.passAt1) }, background: Self.tints["ranking"]!)
    }

    /// The Codex paper's figure 14: how BLEU against the canonical solution spreads over passing and
    /// failing samples (runs evaluated with --bleu), as the share of each class per BLEU tenth, and
    /// the overlap of the two distributions (the sum of their smaller shares; 1 = indistinguishable).
    func bleuChart() -> (chart: BarChart, overlap: Double, means: (passing: Double, failing: Double))? {
        let samples = runs.flatMap { $0.tasks.joined() }.filter { $0.verdict.bleu != nil }
        let passing = samples.filter(\.verdict.passed).map { $0.verdict.bleu! }, failing = samples.filter { !$0.verdict.passed }.map { $0.verdict.bleu! }
        guard !passing.isEmpty, !failing.isEmpty else { return nil }
        func shares(_ values: [Double]) -> [Double] {
            var counts = [Double](repeating: 0, count: 10)
            for value in values { counts[min(9, Int(value * 10))] += 1 }
            return counts.map { $0 / Double(values.count) }
        }
        let p = shares(passing), f = shares(failing)
        let overlap = zip(p, f).reduce(0) { $0 + min($1.0, $1.1) }
        let chart = BarChart(id: "chart-bleu", title: String(format: "BLEU against the canonical solution: passing and failing samples (overlap %.2f)", overlap),
                             yLabel: "share of samples", groups: (0..<10).map { String(format: "%.1f–%.1f", Double($0) / 10, Double($0 + 1) / 10) },
                             categories: ["passing", "failing"], values: (0..<10).map { [p[$0], f[$0]] }, background: Self.tints["bleu"]!)
        return (chart, overlap, (passing.reduce(0, +) / Double(passing.count), failing.reduce(0, +) / Double(failing.count)))
    }

    /// The Codex paper's figure 11: pass rate against the number of operations a docstring chains
    /// (runs over `--problems chained`), per run, with a 95% bootstrap interval over the tasks of each k.
    func chainedRates() -> [(run: String, points: [(k: Int, rate: Double, low: Double, high: Double)])] {
        runs.compactMap { run in
            var rates: [Int: [Double]] = [:]
            for (taskID, samples) in zip(run.taskIDs, run.tasks) {
                guard let k = ChainedTasks.length(ofTaskID: taskID) else { continue }
                rates[k, default: []].append(Double(samples.filter(\.verdict.passed).count) / Double(samples.count))
            }
            guard !rates.isEmpty else { return nil }
            return (run.label, rates.keys.sorted().map { k in
                let interval = Bootstrap.interval(rates[k]!)
                return (k, rates[k]!.reduce(0, +) / Double(rates[k]!.count), interval.low, interval.high)
            })
        }
    }

    func chainedChart() -> LineChart? {
        let rates = chainedRates()
        guard !rates.isEmpty else { return nil }
        return LineChart(id: "chart-chained", title: "Pass rate against the number of operations the docstring chains (95% bootstrap CI over tasks)",
                         xLabel: "operations chained (k)", yLabel: "pass rate (pass@1)", logX: false,
                         series: rates.map { run in .init(name: run.run, points: run.points.map { .init(x: Double($0.k), y: $0.rate, low: $0.low, high: $0.high) }) },
                         background: Self.tints["chained"]!)
    }

    func heatMap() -> HeatMap {
        var taskIDs: [String] = []
        var seen = Set<String>()
        for run in runs { for id in run.taskIDs where seen.insert(id).inserted { taskIDs.append(id) } }
        return HeatMap(id: "chart-heatmap", title: "Per-task pass rate", rows: runs.map(\.label), columns: taskIDs,
                       values: runs.map { run in taskIDs.map { run.passRate($0) } }, background: Self.tints["heatmap"]!)
    }

    // MARK: output

    public func html() -> String {
        func table(_ content: ([String], [[String]])) -> String {
            "<table><tr>" + content.0.map { "<th>\(SVG.escape($0))</th>" }.joined() + "</tr>"
                + content.1.map { "<tr>" + $0.map { "<td>\(SVG.escape($0))</td>" }.joined() + "</tr>" }.joined() + "</table>"
        }
        var body = "<h1>\(SVG.escape(title))</h1>"
        body += "<p>\(runs.count) run\(runs.count == 1 ? "" : "s"). pass@k is the unbiased estimator of Chen et al. (2021); intervals are 95% percentile bootstrap over tasks (1,000 resamples). Filtered pass@k submits only samples that pass the problem statement's examples.</p>"
        body += "<h2>Summary</h2>" + table(summaryTable())
        body += "<h2>pass@k</h2><figure>" + passAtKChart().svg() + "</figure>"
        if let chart = temperatureChart() { body += "<h2>Temperature</h2><figure>" + chart.svg() + "</figure>" }
        body += "<h2>Ranking</h2><figure>" + rankingChart().svg() + "</figure>" + table(rankingTable())
        body += "<h2>Tasks</h2><figure>" + heatMap().svg() + "</figure>"
        if let bleu = bleuChart() {
            body += "<h2>BLEU and correctness</h2><p>" + String(format: "Mean BLEU %.3f for passing samples, %.3f for failing ones; the distributions overlap by %.2f. ", bleu.means.passing, bleu.means.failing, bleu.overlap)
                + "Sentence BLEU-4 against the canonical solution over code tokens (identifiers, numbers, other characters), smoothed as Lin &amp; Och (2004).</p><figure>" + bleu.chart.svg() + "</figure>"
        }
        if let chart = chainedChart() {
            body += "<h2>Chained docstrings</h2><p>Synthetic tasks that chain k of 13 string operations (the Codex paper's section 6 and figure 11; docs/CHAINED.md).</p><figure>" + chart.svg() + "</figure>"
        }
        body += "<h2>Runs</h2><ul>" + runs.map { "<li>\(SVG.escape($0.label)): \(SVG.escape($0.path))</li>" }.joined() + "</ul>"
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(SVG.escape(title))</title>
        <style>
        body { font-family: sans-serif; margin: 24px; color: #222; background: #fff; }
        table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
        th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; }
        th { background: #f4f4f4; }
        figure { margin: 8px 0; }
        </style></head>
        <body>\(body)</body></html>

        """
    }

    public func markdown() -> String {
        func table(_ content: ([String], [[String]])) -> String {
            "| " + content.0.joined(separator: " | ") + " |\n|" + content.0.map { _ in "---|" }.joined() + "\n"
                + content.1.map { "| " + $0.joined(separator: " | ") + " |\n" }.joined()
        }
        var out = "# \(title)\n\n" + table(summaryTable()) + "\n## Ranking (pass@1 after picking one sample per task)\n\n" + table(rankingTable())
        let sorted = temperatureRuns
        if !sorted.isEmpty {
            out += "\n## Temperature\n\n| T | " + tableKs.map { "pass@\($0)" }.joined(separator: " | ") + " |\n|---|" + tableKs.map { _ in "---|" }.joined() + "\n"
            for run in sorted {
                out += "| \(String(format: "%g", run.temperature!)) | " + tableKs.map { k in run.passAtK.first { $0.k == k }.map { String(format: "%.4f", $0.value) } ?? "–" }.joined(separator: " | ") + " |\n"
            }
        }
        if let bleu = bleuChart() {
            out += String(format: "\n## BLEU and correctness\n\nMean BLEU %.3f (passing), %.3f (failing); overlap of the distributions %.2f.\n",
                          bleu.means.passing, bleu.means.failing, bleu.overlap)
        }
        for run in chainedRates() {
            out += "\n## Chained docstrings: \(run.run)\n\n| k | pass rate [95% CI] |\n|---|---|\n"
            out += run.points.map { String(format: "| %d | %.4f [%.3f, %.3f] |\n", $0.k, $0.rate, $0.low, $0.high) }.joined()
        }
        return out
    }
}
