import Evaluation
import Foundation

/// One evaluated run (a results file) reduced to what a report shows.
public struct RunSummary: Sendable {
    /// An estimate with its bootstrap confidence interval over tasks.
    public struct Estimate: Sendable {
        public let k: Int
        public let value: Double
        public let low: Double
        public let high: Double
    }

    public let label: String
    public let path: String
    /// The run's sampling temperature, when every sample recorded the same one.
    public let temperature: Double?
    public let taskIDs: [String]
    /// Samples per task, in the order of `taskIDs`.
    public let tasks: [[EvaluatedSample]]
    public let passAtK: [Estimate]
    /// HumanEval+/MBPP+: the original tests alone.
    public let basePassAtK: [Estimate]?
    /// APPS: submitting only samples that pass the statement's examples.
    public let filteredPassAtK: [Estimate]?
    /// With strict judging beside the default (`evaluate --strict`): the samples that pass by the
    /// tests' letter but not strictly — the run's hack rate is this over `samples`.
    public let passedByLetterOnly: Int?
    /// pass@1 after each picker; nil where the samples carry no log-probabilities.
    public let ranking: [(picker: Picker, passAt1: Double?)]

    public var samples: Int { tasks.reduce(0) { $0 + $1.count } }
    public var minSamplesPerTask: Int { tasks.map(\.count).min() ?? 0 }

    /// The k values a pass@k curve shows: a 1-2-3-5 ladder up to the smallest n.
    public static func curveKs(upTo n: Int) -> [Int] {
        var ks: [Int] = []
        var scale = 1
        while scale <= n {
            for step in [1, 2, 3, 5] where step * scale <= n { ks.append(step * scale) }
            scale *= 10
        }
        return ks
    }

    public init(path: String, label: String? = nil) throws {
        let samples = try EvaluatedSample.readResults(path)
        var order: [String] = []
        var byTask: [String: [EvaluatedSample]] = [:]
        for sample in samples {
            if byTask[sample.taskID] == nil { order.append(sample.taskID) }
            byTask[sample.taskID, default: []].append(sample)
        }
        self.path = path
        self.label = label ?? Self.defaultLabel(path)
        let temperatures = Set(samples.map(\.temperature))
        temperature = temperatures.count == 1 ? temperatures.first! : nil
        taskIDs = order
        tasks = order.map { byTask[$0]! }
        let ks = Self.curveKs(upTo: tasks.map(\.count).min() ?? 0)
        let tasks = self.tasks
        func estimates(_ perTask: (Int, [EvaluatedSample]) -> Double) -> [Estimate] {
            ks.map { k in
                let values = tasks.map { perTask(k, $0) }
                let interval = Bootstrap.interval(values)
                return Estimate(k: k, value: values.reduce(0, +) / Double(max(values.count, 1)), low: interval.low, high: interval.high)
            }
        }
        passAtK = estimates { k, task in PassAtK.estimate(n: task.count, c: task.filter(\.verdict.passed).count, k: k) }
        passedByLetterOnly = samples.contains { $0.verdict.letterStatus != nil }
            ? samples.filter { $0.verdict.letterStatus == "pass" && $0.verdict.strictStatus != "pass" }.count : nil
        basePassAtK = samples.contains { $0.verdict.baseStatus != nil } ? estimates { k, task in
            PassAtK.estimate(n: task.count, c: task.filter { $0.verdict.basePassed ?? false }.count, k: k)
        } : nil
        filteredPassAtK = samples.contains { $0.verdict.publicPassed != nil } ? estimates { k, task in
            let submitted = task.filter { $0.verdict.publicPassed ?? true }
            return PassAtK.filtered(submitted: submitted.count, correct: submitted.filter(\.verdict.passed).count, k: k)
        } : nil
        ranking = Picker.allCases.map { (picker: $0, passAt1: $0.passAt1(tasks)) }
    }

    /// "samples_results.jsonl" → "samples".
    static func defaultLabel(_ path: String) -> String {
        var name = (path as NSString).lastPathComponent
        for suffix in ["_results.jsonl", ".jsonl", ".gz"] where name.hasSuffix(suffix) { name = String(name.dropLast(suffix.count)) }
        return name
    }

    /// The share of a task's samples that passed.
    public func passRate(_ taskID: String) -> Double? {
        guard let index = taskIDs.firstIndex(of: taskID) else { return nil }
        return Double(tasks[index].filter(\.verdict.passed).count) / Double(tasks[index].count)
    }
}
