import ArgumentParser

@main
struct Codeloop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codeloop",
        abstract: "The Codex loop on one machine: sample code, run it against unit tests in a sandbox, report pass@k.",
        version: "0.1.0",
        subcommands: [Evaluate.self, Run.self, Generate.self, Sanitize.self, BackTranslate.self, Complete.self, Score.self, Tokenize.self, TokenizerCommand.self,
                      CorpusCommand.self, Train.self, Export.self, Quantize.self, Merge.self, Serve.self, ReportCommand.self, Sweep.self])
}
