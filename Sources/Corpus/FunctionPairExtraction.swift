import Foundation
import Locking
import Sandbox

/// `codeloop corpus functions`: Codex-S's training pairs from a corpus's files, each file parsed by
/// Python's ast module in the sandbox, duplicates kept once, and — with doctest verification — only
/// the functions whose docstring examples pass.
public struct FunctionPairExtraction: Sendable {
    public typealias Pair = (prompt: String, completion: String)

    /// The pairs kept, in file order.
    public var pairs: [Pair] = []
    /// Functions found, duplicates among them, and files the parser gave up on.
    public var found = 0, duplicates = 0, filesNotParsed = 0
    /// Functions per doctest outcome, when the doctests were run.
    public var doctests: [FunctionPairs.DoctestOutcome: Int]?
    /// Of the functions with examples, those that ran in their own module's namespace (the module
    /// imported from its wheel or directory); the others ran with the module's import lines only.
    public var doctestsInModule = 0

    /// Extracts the pairs of `files` on `pool`; with `verifyDoctests`, keeps only those whose examples pass.
    public static func run(_ files: [SourceFile], pool: SandboxPool, verifyDoctests: Bool) throws -> FunctionPairExtraction {
        let found = LockedBox<[[Pair]]>(Array(repeating: [], count: files.count))
        let failed = LockedBox(0)
        let extraction = try FunctionPairs.extractionProgram()
        try pool.runAll(count: files.count, job: { index in
            SandboxJob(mode: .run, program: extraction, stdin: String(decoding: files[index].bytes, as: UTF8.self))
        }, onOutcome: { index, outcome in
            if outcome.exitStatus != 0 { failed.withLock { $0 += 1 } }
            let pairs = FunctionPairs.parse(outcome.stdout)
            found.withLock { $0[index] = pairs }
        })
        var result = FunctionPairExtraction()
        var seen = Set<String>()
        var modules: [PythonModule?] = []
        for (file, pairs) in zip(files, found.value) {
            let module = file.module
            for pair in pairs {
                result.found += 1
                if seen.insert(pair.prompt + "\u{0}" + pair.completion).inserted {
                    result.pairs.append(pair)
                    modules.append(module)
                } else {
                    result.duplicates += 1
                }
            }
        }
        result.filesNotParsed = failed.value
        if verifyDoctests {
            let outcomes = try runDoctests(zip(result.pairs, modules).map { ($0.0, $0.1) }, packages: packages(files), pool: pool)
            result.doctests = outcomes.reduce(into: [:]) { $0[$1.outcome, default: 0] += 1 }
            result.doctestsInModule = outcomes.filter { $0.outcome != .none && $0.inModule }.count
            result.pairs = zip(result.pairs, outcomes).filter { $0.1.outcome == .passed }.map(\.0)
        }
        return result
    }

    /// The directories the sandbox must show for `files`' modules to import in it: those holding their
    /// archives, and the directories given (see `SourceFile.importRoot`), none inside another.
    public static func importDirectories(of files: [SourceFile]) -> [String] {
        let sorted = Set(files.compactMap { $0.module?.directory }).sorted()
        return sorted.filter { directory in !sorted.contains { directory != $0 && directory.hasPrefix($0 + "/") } }
    }

    /// The sys.path entries holding each top-level package or module of `files`.
    static func packages(_ files: [SourceFile]) -> [String: [String]] {
        var roots: [String: Set<String>] = [:]
        for module in files.compactMap(\.module) {
            roots[String(module.name.prefix { $0 != "." }), default: []].insert(module.root)
        }
        return roots.mapValues { $0.sorted() }
    }

    /// Each pair's doctests, run in the sandbox (a hanging example stops at its time limit), in its
    /// module's namespace where it has one, with the corpus's `packages` importable.
    static func runDoctests(_ pairs: [(pair: Pair, module: PythonModule?)], packages: [String: [String]], pool: SandboxPool) throws
        -> [(outcome: FunctionPairs.DoctestOutcome, inModule: Bool)] {
        let program = try FunctionPairs.doctestProgram()
        let outcomes = LockedBox([(outcome: FunctionPairs.DoctestOutcome, inModule: Bool)](repeating: (.failed, false), count: pairs.count))
        try pool.runAll(count: pairs.count, job: { index in
            let (pair, module) = pairs[index]
            return SandboxJob(mode: .run, program: program, stdin: FunctionPairs.doctestInput(prompt: pair.prompt, completion: pair.completion, module: module,
                                                                                                    packages: packages))
        }, onOutcome: { index, outcome in
            let timedOut = outcome.limit == .wallTime || outcome.limit == .cpuTime
            outcomes.withLock { $0[index] = FunctionPairs.doctestOutcome(stdout: outcome.stdout, timedOut: timedOut) }
        })
        return outcomes.value
    }

    /// What the command prints: the counts, and for verification, found / run / passed.
    public var summary: String {
        var line = "\(found - duplicates) functions (\(duplicates) duplicates dropped, \(filesNotParsed) files not parsed)"
        if let doctests {
            let count = { (outcome: FunctionPairs.DoctestOutcome) in doctests[outcome] ?? 0 }
            let run = doctests.values.reduce(0, +) - count(.none)
            line += "; doctests: \(run) functions have examples (\(doctestsInModule) ran in their own module), \(count(.passed)) passed, "
                + "\(count(.failed)) failed, \(count(.timedOut)) timed out; the \(count(.passed)) that passed are written"
        }
        return line
    }

    /// The pairs as JSONL lines of {"prompt", "completion"}.
    public var jsonLines: Data {
        var data = Data()
        for pair in pairs {
            data.append(FunctionPairs.jsonObject(["prompt": pair.prompt, "completion": pair.completion]))
            data.append(UInt8(ascii: "\n"))
        }
        return data
    }
}
