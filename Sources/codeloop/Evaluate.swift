import ArgumentParser
import Evaluation
import Foundation
import Sandbox

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run human-eval sample files against their tests and report pass@k.",
        discussion: """
        SAMPLES is a JSON Lines file (optionally .gz) with task_id and completion on each line, as \
        openai/human-eval reads it. Results go to <SAMPLES>_results.jsonl with "result" and "passed" \
        added to each line. An interrupted run resumes where it stopped when run again.
        """)

    @Argument(help: "The samples file (JSONL or JSONL.gz).")
    var samples: String

    @Option(help: ArgumentHelp(problemSetHelp))
    var problems: String = "humaneval"

    @OptionGroup var judging: JudgeOptions

    @Option(help: "Results file (default: <SAMPLES>_results.jsonl).")
    var out: String?

    @Flag(help: "Score only the tasks that have samples.")
    var ignoreIncomplete = false

    @Option(help: "Judge shard i of N (i/N) of the problem set: the samples file holds that shard's tasks (`generate --shard`).")
    var shard: String?

    @Flag(name: .customLong("retry-timeouts"), help: "Run each timed-out sample again, alone, before giving its verdict.")
    var retryTimeouts = false

    @Flag(help: "Run identical completions of a task once and give each copy that verdict.")
    var dedup = false

    @Flag(help: "Add each sample's sentence BLEU against the canonical solution to the results (the Codex paper's figure 14; `report` charts it).")
    var bleu = false

    @Flag(name: .customLong("no-human-eval-guard"), help: "Do not disable os.remove, subprocess, ... inside samples as human-eval does.")
    var noHumanEvalGuard = false

    @Flag(help: "Print the summary as one JSON object on stdout.")
    var json = false

    @Flag(help: "No progress bar.")
    var quiet = false

    @OptionGroup var sandbox: SandboxOptions

    func run() throws {
        var problemSet = try judging.problemsForJudging(try ProblemSet.load(problems))
        if let shard { problemSet = try Shard(parsing: shard).problems(of: problemSet) }
        var options = FunctionalCorrectness.Options()
        options.ks = try judging.ks()
        options.ignoreIncomplete = ignoreIncomplete
        options.resultsPath = out
        options.quiet = quiet
        options.retryTimeouts = retryTimeouts
        options.deduplicate = dedup
        options.bleu = bleu
        let summary = try judging.evaluate(samples: samples, problems: problemSet, options: options, sandbox: sandbox,
                                           humanEvalGuard: !noHumanEvalGuard)
        if json {
            print(jsonLine(summary.jsonObject))
        } else {
            print(summary.text(problemSetName: problemSet.name))
        }
    }

    /// Judges a samples file on a fresh sandbox pool.
}

extension EvaluationSummary {
    var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "tasks": tasks, "samples": samples, "passed": passed, "evaluated_now": evaluatedNow,
            "min_samples_per_task": minSamplesPerTask, "max_samples_per_task": maxSamplesPerTask,
            "seconds": seconds, "results_file": resultsPath, "dropped_k": droppedK, "rerun": rerun,
            "executed": executed,
        ]
        for (k, value) in passAtK { object["pass@\(k)"] = value }
        if let passedByLetterOnly { object["passed_by_letter_only"] = passedByLetterOnly }
        for (name, values) in otherPassAtK {
            object[name] = Dictionary(uniqueKeysWithValues: values.map { ("pass@\($0.k)", $0.value) })
        }
        if !byDifficulty.isEmpty {
            object["by_difficulty"] = Dictionary(uniqueKeysWithValues: byDifficulty.map { group in
                (group.difficulty, ["tasks": group.tasks,
                                    "raw": Dictionary(uniqueKeysWithValues: group.passAtK.map { ("pass@\($0.k)", $0.value) }),
                                    "filtered": Dictionary(uniqueKeysWithValues: group.filtered.map { ("pass@\($0.k)", $0.value) })] as [String: Any])
            })
        }
        if !examples.isEmpty {
            object["examples_read"] = examples.reduce(0) { $0 + $1.read }
            object["examples_kept"] = examples.reduce(0) { $0 + $1.kept }
            object["examples_per_task"] = Dictionary(uniqueKeysWithValues: examples.map { ($0.taskID, ["read": $0.read, "kept": $0.kept]) })
        }
        return object
    }

    func text(problemSetName: String) -> String {
        var lines: [String] = []
        let perTask = minSamplesPerTask == maxSamplesPerTask ? "\(minSamplesPerTask)" : "\(minSamplesPerTask)-\(maxSamplesPerTask)"
        let rate = evaluatedNow > 0 ? String(format: ", %.1f samples/s", Double(evaluatedNow) / max(seconds, 1e-9)) : ""
        lines.append("\(problemSetName): \(tasks) tasks, \(samples) samples (\(perTask) per task), \(passed) passed; \(String(format: "%.1f", seconds)) s\(rate)")
        if evaluatedNow < samples {
            lines.append("resumed: \(samples - evaluatedNow) verdicts came from the interrupted run")
        }
        if rerun > 0 { lines.append("re-ran \(rerun) timed-out samples alone") }
        if executed < evaluatedNow { lines.append("ran \(executed) distinct programs for \(evaluatedNow) samples (--dedup)") }
        if let passedByLetterOnly {
            lines.append("strict judging decides; \(passedByLetterOnly) of \(samples) samples pass by the tests' letter but not strictly (hack rate \(String(format: "%.4f", Double(passedByLetterOnly) / Double(max(samples, 1)))))")
        }
        for (k, value) in passAtK {
            lines.append(String(format: "pass@%-4d %.4f", k, value))
        }
        for (name, values) in otherPassAtK {
            lines.append(name + ": " + values.map { String(format: "pass@%d %.4f", $0.k, $0.value) }.joined(separator: ", "))
        }
        for group in byDifficulty {
            lines.append("\(group.difficulty) (\(group.tasks) tasks): raw " + group.passAtK.map { String(format: "pass@%d %.4f", $0.k, $0.value) }.joined(separator: ", ")
                         + "; filtered " + group.filtered.map { String(format: "pass@%d %.4f", $0.k, $0.value) }.joined(separator: ", "))
        }
        if !examples.isEmpty {
            let read = examples.reduce(0) { $0 + $1.read }, kept = examples.reduce(0) { $0 + $1.kept }
            let withExamples = examples.filter { $0.kept > 0 }.count
            lines.append("examples: \(read) read from the prompts, \(kept) satisfied by the canonical solutions and run; \(withExamples) of \(examples.count) tasks filter (the rest submit every sample)")
        }
        if !droppedK.isEmpty {
            let names = droppedK.map { "pass@\($0)" }.joined(separator: ", ")
            lines.append("not estimated: \(names) (needs at least k samples for every task; the smallest task has \(minSamplesPerTask))")
        }
        lines.append("results: \(resultsPath)")
        return lines.joined(separator: "\n")
    }
}
