import Foundation
import Locking
#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on stderr: done/total, rate, ETA, passed so far.
/// Silent when stderr is not a terminal or when asked to be quiet.
public final class ProgressBar: Sendable {
    private let total: Int
    private let enabled: Bool
    private let unit: String
    private let started = Date()

    private struct Counts {
        var lastDraw = Date.distantPast
        var done = 0
        var passed = 0
    }

    private let counts = LockedBox(Counts())

    /// More to show after the counts (say, tokens/s); called under the bar's lock.
    private let detail: (@Sendable (Double) -> String)?

    private let countsPasses: Bool

    public init(total: Int, unit: String = "samples", quiet: Bool, countsPasses: Bool = true,
                detail: (@Sendable (_ elapsed: Double) -> String)? = nil) {
        self.total = total
        self.countsPasses = countsPasses
        self.unit = unit
        self.detail = detail
        self.enabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    public func advance(passed didPass: Bool) {
        counts.withLock { counts in
            counts.done += 1
            if didPass { counts.passed += 1 }
            let now = Date()
            if enabled && (now.timeIntervalSince(counts.lastDraw) > 0.1 || counts.done == total) {
                counts.lastDraw = now
                draw(now: now, done: counts.done, passed: counts.passed)
            }
        }
    }

    public func finish() {
        counts.withLock { counts in
            if enabled && counts.done > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }

    private func draw(now: Date, done: Int, passed: Int) {
        let elapsed = max(now.timeIntervalSince(started), 1e-9)
        let rate = Double(done) / elapsed
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        var line = String(format: "\r[%@] %d/%d  %.1f %@/s  ETA %@ ", bar, done, total, rate, unit, Self.duration(remaining))
        if countsPasses { line += " passed \(passed) " }
        if let detail { line += " " + detail(elapsed) }
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
