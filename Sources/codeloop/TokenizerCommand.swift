import ArgumentParser
import Foundation
import Tokenizers

struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer", abstract: "Build tokenizers.", subcommands: [Train.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Learn a byte-level BPE vocabulary from Python files and save it as tokenizer.json.")

        @Option(name: .customLong("vocab-size"), help: "Tokens in the vocabulary, special tokens included.")
        var vocabularySize: Int

        @Option(help: "Where to write tokenizer.json.")
        var out: String

        @Flag(name: .customLong("whitespace-runs"), inversion: .prefixedNo, help: "Seed tokens for runs of 2-25 spaces, as the Codex encoding has.")
        var whitespaceRuns = true

        @Argument(help: "Directories (searched for .py files) or files.")
        var sources: [String]

        func run() throws {
            let files = try pythonFiles(in: sources)
            guard !files.isEmpty else { throw InputError("no .py files under \(sources.joined(separator: ", "))") }
            var skipped = 0
            let texts = files.lazy.compactMap { path -> [UInt8]? in
                guard let data = FileManager.default.contents(atPath: path),
                      String(validating: [UInt8](data), as: UTF8.self) != nil else {
                    skipped += 1
                    return nil
                }
                return [UInt8](data)
            }
            let counts = BPETrainer.countPieces(texts)
            let trainer = BPETrainer(vocabularySize: vocabularySize, whitespaceRuns: whitespaceRuns)
            let vocabulary = try trainer.train(pieceCounts: counts)
            let data = try vocabulary.tokenizerJSON()
            guard FileManager.default.createFile(atPath: out, contents: data) else {
                throw InputError("\(out): cannot be written")
            }
            let total = vocabulary.tokens.count + vocabulary.specialTokens.count
            printError("\(files.count - skipped) files (\(skipped) skipped: not UTF-8), \(counts.count) distinct pieces; \(total) tokens, \(vocabulary.merges.count) merges → \(out)")
        }
    }
}

/// The .py files under each directory (sorted, so that runs are repeatable), and plain files as given.
func pythonFiles(in sources: [String]) throws -> [String] {
    var files: [String] = []
    for source in sources {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw InputError("\(source): no such file or directory")
        }
        if !isDirectory.boolValue {
            files.append(source)
            continue
        }
        let enumerator = FileManager.default.enumerator(atPath: source)
        var found: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            if relative.hasSuffix(".py") { found.append(source + "/" + relative) }
        }
        files += found.sorted()
    }
    return files
}
