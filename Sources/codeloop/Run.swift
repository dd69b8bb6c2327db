import ArgumentParser
import Foundation
import Sandbox

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one Python file in the sandbox and report its output, status, time and any limit it hit.")

    @Argument(help: "The Python file to run.")
    var file: String

    @Option(help: "A file whose contents are fed to the program on stdin.")
    var stdin: String?

    @Flag(help: "Print the report as one JSON object on stdout.")
    var json = false

    @OptionGroup var sandbox: SandboxOptions

    func run() throws {
        let program = try readUTF8File(file)
        let input = try stdin.map { String(decoding: try readFile($0), as: UTF8.self) }
        let pool = try SandboxPool(configuration: try sandbox.configuration(), workers: 1)
        defer { pool.shutdown() }
        var job = SandboxJob(mode: .run, program: program, stdin: input)
        job.filename = (file as NSString).lastPathComponent
        let outcome = try pool.run(job)
        if json {
            var object: [String: Any] = [
                "stdout": outcome.stdout, "stderr": outcome.stderr,
                "stdout_bytes": outcome.stdoutBytes, "stderr_bytes": outcome.stderrBytes,
                "wall_seconds": outcome.wallSeconds, "cpu_seconds": outcome.cpuSeconds,
                "max_rss_kb": outcome.maxRSSKilobytes,
            ]
            object["exit_status"] = outcome.exitStatus ?? NSNull()
            object["signal"] = outcome.signal ?? NSNull()
            object["limit"] = outcome.limit?.rawValue ?? NSNull()
            print(jsonLine(object))
        } else {
            FileHandle.standardOutput.write(Data(outcome.stdout.utf8))
            FileHandle.standardError.write(Data(outcome.stderr.utf8))
            let status = outcome.signal.map { "killed by signal \($0)" } ?? "exit status \(outcome.exitStatus ?? -1)"
            var summary = String(format: "codeloop run: %@, wall %.3f s, cpu %.3f s, max rss %d KB", status, outcome.wallSeconds, outcome.cpuSeconds, outcome.maxRSSKilobytes)
            if let limit = outcome.limit { summary += ", stopped by limit: \(limit.rawValue)" }
            if outcome.stdoutBytes > outcome.stdout.utf8.count || outcome.stderrBytes > outcome.stderr.utf8.count {
                summary += " (output truncated: \(outcome.stdoutBytes) bytes stdout, \(outcome.stderrBytes) bytes stderr)"
            }
            printError(summary)
        }
        if let status = outcome.exitStatus, status != 0 { throw ExitCode(Int32(status)) }
        if outcome.signal != nil { throw ExitCode(128 + Int32(outcome.signal!)) }
    }
}
