import BundledData
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One warm Python worker inside its own bubblewrap sandbox, serving one job at a time.
final class SandboxWorker: @unchecked Sendable {
    let configuration: SandboxConfiguration
    let index: Int
    private var process: ChildProcess?
    private var toWorker: Int32 = -1
    private var reader: LineReader?
    private var errors: Int32 = -1
    private var privateTmp: String?
    /// How many times this worker was started again after dying.
    private(set) var restarts = 0

    init(configuration: SandboxConfiguration, index: Int) throws {
        self.configuration = configuration
        self.index = index
        uidSlot = geteuid() == 0 ? UIDSlots.shared.claim() : 0
        try start()
    }

    deinit {
        stop()
        if geteuid() == 0 { UIDSlots.shared.release(uidSlot) }
    }

    /// The uid the sandbox runs as when codeloop runs as root: never root, and one per live worker
    /// on the machine — the process's pid and a slot no other live worker of the process holds —
    /// so that RLIMIT_NPROC counts only that worker's samples, whatever else runs codeloop.
    var sandboxUID: UInt32? {
        guard geteuid() == 0 else { return nil }
        return UIDSlots.uid(pid: getpid(), slot: uidSlot)
    }

    /// This worker's slot among the process's live workers (released when it goes).
    private let uidSlot: Int

    static let sampleEnvironment = ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/tmp"]

