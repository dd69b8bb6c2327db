import ArgumentParser
import Corpus
import Evaluation
import Foundation
import Sandbox

struct CorpusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpus", abstract: "Build training corpora from Python sources.", subcommands: [Build.self, Functions.self])

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Collect, filter (as the Codex paper does), deduplicate, split and tokenize Python files into shards.",
            discussion: """
            SOURCES are directories (searched for .py files and for archives), .py files, and archives: \
            sdists (.tar.gz, .tgz, .tar), wheels (.whl) and zips. The output directory gets corpus.json \
            (counts per filter, tokens per split), tokenizer.json, and train-*.bin / val-*.bin shards.
            """)

        @Argument(help: "Directories, .py files and archives.")
        var sources: [String]

        @Option(help: "Directory to write the corpus to (created if missing).")
        var out: String

        @Option(help: "A tokenizer to use (tokenizer.json, or a directory holding one); by default one is trained.")
        var tokenizer: String?

        @Option(name: .customLong("vocab-size"), help: "Size of the vocabulary to train when --tokenizer is not given.")
        var vocabularySize = 8192

        @Option(name: .customLong("validation-per-mille"), help: "Files per thousand held out for validation (chosen by content hash).")
        var validationPerMille = 10

        @Flag(name: .customLong("no-decontamination"),
              help: "Keep files that contain a HumanEval, MBPP or APPS statement or solution (dropped by default).")
        var noDecontamination = false

        func validate() throws {
            guard (0...1000).contains(validationPerMille) else {
                throw ValidationError("--validation-per-mille must be between 0 and 1000")
            }
            guard vocabularySize >= 300 else { throw ValidationError("--vocab-size must be at least 300 (256 bytes, specials, merges)") }
        }

        func run() throws {
            let start = Date()
            var builder = try CorpusCommand.builder(decontaminated: !noDecontamination)
            builder.validationPerMille = validationPerMille
            let manifest = try builder.build(sources, into: out, tokenizer: tokenizer.map { .file($0) } ?? .trained(vocabularySize: vocabularySize),
                                             log: { printError($0) })
            print(manifest.report(seconds: Date().timeIntervalSince(start)))
        }
    }

    struct Functions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Extract Codex-S fine-tuning pairs (signature + docstring → body) from Python sources.",
            discussion: """
            Each top-level function with a docstring and a body of at most \(FunctionPairs.maximumBodyLines) lines \
            becomes one JSONL line {"prompt": imports + signature + docstring, "completion": body}, the shape of \
            a HumanEval problem. Files pass the same filters and decontamination as `corpus build`; Python's ast module parses \
            them inside the sandbox. Functions that appear twice are kept once. With --verify-doctests, \
            Codex-S's filter: each function's docstring examples (>>> lines) run against it in the sandbox, \
            in its module's namespace — the module imported from its wheel, zip or directory, shown read-only \
            in the sandbox — or, where that import fails (an sdist, a missing dependency), with the module's \
            import lines; only the functions whose examples all pass are written.
            """)

        @Argument(help: "Directories, .py files and archives.")
        var sources: [String]

        @Option(help: "JSONL file to write.")
        var out: String

        @Flag(name: .customLong("verify-doctests"), help: "Keep only functions whose doctest examples pass (run in the sandbox).")
        var verifyDoctests = false

        @Flag(name: .customLong("no-decontamination"),
              help: "Keep files that contain a HumanEval, MBPP or APPS statement or solution (dropped by default).")
        var noDecontamination = false

        @OptionGroup var sandbox: SandboxOptions

        func run() throws {
            var manifest = CorpusManifest()
            let files = try CorpusCommand.builder(decontaminated: !noDecontamination).collect(sources, manifest: &manifest)
            guard !files.isEmpty else { throw InputError("no Python files kept from \(sources.joined(separator: ", "))") }
            var configuration = try sandbox.configuration()
            if verifyDoctests { configuration.readOnlyDirectories = FunctionPairExtraction.importDirectories(of: files) }
            let pool = try SandboxPool(configuration: configuration, workers: ProcessInfo.processInfo.activeProcessorCount)
            defer { pool.shutdown() }
            let extraction = try FunctionPairExtraction.run(files, pool: pool, verifyDoctests: verifyDoctests)
            guard FileManager.default.createFile(atPath: out, contents: extraction.jsonLines) else { throw InputError("\(out): cannot be written") }
            let dropped = (manifest.decontaminated ?? [:]).values.reduce(0, +)
            print("\(files.count) files (\(dropped) dropped by decontamination), \(extraction.summary) → \(out)")
        }
    }

    /// The paper's filters, and unless told otherwise bigcode's decontamination against HumanEval, MBPP and APPS.
    static func builder(decontaminated: Bool) throws -> CorpusBuilder {
        var builder = CorpusBuilder()
        if decontaminated {
            builder.decontamination = Decontamination(try BenchmarkTexts.all().map { .init(rule: $0.rule, text: $0.text) })
        }
        return builder
    }
}
