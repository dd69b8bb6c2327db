import Foundation
import Locking

/// Slots for the sandbox uids of one process's live workers. A uid is
/// 1,000,000 + pid · 512 + slot: disjoint between processes (pids are below 2^22, so every uid
/// stays under 2^32 − 1) and between the live workers of one process.
final class UIDSlots: Sendable {
    static let shared = UIDSlots()
    static let perProcess = 512

    private let used = LockedBox<Set<Int>>([])

    static func uid(pid: pid_t, slot: Int) -> UInt32 {
        1_000_000 + UInt32(pid) * UInt32(perProcess) + UInt32(slot)
    }

    /// The lowest free slot; past 512 live workers slots are shared (RLIMIT_NPROC is then per pair).
    func claim() -> Int {
        used.withLock { taken in
            let slot = (0..<Self.perProcess).first { !taken.contains($0) } ?? taken.count % Self.perProcess
            taken.insert(slot)
            return slot
        }
    }

    func release(_ slot: Int) {
        used.withLock { _ = $0.remove(slot) }
    }
}
