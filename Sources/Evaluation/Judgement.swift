import Foundation
import Sandbox

/// How a sample is judged: by its tests as they are written (off), by strict judging alone, or
/// both, the strict verdict deciding and the other kept beside it (its hack rate).
public enum StrictJudging: Sendable {
    case off, alone, withLetter
}

/// The sandbox jobs that judge one completion, and how their outcomes become its verdict.
struct Judgement: Sendable {
    let jobs: [SandboxJob]
    let verdict: @Sendable ([SandboxOutcome]) -> Verdict
}

/// What a run learns once per evalplus task by running its canonical solution in the sandbox:
/// each input's expected output and time limit, and so each suite's time budget.
struct DifferentialReference: Sendable {
    struct Suite: Sendable {
        /// The check job's first stdin line: {"suite", "limits", "expected", "recompute"}.
        let header: String
        /// evalplus's budget, min(60 s, sum of limits) + 2 s, a second for reading the expected
        /// outputs, and twice the canonical solution's time on the inputs whose outputs are too
        /// large to ship, which the check job computes first.
        let wallSeconds: Double
    }

    let base: Suite
    let plus: Suite

    /// The job that measures it.
    static func job(for tests: DifferentialTests) -> SandboxJob {
        var job = SandboxJob(mode: .run, program: DifferentialDriver.referenceProgram(dataset: tests.dataset), stdin: tests.recordJSON)
        job.wallSeconds = 300
        job.memoryMB = DifferentialDriver.memoryMB
        // Expected outputs up to 64 KB each are shipped: a suite's can reach megabytes.
        job.outputBytes = 1 << 26
        return job
    }

    /// The report line of the reference job, or why there is none.
    static func report(of outcome: SandboxOutcome, taskID: String) throws -> String {
        if let limit = outcome.limit { throw failure(taskID, "stopped by the \(limit.rawValue) limit") }
        guard outcome.exitStatus == 0, let line = outcome.stdout.split(separator: "\n").last else {
            throw failure(taskID, outcome.stderr.split(separator: "\n").last.map(String.init) ?? "exit status \(outcome.exitStatus ?? -1)")
        }
        return String(line)
    }

    static func failure(_ taskID: String, _ why: String) -> EvaluationError {
        EvaluationError("\(taskID): the canonical solution failed on the task's inputs: \(why)")
    }

    init(report: String, taskID: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any] else {
            throw Self.failure(taskID, "unreadable report")
        }
        func suite(_ name: String) throws -> Suite {
            guard let entry = object[name] as? [String: Any], let limits = entry["limits"] as? [Double],
                  let expected = entry["expected"] as? String, let recompute = entry["recompute"] as? [Int],
                  let recomputeSeconds = entry["recompute_seconds"] as? Double else { throw Self.failure(taskID, "unreadable report") }
            let header = "{\"suite\": \"\(name)\", \"limits\": [\(limits.map { "\($0)" }.joined(separator: ", "))], "
                + "\"expected\": \(PythonJSON.string(expected)), \"recompute\": [\(recompute.map(String.init).joined(separator: ", "))]}"
            return Suite(header: header, wallSeconds: min(60, limits.reduce(0, +)) + 2 + 1 + 2 * recomputeSeconds)
        }
        base = try suite("base")
        plus = try suite("plus")
    }
}

extension Problem {
    /// How a completion of this problem is judged; evalplus problems need their reference. With
    /// `examples`, one more job runs the completion on them, and the verdict's publicPassed says
    /// whether they all held (the example filter); the verdict itself is unchanged.
    /// `secondsPerCall`: strict judging's limit for one call of an assert-tested function (the
    /// sandbox's time limit for a whole program in the default judging).
    func judgement(_ code: SampleCode, reference: DifferentialReference?, examples: [PromptExample] = [],
                   strict: StrictJudging = .off, secondsPerCall: Double = 3) -> Judgement {
        let judgement: Judgement
        switch strict {
        case .off: judgement = testJudgement(code, reference: reference)
        case .alone: judgement = strictJudgement(code, reference: reference, secondsPerCall: secondsPerCall)
        case .withLetter:
            judgement = Self.strictWithLetter(strictJudgement(code, reference: reference, secondsPerCall: secondsPerCall),
                                              letter: testJudgement(code, reference: reference))
        }
        guard !examples.isEmpty else { return judgement }
        let job = SandboxJob(mode: .check, program: ExampleDriver.checkProgram(code: exampleCode(code), examples: examples))
        let testJobs = judgement.jobs.count
        return Judgement(jobs: judgement.jobs + [job]) { outcomes in
            var verdict = judgement.verdict(Array(outcomes.prefix(testJobs)))
            verdict.publicPassed = outcomes[testJobs].passed
            return verdict
        }
    }

