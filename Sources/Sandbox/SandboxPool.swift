import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A set of warm sandbox workers that run jobs in parallel, one job per worker at a time.
public final class SandboxPool: @unchecked Sendable {
    public let configuration: SandboxConfiguration
    private var workers: [SandboxWorker] = []
    private let lock = NSLock()
    private static let poolCount = LockedBox(0)

    /// Starts `workers` sandboxes; fails with a one-line reason if the first cannot start.
    public init(configuration: SandboxConfiguration, workers: Int) throws {
        self.configuration = configuration
        signal(SIGPIPE, SIG_IGN)  // a worker that died must not take codeloop with it
        let count = max(1, workers)
        let poolID = Self.poolCount.update { value -> Int in
            defer { value += 1 }
            return value
        }
        let started = LockedBox<[SandboxWorker?]>(Array(repeating: nil, count: count))
        let firstError = LockedBox<Error?>(nil)
        DispatchQueue.concurrentPerform(iterations: count) { index in
            do {
                let worker = try SandboxWorker(configuration: configuration, index: index, poolID: poolID)
                started.update { $0[index] = worker }
            } catch {
                firstError.update { if $0 == nil { $0 = error } }
            }
        }
        self.workers = started.value.compactMap { $0 }
        if let error = firstError.value {
            self.workers.forEach { $0.stop() }
            throw error
        }
    }

    public var workerCount: Int { workers.count }

    /// The uids the workers run as (when codeloop runs as root), to find their processes.
    public var sandboxUIDs: [UInt32] { workers.compactMap(\.sandboxUID) }

    /// Worker restarts so far (a sample that kills its worker causes one).
    public var restarts: Int { workers.reduce(0) { $0 + $1.restarts } }

    /// Runs one job on the first worker.
    public func run(_ job: SandboxJob) throws -> SandboxOutcome {
        lock.lock()
        defer { lock.unlock() }
        return try workers[0].run(job)
    }

    /// Runs jobs `0..<count`, building each with `job` and handing each outcome to `onOutcome`
    /// as soon as it is known. `onOutcome` is called from several threads, never at once.
    /// `shouldStop` is polled between jobs; a stopped run returns early.
    public func runAll(
        count: Int,
        job: @escaping @Sendable (Int) -> SandboxJob,
        onOutcome: @escaping @Sendable (Int, SandboxOutcome) -> Void,
        shouldStop: @escaping @Sendable () -> Bool = { false }
    ) throws {
        lock.lock()
        defer { lock.unlock() }
        let next = LockedBox(0)
        let delivery = NSLock()
        let failure = LockedBox<Error?>(nil)
        let workers = self.workers
        // One thread per worker, not concurrentPerform: GCD caps that at the number of cores, and
        // workers mostly wait on their sample (sleeping and timed-out samples hold one without
        // using a core), so more workers than cores must all be driving at once.
        let finished = DispatchGroup()
        for w in workers.indices {
            finished.enter()
            let thread = Thread {
                defer { finished.leave() }
                drive(w)
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        @Sendable func drive(_ w: Int) {
            while failure.value == nil && !shouldStop() {
                let index = next.update { value -> Int in
                    defer { value += 1 }
                    return value
                }
                if index >= count { return }
                do {
                    let outcome = try workers[w].run(job(index))
                    delivery.lock()
                    onOutcome(index, outcome)
                    delivery.unlock()
                } catch {
                    failure.update { if $0 == nil { $0 = error } }
                    return
                }
            }
        }
        finished.wait()
        if let error = failure.value { throw error }
    }

    public func shutdown() {
        workers.forEach { $0.stop() }
    }

    deinit { shutdown() }
}

/// A value behind a lock, for the few counters shared between worker threads.
public final class LockedBox<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()

    public init(_ value: Value) { stored = value }

    public var value: Value {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    @discardableResult
    public func update<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&stored)
    }
}
