import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on stderr: done/total, rate, ETA, passed so far.
/// Silent when stderr is not a terminal or when asked to be quiet.
public final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let enabled: Bool
    private let unit: String
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var done = 0
    private var passed = 0
    private let lock = NSLock()

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
        lock.lock()
        defer { lock.unlock() }
        done += 1
        if didPass { passed += 1 }
        let now = Date()
        if enabled && (now.timeIntervalSince(lastDraw) > 0.1 || done == total) {
            lastDraw = now
            draw(now: now)
        }
    }

    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        if enabled && done > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private func draw(now: Date) {
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
