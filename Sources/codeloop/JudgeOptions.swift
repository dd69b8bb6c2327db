import ArgumentParser
import Foundation

/// Flags of every command that judges samples and reports pass@k.
struct JudgeOptions: ParsableArguments {
    @Option(name: .customLong("k"), help: "Comma-separated k values for pass@k.")
    var kList: String = "1,10,100"

    @Option(help: "Sandbox workers running samples in parallel (default: number of cores).")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        _ = try ks()
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
    }

    func ks() throws -> [Int] {
        let parts = kList.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--k must be a comma-separated list of positive integers, got '\(kList)'")
        }
        return values
    }
}
