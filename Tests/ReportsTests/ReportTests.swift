import Foundation
import Testing
@testable import Evaluation
@testable import Reports

func fixture(_ name: String) -> String {
    Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures")!
}

/// Ranking and report figures on fixtures whose answers are worked out by hand in the comments.
@Suite struct RankingTests {
    // T/0: mean log-prob picks the failing sample; sum picks a passing one; 2 of 3 pass.
    // T/1: two samples tie on mean (one passes: 1/2); sum picks a failing one; 1 of 3 pass.
    // T/2: nothing passes.
    @Test func pickersMatchHandWorkedValues() throws {
        let run = try RunSummary(path: fixture("ranking_results.jsonl"))
        let byPicker = Dictionary(uniqueKeysWithValues: run.ranking.map { ($0.picker, $0.passAt1) })
        #expect(abs(byPicker[.meanLogprob]!! - 1.0 / 6.0) < 1e-12)
        #expect(abs(byPicker[.sumLogprob]!! - 1.0 / 3.0) < 1e-12)
        #expect(abs(byPicker[.random]!! - 1.0 / 3.0) < 1e-12)
        #expect(abs(byPicker[.oracle]!! - 2.0 / 3.0) < 1e-12)
        // Random picking is pass@1 by definition.
        #expect(abs(run.passAtK[0].value - byPicker[.random]!!) < 1e-12)
    }

    // T/0: the examples keep a (fails) and b (passes); mean log-prob among them picks a; over all
    // samples it picks c (fails). T/1: the examples keep b (passes); over all, a (fails). T/2: the
    // examples keep nothing, so the task fails. Filter then rank: 1/3; rank alone: 0.
    // Back-translation (highest backtranslation_logprob): T/0 b (passes), T/1 a, T/2 a: 1/3.
    @Test func examplesThenMeanLogprobMatchesHandWorkedValues() throws {
        let run = try RunSummary(path: fixture("filtered_results.jsonl"))
        let byPicker = Dictionary(uniqueKeysWithValues: run.ranking.map { ($0.picker, $0.passAt1) })
        #expect(abs(byPicker[.examplesThenMeanLogprob]!! - 1.0 / 3.0) < 1e-12)
        #expect(byPicker[.meanLogprob]!! == 0)
        #expect(abs(byPicker[.backTranslation]!! - 1.0 / 3.0) < 1e-12)
        #expect(try RunSummary(path: fixture("ranking_results.jsonl")).ranking.first { $0.picker == .examplesThenMeanLogprob }!.passAt1 == nil)
    }

    // Strict judging beside the default: two of four samples pass only by the tests' letter.
    @Test func theHackRateIsReportedWhenBothJudgingsRan() throws {
        let run = try RunSummary(path: fixture("strict_results.jsonl"))
        #expect(run.passedByLetterOnly == 2)
        let (header, rows) = Report(runs: [run], title: "t").summaryTable()
        #expect(header.last == "pass by the tests' letter only (hack rate)" && rows[0].last == "2 (0.5000)")
        #expect(try RunSummary(path: fixture("ranking_results.jsonl")).passedByLetterOnly == nil)
    }

    @Test func samplesWithoutLogprobsCannotBeRanked() throws {
        let run = try RunSummary(path: fixture("cold_results.jsonl"))
        let byPicker = Dictionary(uniqueKeysWithValues: run.ranking.map { ($0.picker, $0.passAt1) })
        #expect(byPicker[.meanLogprob]! == nil)
        #expect(byPicker[.sumLogprob]! == nil)
        #expect(byPicker[.oracle]! == 1.0 / 3.0)
    }

