import ArgumentParser
import Evaluation
import Foundation

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join the results files of shards into one, as an unsharded run writes it, and report pass@k.",
        discussion: """
        Each RESULTS file comes from `codeloop evaluate` on one shard (`generate --shard i/N`, then \
        `evaluate --shard i/N`). Lines are kept as written and ordered by task as in the problem set; \
        a task found in two files is refused. docs/SHARDS.md has SLURM and Kubernetes scripts.
        """)

    @Argument(help: "The shards' results files.")
    var results: [String]

    @Option(help: ArgumentHelp(problemSetHelp))
    var problems: String = "humaneval"

    @Option(help: "The merged results file to write.")
    var out: String

    @OptionGroup var judging: JudgeOptions

    @Flag(help: "Print the summary as one JSON object on stdout.")
    var json = false

    func run() throws {
        let problemSet = try ProblemSet.load(problems)
        let merged = try ResultsMerge(paths: results, problems: problemSet)
        try merged.write(to: out)
        let passAtK = merged.passAtK(try judging.ks())
        let samples = merged.lines.count, passed = merged.counts.reduce(0) { $0 + $1.c }
        if json {
            var object: [String: Any] = ["tasks": merged.counts.count, "samples": samples, "passed": passed, "results_file": out,
                                         "files": results.count]
            for (k, value) in passAtK { object["pass@\(k)"] = value }
            print(jsonLine(object))
        } else {
            print("\(problemSet.name): \(results.count) shard files, \(merged.counts.count) tasks, \(samples) samples, \(passed) passed")
            for (k, value) in passAtK { print(String(format: "pass@%-4d %.4f", k, value)) }
            print("results: \(out)")
        }
    }
}
