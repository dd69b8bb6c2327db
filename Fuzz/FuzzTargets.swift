import Foundation

/// Every fuzz target by name: each takes one input and must return on it (scripts/fuzz.sh).
enum FuzzTargets {
    static let all: [String: @Sendable (Data) -> Void] = [
        "gguf": ModelFileTargets.gguf,
        "safetensors": ModelFileTargets.safetensors,
        "config": ModelFileTargets.config,
        "tokenizer-json": TokenizerTargets.tokenizerJSON,
        "tokenizer-roundtrip": TokenizerTargets.roundTrip,
        "samples": EvaluationTargets.samples,
        "problems": EvaluationTargets.problems,
        "python-literal": EvaluationTargets.pythonLiteral,
        "sdist": ArchiveTargets.sdist,
        "wheel": ArchiveTargets.wheel,
        "completions-body": ServerTargets.completions,
        "chat-body": ServerTargets.chat,
        "infill-body": ServerTargets.infill,
        "jinja": JinjaTargets.template,
    ]

    /// The target $CODELOOP_FUZZ_TARGET names, looked up once.
    static let selected: @Sendable (Data) -> Void = {
        let name = ProcessInfo.processInfo.environment["CODELOOP_FUZZ_TARGET"] ?? ""
        guard let target = all[name] else {
            FileHandle.standardError.write(Data("set CODELOOP_FUZZ_TARGET to one of \(all.keys.sorted().joined(separator: ", "))\n".utf8))
            exit(64)
        }
        return target
    }()
}

/// Where a target writes its input when the parser reads files: memory-backed, one per process.
enum Scratch {
    static let directory: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = base + "/codeloop-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// `data` written to `name` in the scratch directory; its path.
    static func file(_ name: String, _ data: Data) -> String {
        let path = directory + "/" + name
        FileManager.default.createFile(atPath: path, contents: data)
        return path
    }
}

/// The checkout (for fixtures the targets read): this file is Fuzz/FuzzTargets.swift in it.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
