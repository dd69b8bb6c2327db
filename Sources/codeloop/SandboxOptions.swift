import ArgumentParser
import Foundation
import Sandbox

/// Sandbox flags shared by every command that runs untrusted code.
struct SandboxOptions: ParsableArguments {
    @Option(help: "Wall-clock seconds per sample; its whole process tree is killed after.")
    var timeout: Double = SandboxLimits.defaults.wallSeconds

    @Option(name: .customLong("cpu-time"), help: "CPU seconds per sample (default: timeout + 1).")
    var cpuTime: Double?

    @Option(help: "Address-space limit per sample process, in MB.")
    var memory: Int = SandboxLimits.defaults.memoryMB

    @Option(help: "Processes and threads a sample may run at once.")
    var processes: Int = SandboxLimits.defaults.processes

    @Option(name: .customLong("output-limit"), help: "Bytes of stdout and of stderr kept per sample; more stops it.")
    var outputLimit: Int = SandboxLimits.defaults.outputBytes

    @Option(name: .customLong("file-limit"), help: "Largest file a sample may write, in bytes.")
    var fileLimit: Int = SandboxLimits.defaults.fileBytes

    @Option(name: .customLong("tmp-limit"), help: "Size of each worker's private /tmp, in bytes.")
    var tmpLimit: Int = SandboxLimits.defaults.tmpBytes

    @Option(help: "Python interpreter that runs the samples (default: /usr/bin/python3).")
    var python: String?

    @Flag(name: .customLong("unsafe-no-namespaces"), help: "Run samples without bubblewrap: no namespaces, no read-only view, no seccomp. Unsafe.")
    var unsafeNoNamespaces = false

    @Flag(name: .customLong("unsafe-no-seccomp"), help: "Run samples without the seccomp filter. Unsafe.")
    var unsafeNoSeccomp = false

    func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
        if let cpuTime, !(cpuTime > 0) { throw ValidationError("--cpu-time must be positive") }
        guard memory >= 64 else { throw ValidationError("--memory must be at least 64 (MB)") }
        guard processes >= 1 else { throw ValidationError("--processes must be at least 1") }
        guard outputLimit >= 0, fileLimit >= 0, tmpLimit >= 1 << 20 else {
            throw ValidationError("--output-limit and --file-limit must be >= 0, --tmp-limit >= 1048576")
        }
    }

    func configuration() throws -> SandboxConfiguration {
        var limits = SandboxLimits()
        limits.wallSeconds = timeout
        limits.cpuSeconds = cpuTime
        limits.memoryMB = memory
        limits.processes = processes
        limits.outputBytes = outputLimit
        limits.fileBytes = fileLimit
        limits.tmpBytes = tmpLimit
        var configuration = try SandboxConfiguration(python: python, limits: limits)
        configuration.unsafeNoNamespaces = unsafeNoNamespaces
        configuration.unsafeNoSeccomp = unsafeNoSeccomp
        return configuration
    }
}
