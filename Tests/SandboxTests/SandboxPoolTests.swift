import Foundation
import Locking
@testable import Sandbox
import TestScratch
import Testing

@Suite(.serialized) struct SandboxPoolTests {
    static let sleeper = "import time\ntime.sleep(2)\ndef check(c):\n    pass\ncheck(1)"
    static let quick = "def check(c):\n    assert c == 1\ncheck(1)"

    /// The order in which the outcomes of [sleeper, quick, quick, quick] arrive.
    func deliveryOrder(spareWorkers: Int) throws -> (order: [Int], workers: Int, results: [String]) {
        let pool = try SandboxPool(configuration: try SandboxConfiguration(), workers: 1, spareWorkers: spareWorkers, slowAfterSeconds: 0.2)
        defer { pool.shutdown() }
        let programs = [Self.sleeper, Self.quick, Self.quick, Self.quick]
        let order = LockedBox<[Int]>([])
        let results = LockedBox<[String]>(Array(repeating: "", count: programs.count))
        try pool.runAll(count: programs.count, job: { SandboxJob(mode: .check, program: programs[$0]) }, onOutcome: { index, outcome in
            order.withLock { $0.append(index) }
            results.withLock { $0[index] = outcome.result ?? "" }
        })
        return (order.value, pool.workerCount, results.value)
    }

    /// A sample that sleeps gives up its place: the quick ones run on a spare meanwhile.
    @Test func aSlowSampleLetsTheNextOnesRunOnASpareWorker() throws {
        let run = try deliveryOrder(spareWorkers: 1)
        #expect(run.order == [1, 2, 3, 0])
        #expect(run.workers == 2)
        #expect(run.results == ["passed", "passed", "passed", "passed"])
    }

    /// Without spares one worker runs them in order: the quick ones wait for the sleeper.
    @Test func withoutSparesTheSamplesRunOneAfterAnother() throws {
        let run = try deliveryOrder(spareWorkers: 0)
        #expect(run.order == [0, 1, 2, 3])
        #expect(run.workers == 1)
        #expect(run.results == ["passed", "passed", "passed", "passed"])
    }

    /// bubblewrap's --die-with-parent follows the thread that started it: a pool made on a
    /// thread that has since exited must still have its worker.
    @Test func workersOutliveTheThreadThatStartedThem() throws {
        let made = LockedBox<Result<SandboxPool, Error>?>(nil)
        let thread = Thread {
            made.withLock { $0 = Result { try SandboxPool(configuration: try SandboxConfiguration(), workers: 1) } }
        }
        thread.start()
        while made.value == nil || thread.isExecuting { usleep(10_000) }
        usleep(300_000)  // time for a parent-death signal to arrive
        let pool = try made.value!.get()
        defer { pool.shutdown() }
        #expect(try pool.run(SandboxJob(mode: .check, program: Self.quick)).result == "passed")
        #expect(pool.restarts == 0)
    }

    /// Sandboxes run at the process's nice (`nice codeloop evaluate` must not take the machine), though
    /// libdispatch's threads, the spawning thread's parent among them, sit at nice 0.
    @Test func samplesRunAtTheProcessNice() throws {
        #if os(Linux)
        let which = __priority_which_t(PRIO_PROCESS.rawValue), process = id_t(getpid())
        let before = getpriority(which, process), niced = min(before + 7, 19)
        try #require(setpriority(which, process, niced) == 0)
        defer { setpriority(which, process, before) }  // lowering it back needs root, as CI is; else it stays
        let pool = try SandboxPool(configuration: try SandboxConfiguration(), workers: 1)
        defer { pool.shutdown() }
        let outcome = try pool.run(SandboxJob(mode: .run, program: "import os\nprint(os.nice(0))"))
        #expect(outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(niced)", "\(outcome.stdout) \(outcome.stderr)")
        #endif
    }

