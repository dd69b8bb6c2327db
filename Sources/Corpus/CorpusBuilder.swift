import Archives
import Foundation
import Locking
import Tokenizers

/// What `corpus build` did: files seen, kept and dropped per filter, and tokens per split.
/// Written as corpus.json in the output directory; training reads its shard list from it.
public struct CorpusManifest: Codable, Sendable {
    public var filesSeen = 0
    public var filesKept = 0
    public var bytesKept = 0
    public var dropped: [String: Int] = [:]
    public var trainFiles = 0
    public var validationFiles = 0
    public var trainTokens = 0
    public var validationTokens = 0
    public var trainShards: [String] = []
    public var validationShards: [String] = []
    public var vocabularySize = 0
    public var endOfText = 0
    public var tokenizer = ""
    /// Files dropped by decontamination, per rule, and benchmark texts too short to search for.
    /// (Optional: corpora built before decontamination have neither.)
    public var decontaminated: [String: Int]?
    public var decontaminationTextsTooShort: [String: Int]?

    public static let fileName = "corpus.json"

    public init() {}

    public static func load(directory: String) throws -> CorpusManifest {
        let path = directory + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CorpusError("\(path): cannot be read (is \(directory) a corpus built by `codeloop corpus build`?)")
        }
        do {
            return try JSONDecoder().decode(CorpusManifest.self, from: data)
        } catch {
            throw CorpusError("\(path): malformed corpus manifest")
        }
    }
}

/// The Codex data pipeline: find Python files, filter them as the paper does, drop exact
/// duplicates, split train/validation by content hash, tokenize each file followed by
/// <|endoftext|>, and write token shards.
public struct CorpusBuilder {
    /// Files whose hash falls in the first `validationPerMille` of 1000 buckets go to validation:
    /// the same file lands in the same split on every run and every machine.
    public var validationPerMille = 10
    public var tokensPerShard = 64 << 20
    /// Benchmark texts whose files are dropped (nil: none).
    public var decontamination: Decontamination?

    public init() {}

    /// The kept files of `sources`, in order, with the manifest's file counts filled in.
    public func collect(_ sources: [String], manifest: inout CorpusManifest) throws -> [SourceFile] {
        var kept: [SourceFile] = []
        var seen: [UInt64: [Int]] = [:]
        var dropped: [SourceFilter: Int] = [:]
        try PythonSources.forEach(in: sources) { file in
            manifest.filesSeen += 1
            if let reason = SourceFilter.rejection(of: file.bytes) {
                dropped[reason, default: 0] += 1
                return
            }
            if let rule = decontamination?.match(file.bytes) {
                manifest.decontaminated = (manifest.decontaminated ?? [:]).merging([rule: 1], uniquingKeysWith: +)
                return
            }
            let hash = fnv1a64(file.bytes)
            if let twins = seen[hash], twins.contains(where: { kept[$0].bytes == file.bytes }) {
                dropped[.duplicate, default: 0] += 1
                return
            }
            seen[hash, default: []].append(kept.count)
            kept.append(file)
        }
        if let decontamination {
            manifest.decontaminated = manifest.decontaminated ?? [:]
            manifest.decontaminationTextsTooShort = decontamination.tooShort
        }
        manifest.filesKept = kept.count
        manifest.bytesKept = kept.reduce(0) { $0 + $1.bytes.count }
        manifest.dropped = Dictionary(uniqueKeysWithValues: SourceFilter.allCases.map { ($0.rawValue, dropped[$0] ?? 0) })
        return kept
    }

    public func isValidation(_ file: SourceFile) -> Bool {
        Int(fnv1a64(file.bytes) % 1000) < validationPerMille
    }

    /// Tokenizes `files` into shards under `directory` ("train-00000.bin", …) and records them.
    public func writeShards(_ files: [SourceFile], tokenizer: Tokenizer, directory: String,
                            manifest: inout CorpusManifest) throws {
        guard let endOfText = tokenizer.specialTokens["<|endoftext|>"] else {
            throw CorpusError("the tokenizer has no <|endoftext|> token to separate files with")
        }
        manifest.vocabularySize = tokenizer.vocabularySize
        manifest.endOfText = endOfText
        let train = files.filter { !isValidation($0) }, validation = files.filter(isValidation)
        manifest.trainFiles = train.count
        manifest.validationFiles = validation.count
        for (split, subset) in [("train", train), ("val", validation)] {
            let tokens = Self.tokenize(subset, tokenizer: tokenizer, endOfText: endOfText)
            var names: [String] = []
            var start = 0
            repeat {
                let end = min(start + tokensPerShard, tokens.count)
                let name = String(format: "%@-%05d.bin", split, names.count)
                try TokenShard.write(Array(tokens[start..<end]), vocabularySize: tokenizer.vocabularySize, to: directory + "/" + name)
                names.append(name)
                start = end
            } while start < tokens.count
            if split == "train" {
                manifest.trainTokens = tokens.count
                manifest.trainShards = names
            } else {
                manifest.validationTokens = tokens.count
                manifest.validationShards = names
            }
        }
    }

    /// Every file's ids followed by <|endoftext|>, in file order; files are encoded on all cores.
    static func tokenize(_ files: [SourceFile], tokenizer: Tokenizer, endOfText: Int) -> [Int32] {
        let pieces = LockedBox([[Int32]](repeating: [], count: files.count))  // per file, from several threads
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            var ids = tokenizer.encode(bytes: files[i].bytes).map { Int32($0) }
            ids.append(Int32(endOfText))
            pieces.withLock { $0[i] = ids }
        }
        return pieces.withLock { Array($0.joined()) }
    }
}
