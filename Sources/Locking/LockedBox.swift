import Foundation

/// A value behind a lock: codeloop's one way to share mutable state between threads (the rule is
/// in docs/ARCHITECTURE.md). The lock is NSLock, a pthread mutex, rather than Synchronization's
/// Mutex: on Linux Mutex is a futex that ThreadSanitizer cannot see, so every contended Mutex was
/// reported as a race (16 reports in one `swift test --sanitize=thread` run).
public final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    public init(_ value: Value) { stored = value }

    /// A copy of the value, read under the lock.
    public var value: Value { withLock { $0 } }

    /// Runs `body` on the value with the lock held; Synchronization.Mutex's shape.
    @discardableResult
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&stored)
    }
}
