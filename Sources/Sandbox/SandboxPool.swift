import Foundation
import Locking
#if canImport(Glibc)
import Glibc
#endif

/// A set of warm sandbox workers that run jobs in parallel, one job per worker at a time.
///
/// `workers` jobs run at once. With `spareWorkers`, a job still running after `slowAfterSeconds`
/// (a sample that sleeps, waits for its timeout or loops) gives up its place, and the next job
/// starts on an idle worker, or on a spare started for it; at most `workers + spareWorkers` run
/// at once. Without that, a file with many timeouts leaves the cores idle while the samples wait.
public final class SandboxPool: @unchecked Sendable {
    public let configuration: SandboxConfiguration
    public let spareWorkers: Int
    public let slowAfterSeconds: Double
    private let primaryCount: Int
    private let started = LockedBox<[SandboxWorker]>([])
    private let nextWorkerIndex: LockedBox<Int>
    /// One run (or runAll) at a time: each hands out the workers.
    private let running = Lock()
    private let staging: ReadOnlyStaging?

    /// Starts `workers` sandboxes; fails with a one-line reason if the first cannot start.
    /// Spare workers start only when a run needs them.
    public init(configuration: SandboxConfiguration, workers: Int, spareWorkers: Int = 0, slowAfterSeconds: Double = 0.5) throws {
        var configuration = configuration
        if !configuration.readOnlyDirectories.isEmpty && !configuration.unsafeNoNamespaces {
            let staging = try ReadOnlyStaging(configuration.readOnlyDirectories, sandboxRunsAsAnotherUser: geteuid() == 0)
            configuration.readOnlySources = staging.sources
            self.staging = staging
        } else {
            staging = nil
        }
        self.configuration = configuration
        self.spareWorkers = max(0, spareWorkers)
        self.slowAfterSeconds = slowAfterSeconds
        let count = max(1, workers)
        primaryCount = count
        nextWorkerIndex = LockedBox(count)
        let slots = LockedBox<[SandboxWorker?]>(Array(repeating: nil, count: count))
        let firstError = LockedBox<Error?>(nil)
        DispatchQueue.concurrentPerform(iterations: count) { [configuration] index in
            do {
                let worker = try SandboxWorker(configuration: configuration, index: index)
                slots.withLock { $0[index] = worker }
            } catch {
                firstError.withLock { if $0 == nil { $0 = error } }
            }
        }
        let workers = slots.value.compactMap { $0 }
        if let error = firstError.value {
            workers.forEach { $0.stop() }
            staging?.remove()
            throw error
        }
        started.withLock { $0 = workers }
    }

    public var workerCount: Int { started.value.count }

    /// The uids the workers run as (when codeloop runs as root), to find their processes.
    public var sandboxUIDs: [UInt32] { started.value.compactMap(\.sandboxUID) }

    /// Worker restarts so far (a sample that kills its worker causes one).
    public var restarts: Int { started.value.reduce(0) { $0 + $1.restarts } }

    /// Runs one job on the first worker.
    public func run(_ job: SandboxJob) throws -> SandboxOutcome {
        try running.withLock { try started.value[0].run(job) }
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
        try running.withLock { try runAllHoldingThePool(count: count, job: job, onOutcome: onOutcome, shouldStop: shouldStop) }
    }

    private func runAllHoldingThePool(
        count: Int,
        job: @escaping @Sendable (Int) -> SandboxJob,
        onOutcome: @escaping @Sendable (Int, SandboxOutcome) -> Void,
        shouldStop: @escaping @Sendable () -> Bool
    ) throws {
        let next = LockedBox(0)
        let delivery = Lock()  // onOutcome is never called twice at once
        let failure = LockedBox<Error?>(nil)
        // A place is held by each job that has not yet run past slowAfterSeconds.
        let places = DispatchSemaphore(value: primaryCount)
        let idle = LockedBox(started.value)
        let slowAfter = spareWorkers > 0 ? slowAfterSeconds : nil
        // One thread per lane, not concurrentPerform: GCD caps that at the number of cores, and
        // lanes mostly wait on their sample, so more lanes than cores must all be driving at once.
        let finished = DispatchGroup()
        for _ in 0..<(primaryCount + spareWorkers) {
            finished.enter()
            let thread = Thread {
                defer { finished.leave() }
                drive()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        @Sendable func drive() {
            while true {
                places.wait()
                let index = next.withLock { value -> Int in
                    defer { value += 1 }
                    return value
                }
                if index >= count || failure.value != nil || shouldStop() {
                    places.signal()
                    return
                }
                var holding = true
                do {
                    let worker = try idle.withLock { $0.popLast() } ?? startSpare()
                    defer { idle.withLock { $0.append(worker) } }
                    let outcome = try worker.run(job(index), slowAfter: slowAfter) {
                        holding = false
                        places.signal()
                    }
                    delivery.withLock { onOutcome(index, outcome) }
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                }
                if holding { places.signal() }
            }
        }
        finished.wait()
        if let error = failure.value { throw error }
    }

    /// A spare worker, started when every started worker is busy.
    private func startSpare() throws -> SandboxWorker {
        let index = nextWorkerIndex.withLock { value -> Int in
            defer { value += 1 }
            return value
        }
        let worker = try SandboxWorker(configuration: configuration, index: index)
        started.withLock { $0.append(worker) }
        return worker
    }

    public func shutdown() {
        started.value.forEach { $0.stop() }
        staging?.remove()
    }

    deinit { shutdown() }
}