    @Test func passAtKCurveAndIntervals() throws {
        let run = try RunSummary(path: fixture("cold_results.jsonl"))
        // n = 3: pass@1 = (2/3)/3, pass@2 = (1 - C(1,2)/C(3,2))/3 = 1/3, pass@3 = 1/3.
        #expect(run.passAtK.map(\.k) == [1, 2, 3])
        #expect(abs(run.passAtK[0].value - 2.0 / 9.0) < 1e-12)
        #expect(abs(run.passAtK[1].value - 1.0 / 3.0) < 1e-12)
        for estimate in run.passAtK {
            #expect(estimate.low <= estimate.value && estimate.value <= estimate.high)
            #expect(estimate.low >= 0 && estimate.high <= 1)
        }
        #expect(run.temperature == 0.2)
    }

    @Test func bootstrapIsSeededAndBracketsTheMean() {
        let values = (0..<50).map { Double($0 % 7) / 6 }
        let first = Bootstrap.interval(values), second = Bootstrap.interval(values)
        #expect(first == second)
        let mean = values.reduce(0, +) / Double(values.count)
        #expect(first.low < mean && mean < first.high)
        #expect(Bootstrap.interval([0.5, 0.5, 0.5]) == (0.5, 0.5))
    }

    @Test func curveKsFollowTheLadder() {
        #expect(RunSummary.curveKs(upTo: 1) == [1])
        #expect(RunSummary.curveKs(upTo: 12) == [1, 2, 3, 5, 10])
        #expect(RunSummary.curveKs(upTo: 200) == [1, 2, 3, 5, 10, 20, 30, 50, 100, 200])
    }
}

@Suite struct ReportTests {
    @Test func htmlHoldsEveryChartAndNeedsNoNetwork() throws {
        let runs = [try RunSummary(path: fixture("cold_results.jsonl")), try RunSummary(path: fixture("ranking_results.jsonl"))]
        let html = Report(runs: runs).html()
        for id in ["chart-pass-at-k", "chart-temperature", "chart-ranking", "chart-heatmap"] {
            #expect(html.contains("<svg id=\"\(id)\""), "missing \(id)")
        }
        #expect(!html.contains("http://") || !html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"))
        #expect(!html.contains("<script"))
        let markdown = Report(runs: runs).markdown()
        #expect(markdown.contains("| cold | 0.2 | 3 | 9 | 0.2222"))
        #expect(markdown.contains("| ranking | 0.1667 | 0.3333 | 0.3333 | 0.6667 | – | – |"))
    }

    /// k = 1: tasks at 2/2 and 1/2 → 0.75; k = 2: 1/2 and 0/2 → 0.25; k = 3: 0.
    @Test func chainedPassRatesByLength() throws {
        let report = Report(runs: [try RunSummary(path: fixture("chained_results.jsonl"))])
        let points = try #require(report.chainedRates().first).points
        #expect(points.map(\.k) == [1, 2, 3])
        #expect(points.map(\.rate) == [0.75, 0.25, 0])
        #expect(points[0].low <= 0.75 && points[0].high >= 0.75 && points[0].low >= 0.5 && points[0].high <= 1)
        #expect(report.html().contains("<svg id=\"chart-chained\""))
        #expect(report.markdown().contains("| 2 | 0.2500 ["))
        #expect(Report(runs: [try RunSummary(path: fixture("cold_results.jsonl"))]).chainedChart() == nil)
    }

    @Test func temperatureChartOnlyWhenRunsDiffer() throws {
        let run = try RunSummary(path: fixture("cold_results.jsonl"))
        #expect(Report(runs: [run]).temperatureChart() == nil)
        #expect(!Report(runs: [run]).html().contains("chart-temperature"))
    }

    @Test func resultsWithoutVerdictsAreRefusedByLine() throws {
        let path = NSTemporaryDirectory() + "/codeloop-report-\(UInt32.random(in: 0...UInt32.max)).jsonl"
        try "{\"task_id\": \"a\", \"completion\": \"x\"}\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: EvaluationError.self) { try RunSummary(path: path) }
        do { _ = try RunSummary(path: path) } catch { #expect("\(error)".contains("\(path):1:")) }
    }
}
