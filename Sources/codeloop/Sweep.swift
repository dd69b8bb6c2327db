import ArgumentParser
import Evaluation
import Foundation
import Generation
import Sandbox
import Reports

struct Sweep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate, evaluate and report at several sampling temperatures in one command.",
        discussion: """
        For each temperature T it writes OUT/samples-T.jsonl (codeloop generate), judges it into \
        OUT/samples-T.jsonl_results.jsonl (codeloop evaluate), and finally writes OUT/report.html and \
        OUT/report.md over all temperatures. Every step resumes: run the same command again after an \
        interruption and finished work is kept. --temperature is ignored; --temperatures sets them.
        """)

    @Option(help: "Comma-separated sampling temperatures.")
    var temperatures: String = "0.2,0.4,0.6,0.8"

    @Option(help: ArgumentHelp(problemSetHelp))
    var tasks: String = "humaneval"

    @Option(help: "Samples per task at each temperature.")
    var n: Int = 10

    @Option(help: "Only the first N tasks.")
    var limit: Int?

    @Option(name: .customLong("out-dir"), help: "Folder for samples, results and the report.")
    var outDir: String = "sweep"

    @Flag(help: "No progress bars.")
    var quiet = false


    @OptionGroup var judging: JudgeOptions
    @OptionGroup var remote: EndpointOptions
    @OptionGroup var options: ModelOptions
    @OptionGroup var sandbox: SandboxOptions

    func parsedTemperatures() throws -> [Float] {
        let parts = temperatures.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Float($0) }
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw ValidationError("--temperatures must be a comma-separated list of numbers >= 0, got '\(temperatures)'")
        }
        guard Set(values).count == values.count else { throw ValidationError("--temperatures lists a temperature twice") }
        return values
    }

    func validate() throws {
        _ = try parsedTemperatures()
        guard n >= 1 else { throw ValidationError("--n must be at least 1") }
    }

    func run() async throws {
        let problems = try judging.problemsForJudging(try ProblemSet.load(tasks))
        let chosen = Array(problems.problems.prefix(limit ?? problems.problems.count))
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let backend = remote.chat ? nil : try remote.backend(local: options)
        let chatBackend = remote.chat ? try remote.chatBackend(local: options) : nil
        let sanitizer = remote.chat && !remote.noSanitize
            ? try SandboxPool(configuration: try sandbox.configuration(), workers: ProcessInfo.processInfo.activeProcessorCount) : nil
        defer { sanitizer?.shutdown() }
        var resultsFiles: [String] = []
        for temperature in try parsedTemperatures() {
            let samples = "\(outDir)/samples-T\(temperature).jsonl"
            let results = samples + "_results.jsonl"
            var parameters = remote.chat ? options.parameters(chatDefaults: true) : options.parameters(defaultStops: problems.stops)
            parameters.temperature = temperature
            printError("T=\(temperature): generating \(n) samples per task into \(samples)")
            if let chatBackend {
                _ = try await ChatSampleGeneration.run(
                    problems: chosen, problemSet: problems, backend: chatBackend, prompt: remote.chatPrompt, parameters: parameters, n: n,
                    out: samples, quiet: quiet, concurrency: remote.concurrencyLimit, samplesPerRequest: remote.samplesPerRequest(n: n), sanitizeWith: sanitizer)
            } else if let backend {
                _ = try await SampleGeneration.run(
                    problems: chosen, backend: backend, parameters: parameters, n: n, out: samples, quiet: quiet,
                    concurrency: remote.concurrencyLimit, samplesPerRequest: remote.samplesPerRequest(n: n))
            }
            if try Self.isComplete(results: results, samples: samples) {
                printError("T=\(temperature): \(results) is complete; kept")
            } else {
                var evaluation = FunctionalCorrectness.Options()
                evaluation.ks = try judging.ks()
                evaluation.ignoreIncomplete = limit != nil
                evaluation.quiet = quiet
                let summary = try judging.evaluate(samples: samples, problems: problems, options: evaluation, sandbox: sandbox, humanEvalGuard: true)
                printError(summary.text(problemSetName: "\(problems.name) at T=\(temperature)"))
            }
            resultsFiles.append(results)
        }
        if let chatBackend { try await EndpointOptions.shutdown(chatBackend) }
        let report = Report(runs: try resultsFiles.map { try RunSummary(path: $0) }, title: "\(problems.name): temperature sweep")
        try report.write(html: "\(outDir)/report.html", markdown: "\(outDir)/report.md")
        print(report.markdown(), terminator: "")
        printError("report written to \(outDir)/report.html and \(outDir)/report.md")
    }

    /// A results file judged every line of the current samples file, in order.
    static func isComplete(results: String, samples: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: results) else { return false }
        let count = { (path: String) -> Int in
            (FileManager.default.contents(atPath: path) ?? Data()).split(separator: UInt8(ascii: "\n")).count
        }
        return count(results) == count(samples)
    }
}
