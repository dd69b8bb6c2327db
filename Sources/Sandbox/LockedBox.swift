import Foundation

/// A value behind a lock, for the counters and results shared between worker threads and their
/// callbacks. The lock is NSLock (a pthread mutex) rather than Synchronization's Mutex: on Linux
/// Mutex is a futex that ThreadSanitizer cannot see, so every contended LockedBox was reported as
/// a race (16 reports in one `swift test --sanitize=thread` run).
public final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    public init(_ value: Value) { stored = value }

    public var value: Value { lock.withLock { stored } }

    @discardableResult
    public func update<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        lock.withLock { body(&stored) }
    }
}
