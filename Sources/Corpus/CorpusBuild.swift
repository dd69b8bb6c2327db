import Foundation
import Tokenizers

extension CorpusBuilder {
    /// Where the vocabulary of a corpus comes from.
    public enum TokenizerSource: Sendable {
        /// A tokenizer.json, or a directory holding one, copied into the corpus.
        case file(String)
        /// A byte-level BPE vocabulary of this size trained on the training split (whitespace runs as tokens).
        case trained(vocabularySize: Int)
    }

    /// `codeloop corpus build`: collects and filters `sources`, settles the tokenizer, writes the
    /// shards and corpus.json under `directory`, and returns the manifest written.
    public func build(_ sources: [String], into directory: String, tokenizer source: TokenizerSource,
                      log: (String) -> Void = { _ in }) throws -> CorpusManifest {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var manifest = CorpusManifest()
        let files = try collect(sources, manifest: &manifest)
        guard !files.isEmpty else { throw CorpusError("no Python files kept from \(sources.joined(separator: ", "))") }
        log("\(manifest.filesSeen) files seen, \(manifest.filesKept) kept (\(manifest.bytesKept / 1_000_000) MB)")
        let tokenizerPath = directory + "/tokenizer.json"
        switch source {
        case .file(let path):
            let file = FileManager.default.fileExists(atPath: path + "/tokenizer.json") ? path + "/tokenizer.json" : path
            _ = try Tokenizer.named(file)  // a clear error now rather than after the copy
            if file != tokenizerPath {
                try? FileManager.default.removeItem(atPath: tokenizerPath)
                try FileManager.default.copyItem(atPath: file, toPath: tokenizerPath)
            }
            manifest.tokenizer = path
        case .trained(let vocabularySize):
            let counts = BPETrainer.countPieces(files.lazy.filter { !isValidation($0) }.map { $0.bytes })
            let vocabulary = try BPETrainer(vocabularySize: vocabularySize, whitespaceRuns: true).train(pieceCounts: counts)
            guard FileManager.default.createFile(atPath: tokenizerPath, contents: try vocabulary.tokenizerJSON()) else {
                throw CorpusError("\(tokenizerPath): cannot be written")
            }
            manifest.tokenizer = "trained: \(vocabularySize) tokens with whitespace runs"
            log("trained a \(vocabularySize)-token vocabulary")
        }
        try writeShards(files, tokenizer: try Tokenizer.named(tokenizerPath), directory: directory, manifest: &manifest)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: directory + "/" + CorpusManifest.fileName))
        return manifest
    }
}

extension CorpusManifest {
    /// The counts a build prints: files kept and dropped by each filter and rule, tokens per split.
    public func report(seconds: Double) -> String {
        var lines = ["files seen      \(filesSeen)", "files kept      \(filesKept) (\(bytesKept) bytes)"]
        for filter in SourceFilter.allCases {
            lines.append("dropped: \(filter.rawValue.padding(toLength: 24, withPad: " ", startingAt: 0)) \(dropped[filter.rawValue] ?? 0)")
        }
        for (rule, count) in (decontaminated ?? [:]).sorted(by: { $0.key < $1.key }) {
            lines.append("decontaminated: \(rule.padding(toLength: 17, withPad: " ", startingAt: 0)) \(count)")
        }
        lines.append("train           \(trainFiles) files, \(trainTokens) tokens in \(trainShards.count) shard(s)")
        lines.append("validation      \(validationFiles) files, \(validationTokens) tokens in \(validationShards.count) shard(s)")
        lines.append("tokenizer       \(tokenizer) (vocabulary \(vocabularySize)); \(String(format: "%.1f", seconds)) s")
        return lines.joined(separator: "\n")
    }
}