    func commandLine(seccompFD: Int32?, workerSource: String) -> [String] {
        let python = configuration.python
        var argv: [String] = []
        if let uid = sandboxUID {
            argv += ["setpriv", "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "--"]
        }
        var script = ["-I", "-c", workerSource, "--undumpable"]
        if configuration.humanEvalGuard { script.append("--human-eval-guard") }
        if configuration.unsafeNoNamespaces {
            // The worker empties its temporary directory after every job: never the host's /tmp.
            guard let privateTmp else { preconditionFailure("start() makes the private directory before launching") }
            return argv + [python] + script + ["--tmp", privateTmp]
        }
        argv += ["bwrap", "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
                 "--new-session", "--clearenv",
                 "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
                 "--setenv", "LANG", "C.UTF-8", "--setenv", "HOME", "/tmp",
                 "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
        for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
            var info = stat()
            guard lstat(top, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFLNK, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: top) {
                argv += ["--symlink", target, top]
            } else {
                argv += ["--ro-bind", top, top]
            }
        }
        for directory in PythonLocator.extraMounts(for: python) {
            argv += ["--ro-bind", directory, directory]
        }
        argv += ["--size", String(configuration.limits.tmpBytes), "--tmpfs", "/tmp",
                 "--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp"]
        // After the /tmp tmpfs, which would otherwise hide a directory under /tmp.
        for (directory, source) in zip(configuration.readOnlyDirectories, configuration.readOnlySources ?? configuration.readOnlyDirectories) {
            argv += ["--ro-bind", source, directory]
        }
        if let seccompFD { argv += ["--seccomp", String(seccompFD)] }
        return argv + ["--", python] + script + ["--isolated"]
    }

    func start() throws {
        if sandboxUID != nil, let blocked = PythonLocator.firstPrivateDirectory(on: PythonLocator.realPath(configuration.python) ?? configuration.python) {
            throw SandboxError.pythonUnreachable(python: configuration.python, directory: blocked)
        }
        if configuration.unsafeNoNamespaces {
            var template = Array("/tmp/codeloop-unsafe-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw SandboxError.startFailed("mkdtemp failed") }
            privateTmp = String(cString: made)
            if let uid = sandboxUID { chown(privateTmp!, uid, uid) }
        }
        let (spawned, input, output, errors) = try launch()
        process = spawned
        toWorker = input
        self.errors = errors
        let reader = LineReader(fd: output)
        self.reader = reader
        do {
            let ready = try reader.nextLine(timeoutSeconds: 60)
            guard String(decoding: ready, as: UTF8.self).contains("\"ready\"") else {
                throw SandboxError.workerProtocol("no ready line")
            }
        } catch {
            let message = drainErrors()
            stop()
            throw SandboxError.startFailed(message.isEmpty ? "worker exited before it was ready" : message)
        }
    }

    /// Makes the pipes and spawns the sandbox under `spawnLock`, so that no other spawn inherits
    /// them; returns the process and our ends: its stdin, stdout and stderr.
    private func launch() throws -> (ChildProcess, Int32, Int32, Int32) {
        try spawnLock.withLock { try launchHoldingSpawnLock() }
    }

    private func launchHoldingSpawnLock() throws -> (ChildProcess, Int32, Int32, Int32) {
        let input = try Pipe(), output = try Pipe(), errorPipe = try Pipe()
        var mapping: [Int32: Int32] = [0: input.read, 1: output.write, 2: errorPipe.write]
        var seccompPipe: Pipe?
        if !configuration.unsafeNoNamespaces && !configuration.unsafeNoSeccomp {
            guard let program = SeccompFilter.programForThisMachine() else {
                [input.read, input.write, output.read, output.write, errorPipe.read, errorPipe.write].forEach { close($0) }
                throw SandboxError.unsupportedPlatform("codeloop has no seccomp filter for this architecture; pass --unsafe-no-seccomp to run samples without one")
            }
            let pipe = try Pipe()
            writeAll(pipe.write, program)  // a few hundred bytes: fits in the pipe buffer
            close(pipe.write)
            mapping[3] = pipe.read
            seccompPipe = pipe
        }
        guard let workerSource = configuration.workerSourceOverride ?? WorkerScript.source else {
            [input.read, input.write, output.read, output.write, errorPipe.read, errorPipe.write].forEach { close($0) }
            if let seccompPipe { close(seccompPipe.read) }
            throw SandboxError.startFailed(BundledData.missing(WorkerScript.fileName))
        }
        let argv = commandLine(seccompFD: seccompPipe == nil ? nil : 3, workerSource: workerSource)
        defer {
            [input.read, output.write, errorPipe.write].forEach { close($0) }
            if let seccompPipe { close(seccompPipe.read) }
        }
        do {
            // The same clean environment as bwrap's --clearenv/--setenv gives, on every path: a sample
            // must never see codeloop's own (API keys among it).
            return (try ChildProcess(argv: argv, mapping: mapping, environment: Self.sampleEnvironment), input.write, output.read, errorPipe.read)
        } catch {
            [input.write, output.read, errorPipe.read].forEach { close($0) }
            let tool = argv.first == "setpriv" ? "setpriv (util-linux)" : (configuration.unsafeNoNamespaces ? configuration.python : "bwrap")
            throw SandboxError.missingTool(tool, hint: "install it with `apt-get install -y bubblewrap util-linux`, or pass --unsafe-no-namespaces to run samples without a sandbox")
        }
    }

    /// The worker's stderr so far, as one line.
    private func drainErrors() -> String {
        guard errors >= 0 else { return "" }
        _ = fcntl(errors, F_SETFL, fcntl(errors, F_GETFL) | O_NONBLOCK)
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while collected.count < 1 << 16 {
            let n = chunk.withUnsafeMutableBytes { read(errors, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            collected += chunk[0..<n]
        }
        let text = String(decoding: collected, as: UTF8.self)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return lines.suffix(2).joined(separator: " / ")
    }

    func stop() {
        if toWorker >= 0 { close(toWorker); toWorker = -1 }
        process?.kill()
        process = nil
        if let reader { close(reader.fd) }
        reader = nil
        if errors >= 0 { close(errors); errors = -1 }
        if let privateTmp {
            try? FileManager.default.removeItem(atPath: privateTmp)
            self.privateTmp = nil
        }
    }

    /// Runs one job. A worker that dies or hangs is replaced, and the job is charged with it.
    /// `onSlow` is called once if the job is still running after `slowAfter` seconds.
    func run(_ job: SandboxJob, slowAfter: Double? = nil, onSlow: () -> Void = {}) throws -> SandboxOutcome {
        let line = job.workerMessage(limits: configuration.limits)
        let started = Date()
        guard let reader, writeAll(toWorker, line) else {
            return try replaceAfterDeath(started: started, timedOut: false)
        }
        // The worker enforces the wall limit itself; this outer bound only catches a wedged worker.
        var bound = job.effectiveLimits(configuration.limits).wallSeconds + 30
        do {
            if let slowAfter, slowAfter < bound {
                do {
                    return try SandboxOutcome(workerLine: try reader.nextLine(timeoutSeconds: slowAfter))
                } catch LineReader.Failure.timedOut {
                    onSlow()
                    bound -= slowAfter
                }
            }
            return try SandboxOutcome(workerLine: try reader.nextLine(timeoutSeconds: bound))
        } catch LineReader.Failure.endOfFile {
            return try replaceAfterDeath(started: started, timedOut: false)
        } catch LineReader.Failure.timedOut {
            return try replaceAfterDeath(started: started, timedOut: true)
        }
    }

    private func replaceAfterDeath(started: Date, timedOut: Bool) throws -> SandboxOutcome {
        stop()
        restarts += 1
        try start()
        let elapsed = Date().timeIntervalSince(started)
        if timedOut { return SandboxOutcome(result: "timed out", wallSeconds: elapsed, limit: .wallTime) }
        return SandboxOutcome(result: "failed: the sandbox worker died while running this sample", wallSeconds: elapsed)
    }
}
