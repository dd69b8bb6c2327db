import ArgumentParser
import Backends
import Evaluation
import Foundation
import Generation

struct BackTranslate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtranslate",
        abstract: "Score each sample by the log-probability of its task's docstring after its code (Codex-D's ranking).",
        discussion: """
        The Codex paper's section 5.2: the docstring is taken out of the prompt and placed after the sample's \
        code, and the model (local, or a server's echoed log-probabilities) scores it. Writes the samples with \
        "backtranslation_logprob" added; evaluate that file and `codeloop report` ranks by it beside mean and sum log-prob.
        """)

    @Argument(help: "The samples file (JSONL or JSONL.gz).")
    var samples: String

    @Option(help: ArgumentHelp(problemSetHelp))
    var tasks: String = "humaneval"

    @Option(help: "Where to write the scored samples (default: <SAMPLES> with .jsonl replaced by _backtranslated.jsonl).")
    var out: String?

    @OptionGroup var remote: EndpointOptions

    @OptionGroup var options: ModelOptions

    func run() async throws {
        let problems = try ProblemSet.load(tasks)
        let file = try SampleFile(path: samples, problems: problems)
        let backend = try remote.backend(local: options)
        let destination = out ?? (samples.hasSuffix(".jsonl") ? String(samples.dropLast(6)) : samples) + "_backtranslated.jsonl"
        let scored = try await BackTranslationScoring.run(samples: file, problems: problems, backend: backend, out: destination,
                                                          concurrency: remote.concurrencyLimit)
        if let client = backend as? OpenAICompletionsBackend { try await client.shutdown() }
        printError("\(scored) of \(file.samples.count) samples scored; written to \(destination)")
    }
}