    /// Without namespaces there is no bwrap --clearenv: the worker itself must start clean, or a
    /// sample reads codeloop's API keys.
    @Test func samplesNeverSeeOurEnvironment() throws {
        setenv("CODELOOP_API_KEY", "sk-not-for-samples", 1)
        defer { unsetenv("CODELOOP_API_KEY") }
        for unsafe in [false, true] {
            var configuration = try SandboxConfiguration()
            configuration.unsafeNoNamespaces = unsafe
            let pool = try SandboxPool(configuration: configuration, workers: 1)
            defer { pool.shutdown() }
            let outcome = try pool.run(SandboxJob(mode: .run, program: "import os\nprint(sorted(os.environ.items()))"))
            #expect(outcome.stdout.contains("PATH"), "the sample ran (unsafe: \(unsafe)): \(outcome.stderr)")
            #expect(!outcome.stdout.contains("sk-not-for-samples"), "unsafe: \(unsafe): \(outcome.stdout)")
        }
    }

    /// A directory lent to the sandbox shows at its own path — even inside a directory the sandbox's
    /// uid cannot enter (as root's home is), and under /tmp, which the sandbox's own tmpfs covers —
    /// and cannot be written; its staged copy goes with the pool.
    @Test func readOnlyDirectoriesShowAndStayReadOnly() throws {
        let parent = Scratch.directory("sandbox")
        let lent = parent + "/lent"
        try FileManager.default.createDirectory(atPath: lent, withIntermediateDirectories: true)
        try "kept\n".write(toFile: lent + "/data.txt", atomically: true, encoding: .utf8)
        chmod(parent, 0o700)
        let stagedBefore = try Self.stagingDirectories()
        var configuration = try SandboxConfiguration()
        configuration.readOnlyDirectories = [lent]
        let pool = try SandboxPool(configuration: configuration, workers: 1)
        defer { pool.shutdown() }
        let program = """
            print(open("\(lent)/data.txt").read().strip())
            try:
                open("\(lent)/data.txt", "w").write("lost")
                print("written")
            except OSError as error:
                print("refused", error.errno)
            """
        let outcome = try pool.run(SandboxJob(mode: .run, program: program))
        #expect(outcome.stdout == "kept\nrefused 30\n", "\(outcome.stdout)\(outcome.stderr)")
        #expect(try String(contentsOfFile: lent + "/data.txt", encoding: .utf8) == "kept\n")
        pool.shutdown()
        #expect(try Self.stagingDirectories().isSubset(of: stagedBefore))
    }

    static func stagingDirectories() throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("codeloop-lent-") })
    }

    /// A directory that cannot be opened is named when the pool starts.
    @Test func aMissingReadOnlyDirectoryIsNamed() throws {
        var configuration = try SandboxConfiguration()
        configuration.readOnlyDirectories = ["/nonexistent/codeloop-wheels"]
        #expect { try SandboxPool(configuration: configuration, workers: 1) } throws: { error in
            "\(error)".contains("/nonexistent/codeloop-wheels: no such directory")
        }
    }

    /// Run mode names the memory limit for an uncaught MemoryError, not for a program that prints the word.
    @Test func printingMemoryErrorIsNotTheMemoryLimit() throws {
        let pool = try SandboxPool(configuration: try SandboxConfiguration(), workers: 1)
        defer { pool.shutdown() }
        let printed = try pool.run(SandboxJob(mode: .run, program: "import sys\nsys.stderr.write('MemoryError\\n')"))
        #expect(printed.limit == nil && printed.exitStatus == 0)
        let bomb = try pool.run(SandboxJob(mode: .run, program: "x = bytearray(8 << 30)"))
        #expect(bomb.limit == .memory, "\(bomb.stderr)")
    }
}

@Suite struct UIDSlotsTests {
    /// Two codeloop processes never share a sandbox uid (the old scheme took pid % 1000, so pids
    /// 1234 and 2234 shared their uids and one RLIMIT_NPROC count), nor do two live workers of one.
    @Test func uidsAreDisjointAcrossProcessesAndWorkers() {
        var seen = Set<UInt32>()
        for pid in [1, 1001, 1234, 2234, 32768, 4_194_303] as [pid_t] {
            for slot in [0, 1, 255, 256, 511] { #expect(seen.insert(UIDSlots.uid(pid: pid, slot: slot)).inserted) }
        }
        #expect(UIDSlots.uid(pid: 4_194_303, slot: 511) < UInt32.max - 1)
        let slots = UIDSlots()
        let a = slots.claim(), b = slots.claim()
        #expect(a != b)
        slots.release(a)
        #expect(slots.claim() == a)
    }
}
