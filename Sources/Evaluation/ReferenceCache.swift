import Archives
import Foundation

/// The canonical solutions' reports (expected outputs and time limits) of evalplus tasks, kept
/// between runs as evalplus keeps its ground truth under ~/.cache/evalplus. One file per task,
/// named by a hash of everything the report depends on — the task's record, the driver that
/// computes it and the interpreter that runs it — so that a change to any of them misses the cache
/// and recomputes. Each file starts with a checksum of its report: a torn or edited file is
/// ignored, never trusted.
public struct ReferenceCache: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// $XDG_CACHE_HOME/codeloop/references, or ~/.cache/codeloop/references.
    public static var defaultDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        return base + "/codeloop/references"
    }

    /// What identifies an interpreter's build without running it: its resolved path, size and
    /// modification time (an upgrade changes them).
    static func interpreterIdentity(_ python: String) -> String {
        let resolved = URL(fileURLWithPath: python).resolvingSymlinksInPath().path
        let attributes = try? FileManager.default.attributesOfItem(atPath: resolved)
        let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
        return "\(resolved) \(size) \(modified)"
    }

    /// The file that holds the report of `record` run by `driver` on `python`.
    func path(record: String, driver: String, python: String) -> String {
        let key = [driver, record, Self.interpreterIdentity(python)].joined(separator: "\u{0}")
        return directory + "/" + String(fnv1a64(Array(key.utf8)), radix: 16) + ".json"
    }

    /// The stored report, if present and intact.
    func load(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let newline = text.firstIndex(of: "\n") else { return nil }
        let report = String(text[text.index(after: newline)...])
        return String(text[..<newline]) == Self.checksum(report) ? report : nil
    }

    /// Stores a report; written to a temporary file and renamed, so that readers never see half
    /// of one. A cache that cannot be written only costs the next run the recomputation.
    func store(_ report: String, at path: String) {
        let temporary = path + ".\(getpid()).tmp"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try (Self.checksum(report) + "\n" + report).write(toFile: temporary, atomically: false, encoding: .utf8)
            if rename(temporary, path) != 0 { try? FileManager.default.removeItem(atPath: temporary) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
        }
    }

    static func checksum(_ report: String) -> String {
        "fnv1a64:" + String(fnv1a64(Array(report.utf8)), radix: 16)
    }
}
