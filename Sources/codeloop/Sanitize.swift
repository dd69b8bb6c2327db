import ArgumentParser
import Evaluation
import Foundation
import Sandbox

struct Sanitize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Extract the code from chat models' answers, by evalplus's sanitize rules.",
        discussion: """
        Each line of SAMPLES gets "solution" (the program evaluate then judges) and "code_found"; \
        every other field is kept. The answer is the line's "raw" field (generate --chat writes it), \
        else its "solution", else the task's prompt + completion, as evalplus's sanitize reads them. \
        The code is the longest range of lines that parses, cut to its imports, classes, functions \
        that return and assignments, and to what the task's entry point reaches. Python's ast parses \
        it inside the sandbox.
        """)

    @Argument(help: "The samples file (JSONL or JSONL.gz).")
    var samples: String

    @Option(help: ArgumentHelp(problemSetHelp))
    var problems: String = "humaneval"

    @Option(help: "Where to write (default: SAMPLES with .jsonl replaced by -sanitized.jsonl, as evalplus names it).")
    var out: String?

    @Flag(help: "Rewrite SAMPLES itself.")
    var inPlace = false

    @OptionGroup var sandbox: SandboxOptions

    func validate() throws {
        if inPlace && out != nil { throw ValidationError("--in-place and --out are exclusive") }
    }

    func run() throws {
        let problemSet = try ProblemSet.load(problems)
        let target = inPlace ? samples : out ?? Self.defaultOut(samples)
        let pool = try SandboxPool(configuration: try sandbox.configuration(), workers: ProcessInfo.processInfo.activeProcessorCount)
        defer { pool.shutdown() }
        let (count, withoutCode) = try AnswerSanitizer.sanitizeFile(samples, problems: problemSet, pool: pool, lines: .all, out: target)
        printError("\(count) answers sanitized into \(target); no code found in \(withoutCode)")
    }

    static func defaultOut(_ path: String) -> String {
        var base = path
        for suffix in [".gz", ".jsonl"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
        return base + "-sanitized.jsonl"
    }
}
