import Foundation
import Locking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one thread every child process is started from, alive as long as codeloop is.
///
/// bubblewrap's --die-with-parent (PR_SET_PDEATHSIG) kills the sandbox when the *thread* that
/// started it exits, not the process: sandboxes started from pool or GCD threads, which come and
/// go, were killed mid-run ("the sandbox worker died while running this sample") on a busy machine.
final class SpawningThread: @unchecked Sendable {
    static let shared = SpawningThread()
    private let condition = NSCondition()
    private var work: [() -> Void] = []

    private init() {
        let thread = Thread { [self] in
            while true {
                condition.lock()
                while work.isEmpty { condition.wait() }
                let next = work.removeFirst()
                condition.unlock()
                next()
            }
        }
        thread.name = "codeloop-spawner"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// The process's nice (its main thread's, which `nice` set) for the spawning thread, whose children
    /// inherit it: Foundation's threads start at the nice of libdispatch's thread that made them (0 at
    /// the default QoS), so sandboxes ran at full priority under a niced codeloop. Read at each spawn,
    /// so that a later renice of the process reaches the next sandboxes.
    private static func takeProcessNice() {
        #if os(Linux)
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let process = getpriority(which, id_t(getpid()))
        if errno == 0, process > getpriority(which, 0) { setpriority(which, 0, process) }  // 0: this thread
        #endif
    }

    /// Runs `body` on the spawning thread and waits for it.
    func perform<Result: Sendable>(_ body: @escaping () -> Result) -> Result {
        let result = LockedBox<Result?>(nil)
        let done = DispatchSemaphore(value: 0)
        condition.lock()
        work.append {
            Self.takeProcessNice()
            result.withLock { $0 = body() }
            done.signal()
        }
        condition.signal()
        condition.unlock()
        done.wait()
        return result.value!
    }
}

/// A process started with posix_spawn, with chosen descriptors mapped into it.
///
/// Foundation's Process cannot pass descriptors beyond 0-2, and bubblewrap takes its seccomp
/// program on one; so this is a thin wrapper over posix_spawn.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t

    /// Starts `argv[0]` (searched in PATH) with `mapping[target] = source` descriptors.
    /// Every other descriptor of ours is close-on-exec (see `Pipe`), so nothing else leaks.
    init(argv: [String], mapping: [Int32: Int32], environment: [String]? = nil) throws {
        let env = environment ?? currentEnvironment()
        let (rc, pid) = SpawningThread.shared.perform { Self.spawn(argv: argv, mapping: mapping, environment: env) }
        if rc != 0 {
            throw SandboxError.startFailed("cannot start \(argv[0]): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
    }

    /// posix_spawnp's status and the new process's id.
    private static func spawn(argv: [String], mapping: [Int32: Int32], environment: [String]) -> (Int32, pid_t) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, source) in mapping.sorted(by: { $0.key < $1.key }) {
            posix_spawn_file_actions_adddup2(&actions, source, target)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Default signal handling in the child, whatever the parent ignores.
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        let cEnv = environment.map { strdup($0) } + [nil]
        defer { cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
        return (rc, pid)
    }

    /// Sends SIGKILL and reaps the process.
    func kill() {
        _ = Glibc.kill(pid, SIGKILL)
        _ = wait()
    }

    /// Waits for exit; returns the raw wait status.
    @discardableResult
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return status
    }
}

func currentEnvironment() -> [String] {
    var result: [String] = []
    var pointer = environ
    while let entry = pointer.pointee {
        result.append(String(cString: entry))
        pointer += 1
    }
    return result
}

/// Held while pipes are made and children spawned: Glibc's module hides pipe2, so between
/// pipe() and FD_CLOEXEC another thread's spawn could otherwise inherit the new descriptors.
let spawnLock = Lock()

/// A pipe whose both ends are close-on-exec; posix_spawn's dup2 clears the flag on the copy.
/// Make pipes and spawn while holding `spawnLock`.
struct Pipe {
    let read: Int32
    let write: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw SandboxError.startFailed("pipe: \(String(cString: strerror(errno)))")
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        read = fds[0]
        write = fds[1]
    }
}

/// Writes all of `bytes`, retrying on EINTR and short writes. Returns false if the peer is gone.
@discardableResult
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    // A worker that died leaves a pipe with no reader, and writing to it raises SIGPIPE, which
    // would end codeloop. The signal is blocked for this thread during the write and a pending
    // one taken back, so the library need not change the process's disposition (libcurl's way).
    var pipeSignal = sigset_t(), previous = sigset_t()
    sigemptyset(&pipeSignal)
    sigaddset(&pipeSignal, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
    defer {
        var pending = sigset_t()
        sigpending(&pending)
        if sigismember(&pending, SIGPIPE) == 1 && sigismember(&previous, SIGPIPE) == 0 {
            var zero = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&pipeSignal, nil, &zero)
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
    }
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += n
    }
    return true
}

/// Reads newline-terminated records from a descriptor, with an optional timeout per record.
final class LineReader {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    /// Read into and copied out of, kept between reads (a fresh 64 KiB per read was a memset per sample).
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)

    init(fd: Int32) { self.fd = fd }

    enum Failure: Error { case endOfFile, timedOut }

    /// The next line without its newline.
    func nextLine(timeoutSeconds: Double?) throws(Failure) -> [UInt8] {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                if start > 1 << 16 {
                    buffer.removeFirst(start)
                    start = 0
                }
                return line
            }
            if let timeoutSeconds {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ms = Int32(min(timeoutSeconds * 1000, Double(Int32.max)))
                var ready: Int32
                repeat { ready = poll(&poller, 1, ms) } while ready < 0 && errno == EINTR
                if ready == 0 { throw .timedOut }
            }
            var n: Int
            repeat { n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
            while n < 0 && errno == EINTR
            if n <= 0 { throw .endOfFile }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }
}