    /// Strict judging: the completion's function on the task's known inputs, each output judged
    /// outside the sample's process (StrictInputs says how, per kind of task).
    private func strictJudgement(_ code: SampleCode, reference: DifferentialReference?, secondsPerCall: Double) -> Judgement {
        let strict: Judgement
        switch strictInputs {
        case .evalplus(let tests, let suites):
            guard let reference else {
                return Judgement(jobs: []) { _ in Self.strictVerdict(Verdict(result: "failed: no expected outputs")) }
            }
            let program = StrictDriver.evalplusProgram(code: source(code), entryPoint: entryPoint, dataset: tests.dataset)
            let jobs = suites.map { name in
                let suite = name == "base" ? reference.base : reference.plus
                var job = SandboxJob(mode: .check, program: program, stdin: suite.header + "\n" + tests.recordJSON)
                // The suite's budget is the sample's, kept by the job's parent process; the job may
                // also take time to serialize and judge outputs (strict.py's serializing budget,
                // and as long again for judging).
                job.wallSeconds = suite.wallSeconds + 120
                job.memoryMB = DifferentialDriver.memoryMB
                return job
            }
            strict = Judgement(jobs: jobs) { outcomes in Self.suitesVerdict(outcomes.map { $0.result ?? "failed: no verdict" }, names: suites) }
        case .asserts(let setup, let asserts):
            strict = Self.singleJob(SandboxJob(mode: .check, program: StrictDriver.assertsProgram(code: source(code), entryPoint: entryPoint, secondsPerCall: secondsPerCall),
                                               stdin: StrictDriver.assertsStdin(setup: setup, asserts: asserts)))
        case .checkFunction(let test):
            strict = Self.singleJob(SandboxJob(mode: .check, program: StrictDriver.assertsProgram(code: source(code), entryPoint: entryPoint, secondsPerCall: secondsPerCall),
                                               stdin: StrictDriver.checkStdin(test: test)))
        case .appsCalls(let tests):
            let program = StrictDriver.appsProgram(program: code.text, secondsPerCall: tests.secondsPerCase)
            let jobs = tests.cases.map { testCase in
                var job = SandboxJob(mode: .check, program: program, stdin: AppsCallDriver.stdin(for: testCase, functionName: tests.functionName))
                job.wallSeconds = tests.secondsPerCase + 3  // the child's start, then the case's own limit
                return job
            }
            strict = Judgement(jobs: jobs) { outcomes in
                Self.appsVerdict(outcomes.map { outcome in
                    let result = outcome.result ?? "failed: no verdict"
                    return result == "passed" ? nil : result == "timed out" ? result : String(result.dropFirst("failed: ".count))
                })
            }
        case .standardIO:
            // Already judged outside the sample's process: codeloop compares what it printed.
            strict = testJudgement(code, reference: reference)
        }
        return Judgement(jobs: strict.jobs) { Self.strictVerdict(strict.verdict($0)) }
    }

    private static func singleJob(_ job: SandboxJob) -> Judgement {
        Judgement(jobs: [job]) { Verdict(result: $0[0].result ?? "failed: no verdict") }
    }

    private static func strictVerdict(_ verdict: Verdict) -> Verdict {
        var verdict = verdict
        verdict.strictStatus = evalplusStatus(verdict.result)
        return verdict
    }

    /// Both judgings of one sample: the strict verdict, with the default one's status beside it.
    private static func strictWithLetter(_ strict: Judgement, letter: Judgement) -> Judgement {
        let count = strict.jobs.count
        return Judgement(jobs: strict.jobs + letter.jobs) { outcomes in
            var verdict = strict.verdict(Array(outcomes.prefix(count)))
            verdict.letterStatus = evalplusStatus(letter.verdict(Array(outcomes.dropFirst(count))).result)
            return verdict
        }
    }

