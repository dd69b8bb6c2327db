import ArgumentParser
import Foundation
import Reports

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Turn results files into a self-contained HTML report with charts, and a Markdown summary.",
        discussion: """
        Each RESULTS file is a <samples>_results.jsonl written by `codeloop evaluate`; each is one run. \
        The page shows pass@k against k with 95% bootstrap intervals over tasks, pass@k against temperature \
        when the runs differ in it, pass@1 after ranking by mean or summed log-probability (with random and \
        oracle picks), and per-task pass rates as a heat map. The Markdown summary goes to stdout.
        """)

    @Argument(help: "Results files, one per run.")
    var results: [String]

    @Option(help: "The HTML report to write.")
    var out: String = "report.html"

    @Option(help: "Also write the Markdown summary to this file.")
    var markdown: String?

    @Option(help: "Comma-separated names for the runs, in order (default: the file names).")
    var labels: String?

    @Option(help: "The report's title.")
    var title: String = "codeloop report"

    func validate() throws {
        guard !results.isEmpty else { throw ValidationError("give at least one results file") }
        if let labels, labels.split(separator: ",", omittingEmptySubsequences: false).count != results.count {
            throw ValidationError("--labels names \(labels.split(separator: ",", omittingEmptySubsequences: false).count) runs but \(results.count) results files were given")
        }
    }

    func run() throws {
        let names = labels.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) } }
        let runs = try results.enumerated().map { try RunSummary(path: $1, label: names?[$0]) }
        let report = Report(runs: runs, title: title)
        try report.write(html: out, markdown: markdown)
        print(report.markdown(), terminator: "")
        printError("report written to \(out)")
    }
}
