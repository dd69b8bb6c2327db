import Locking

/// Runs `onExpiry` after `seconds` unless cancelled first.
final class TimeLimit: Sendable {
    private let expired = LockedBox(false)
    private let task = LockedBox<Task<Void, Never>?>(nil)

    init(seconds: Double, onExpiry: @escaping @Sendable () -> Void) {
        let started = Task { [weak self] in
            try? await Task.sleep(for: .seconds(seconds))
            guard !Task.isCancelled, let self else { return }
            self.expired.withLock { $0 = true }
            onExpiry()
        }
        task.withLock { $0 = started }
    }

    var fired: Bool { expired.withLock { $0 } }
    func cancel() { task.withLock { $0?.cancel() } }
}