    /// evalplus's verdict from its suites' results, in order (base, then plus): the first that did
    /// not pass decides, named; each suite's status is kept.
    static func suitesVerdict(_ results: [String], names: [String]) -> Verdict {
        var result = "passed"
        for (name, outcome) in zip(names, results) where outcome != "passed" {
            result = outcome == "timed out" ? outcome : "failed: \(name) tests: " + outcome.dropFirst("failed: ".count)
            break
        }
        var verdict = Verdict(result: result)
        verdict.baseStatus = results.first.map(evalplusStatus)
        verdict.plusStatus = names.count > 1 ? evalplusStatus(results[1]) : nil
        return verdict
    }

    private func testJudgement(_ code: SampleCode, reference: DifferentialReference?) -> Judgement {
        switch suite {
        case .humanEval, .asserts:
            let job = SandboxJob(mode: .check, program: program(code))
            return Judgement(jobs: [job]) { Verdict(result: $0[0].result ?? "failed: no verdict") }
        case .differential(let tests):
            guard let reference else {
                return Judgement(jobs: []) { _ in Verdict(result: "failed: no expected outputs") }
            }
            let program = DifferentialDriver.checkProgram(code: program(code), entryPoint: entryPoint, dataset: tests.dataset)
            let jobs = [reference.base, reference.plus].map { suite in
                var job = SandboxJob(mode: .check, program: program, stdin: suite.header + "\n" + tests.recordJSON)
                job.wallSeconds = suite.wallSeconds
                job.memoryMB = DifferentialDriver.memoryMB
                return job
            }
            return Judgement(jobs: jobs) { outcomes in
                Self.suitesVerdict(outcomes.map { $0.result ?? "failed: no verdict" }, names: ["base", "plus"])
            }
        case .callBased(let tests):
            let program = AppsCallDriver.checkProgram(program: code.text, functionName: tests.functionName)
            let jobs = tests.cases.map { testCase in
                var job = SandboxJob(mode: .check, program: program, stdin: AppsCallDriver.stdin(for: testCase, functionName: tests.functionName))
                job.wallSeconds = tests.secondsPerCase
                return job
            }
            return Judgement(jobs: jobs) { outcomes in
                Self.appsVerdict(outcomes.map { outcome in
                    let result = outcome.result ?? "failed: no verdict"
                    return result == "passed" ? nil : result == "timed out" ? result : String(result.dropFirst("failed: ".count))
                })
            }
        case .standardIO(let tests):
            let program = program(code)
            let cases = tests.publicCases + tests.cases
            let jobs = cases.map { testCase in
                var job = SandboxJob(mode: .run, program: program, stdin: testCase.input)
                job.wallSeconds = tests.secondsPerCase
                return job
            }
            let publicCount = tests.publicCases.count
            return Judgement(jobs: jobs) { outcomes in
                let results = zip(cases, outcomes).map { Self.appsCaseResult($1, expected: $0.output) }
                var verdict = Self.appsVerdict(Array(results.dropFirst(publicCount)))
                verdict.publicPassed = results.prefix(publicCount).allSatisfy { $0 == nil }
                return verdict
            }
        }
    }

    /// An APPS verdict from each hidden case's failure (nil when it passed): the first failure
    /// decides the result, and the cases passed are counted.
    static func appsVerdict(_ failures: [String?]) -> Verdict {
        let first = failures.enumerated().first { $0.element != nil }
        var verdict = Verdict(result: first.map { index, failure in
            failure == "timed out" ? "timed out" : "failed: case \(index + 1) of \(failures.count): \(failure!)"
        } ?? "passed")
        verdict.testsPassed = failures.filter { $0 == nil }.count
        verdict.testsTotal = failures.count
        return verdict
    }

    /// evalplus's words for a verdict.
    static func evalplusStatus(_ result: String) -> String {
        result == "passed" ? "pass" : result == "timed out" ? "timeout" : "fail"
    }

    /// nil when a stdin/stdout case passed, else why not. An uncaught exception fails the case;
    /// sys.exit() does not (APPS catches SystemExit and compares what was printed).
    static func appsCaseResult(_ outcome: SandboxOutcome, expected: String) -> String? {
        if outcome.limit == .wallTime || outcome.limit == .cpuTime { return "timed out" }
        if let limit = outcome.limit { return "\(limit.rawValue) limit" }
        if let signal = outcome.signal { return "killed by signal \(signal)" }
        if outcome.exitStatus != 0 && outcome.stderr.contains("Traceback (most recent call last)") {
            let last = outcome.stderr.split(separator: "\n").last.map(String.init) ?? "error"
            return last
        }
        return AppsOutput.matches(outcome.stdout, expected: expected) ? nil : "wrong answer"
    }
}
