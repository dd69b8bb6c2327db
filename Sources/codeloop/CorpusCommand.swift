import ArgumentParser
import Corpus
import Evaluation
import Foundation
import Sandbox
import Tokenizers

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
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            var builder = CorpusBuilder()
            builder.validationPerMille = validationPerMille
            if !noDecontamination {
                builder.decontamination = Decontamination(try BenchmarkTexts.all().map { .init(rule: $0.rule, text: $0.text) })
            }
            var manifest = CorpusManifest()
            let files = try builder.collect(sources, manifest: &manifest)
            guard !files.isEmpty else { throw InputError("no Python files kept from \(sources.joined(separator: ", "))") }
            printError("\(manifest.filesSeen) files seen, \(manifest.filesKept) kept (\(manifest.bytesKept / 1_000_000) MB)")
            let tokenizerPath = out + "/tokenizer.json"
            if let tokenizer {
                let source = FileManager.default.fileExists(atPath: tokenizer + "/tokenizer.json") ? tokenizer + "/tokenizer.json" : tokenizer
                _ = try Tokenizer.named(source)  // a clear error now rather than after the copy
                if source != tokenizerPath {
                    try? FileManager.default.removeItem(atPath: tokenizerPath)
                    try FileManager.default.copyItem(atPath: source, toPath: tokenizerPath)
                }
                manifest.tokenizer = tokenizer
            } else {
                let counts = BPETrainer.countPieces(files.lazy.filter { !builder.isValidation($0) }.map { $0.bytes })
                let vocabulary = try BPETrainer(vocabularySize: vocabularySize, whitespaceRuns: true).train(pieceCounts: counts)
                guard FileManager.default.createFile(atPath: tokenizerPath, contents: try vocabulary.tokenizerJSON()) else {
                    throw InputError("\(tokenizerPath): cannot be written")
                }
                manifest.tokenizer = "trained: \(vocabularySize) tokens with whitespace runs"
                printError("trained a \(vocabularySize)-token vocabulary")
            }
            let loaded = try Tokenizer.named(tokenizerPath)
            try builder.writeShards(files, tokenizer: loaded, directory: out, manifest: &manifest)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(manifest).write(to: URL(fileURLWithPath: out + "/" + CorpusManifest.fileName))
            print(Self.report(manifest, seconds: Date().timeIntervalSince(start)))
        }

        static func report(_ m: CorpusManifest, seconds: Double) -> String {
            var lines = ["files seen      \(m.filesSeen)", "files kept      \(m.filesKept) (\(m.bytesKept) bytes)"]
            for filter in SourceFilter.allCases {
                lines.append("dropped: \(filter.rawValue.padding(toLength: 24, withPad: " ", startingAt: 0)) \(m.dropped[filter.rawValue] ?? 0)")
            }
            for (rule, count) in (m.decontaminated ?? [:]).sorted(by: { $0.key < $1.key }) {
                lines.append("decontaminated: \(rule.padding(toLength: 17, withPad: " ", startingAt: 0)) \(count)")
            }
            lines.append("train           \(m.trainFiles) files, \(m.trainTokens) tokens in \(m.trainShards.count) shard(s)")
            lines.append("validation      \(m.validationFiles) files, \(m.validationTokens) tokens in \(m.validationShards.count) shard(s)")
            lines.append("tokenizer       \(m.tokenizer) (vocabulary \(m.vocabularySize)); \(String(format: "%.1f", seconds)) s")
            return lines.joined(separator: "\n")
        }
    }

    struct Functions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Extract Codex-S fine-tuning pairs (signature + docstring → body) from Python sources.",
            discussion: """
            Each top-level function with a docstring and a body of at most \(FunctionPairs.maximumBodyLines) lines \
            becomes one JSONL line {"prompt": imports + signature + docstring, "completion": body}, the shape of \
            a HumanEval problem. Files pass the same filters as `corpus build`; Python's ast module parses \
            them inside the sandbox. Functions that appear twice are kept once. With --verify-doctests, \
            Codex-S's filter: each function's docstring examples (>>> lines) run against it in the sandbox \
            with its module's imports, and only the functions whose examples all pass are written.
            """)

        @Argument(help: "Directories, .py files and archives.")
        var sources: [String]

        @Option(help: "JSONL file to write.")
        var out: String

        @Flag(name: .customLong("verify-doctests"), help: "Keep only functions whose doctest examples pass (run in the sandbox).")
        var verifyDoctests = false

        @OptionGroup var sandbox: SandboxOptions

        func run() throws {
            var manifest = CorpusManifest()
            let files = try CorpusBuilder().collect(sources, manifest: &manifest)
            guard !files.isEmpty else { throw InputError("no Python files kept from \(sources.joined(separator: ", "))") }
            let pool = try SandboxPool(configuration: try sandbox.configuration(), workers: ProcessInfo.processInfo.activeProcessorCount)
            defer { pool.shutdown() }
            let found = LockedBox<[[(prompt: String, completion: String)]]>(Array(repeating: [], count: files.count))
            let failed = LockedBox(0)
            let extraction = try FunctionPairs.extractionProgram()
            try pool.runAll(count: files.count, job: { index in
                SandboxJob(mode: .run, program: extraction, stdin: String(decoding: files[index].bytes, as: UTF8.self))
            }, onOutcome: { index, outcome in
                if outcome.exitStatus != 0 { failed.update { $0 += 1 } }
                let pairs = FunctionPairs.parse(outcome.stdout)
                found.update { $0[index] = pairs }
            })
            var seen = Set<String>()
            var pairs: [(prompt: String, completion: String)] = []
            for pair in found.value.joined() where seen.insert(pair.prompt + "\u{0}" + pair.completion).inserted {
                pairs.append(pair)
            }
            let duplicates = found.value.joined().count - pairs.count
            var verification = ""
            if verifyDoctests {
                let outcomes = try Self.runDoctests(pairs, pool: pool)
                let count = { (outcome: FunctionPairs.DoctestOutcome) in outcomes.filter { $0 == outcome }.count }
                verification = "; doctests: \(pairs.count - count(.none)) functions have examples, \(count(.passed)) passed, "
                    + "\(count(.failed)) failed, \(count(.timedOut)) timed out; the \(count(.passed)) that passed are written"
                pairs = zip(pairs, outcomes).filter { $0.1 == .passed }.map(\.0)
            }
            let lines = pairs.map { jsonLine(["prompt": $0.prompt, "completion": $0.completion]) }
            guard FileManager.default.createFile(atPath: out, contents: Data(lines.map { $0 + "\n" }.joined().utf8)) else {
                throw InputError("\(out): cannot be written")
            }
            print("\(files.count) files, \(found.value.joined().count - duplicates) functions (\(duplicates) duplicates dropped, \(failed.value) files not parsed)\(verification) → \(out)")
        }

        /// Each pair's doctests, run in the sandbox (a hanging example stops at its time limit).
        static func runDoctests(_ pairs: [(prompt: String, completion: String)], pool: SandboxPool) throws -> [FunctionPairs.DoctestOutcome] {
            let program = try FunctionPairs.doctestProgram()
            let outcomes = LockedBox([FunctionPairs.DoctestOutcome](repeating: .failed, count: pairs.count))
            try pool.runAll(count: pairs.count, job: { index in
                SandboxJob(mode: .run, program: program, stdin: FunctionPairs.doctestInput(prompt: pairs[index].prompt, completion: pairs[index].completion))
            }, onOutcome: { index, outcome in
                let timedOut = outcome.limit == .wallTime || outcome.limit == .cpuTime
                outcomes.update { $0[index] = FunctionPairs.doctestOutcome(stdout: outcome.stdout, timedOut: timedOut) }
            })
            return outcomes.value
        }
    }
}
