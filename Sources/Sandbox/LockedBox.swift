import Synchronization

/// A value behind a lock (Synchronization's Mutex), for the few counters and results shared
/// between worker threads and their callbacks.
public final class LockedBox<Value: Sendable>: Sendable {
    private let stored: Mutex<Value>

    public init(_ value: Value) { stored = Mutex(value) }

    public var value: Value { stored.withLock { $0 } }

    @discardableResult
    public func update<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        stored.withLock { body(&$0) }
    }
}
