import ArgumentParser
import Foundation
import Training

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train or fine-tune a GPT-2 model on CPU.",
        discussion: """
        Pretraining (or continued training, with init_from): --corpus DIR from `codeloop corpus build`. \
        Codex-S fine-tuning: --examples FILE.jsonl of {"prompt", "completion"} pairs (from \
        `codeloop corpus functions`), the loss counted on completions only. Checkpoints go to \
        OUT/step-NNNNNN in HF layout, OUT/latest names the newest; --resume OUT continues a run.
        Presets: tiny (tests), small (the bundled model), finetune (Codex-S on top of small).
        """)

    @Option(help: "A preset (tiny, small, finetune) or a JSON config file.")
    var config: String?

    @Option(help: "A corpus directory built by `codeloop corpus build`.")
    var corpus: String?

    @Option(help: "Supervised examples (JSONL with prompt and completion) for Codex-S fine-tuning.")
    var examples: String?

    @Option(name: .customLong("init-from"), help: "Start from this checkpoint's weights (overrides the config's init_from).")
    var initFrom: String?

    @Option(help: "Directory for checkpoints.")
    var out: String?

    @Option(help: "Resume the run whose checkpoints are in this directory (or this checkpoint).")
    var resume: String?

    @Option(help: "Override the config's number of steps.")
    var steps: Int?

    @Option(name: .customLong("stop-after"), help: "Stop (with a checkpoint) after this step, as an interruption would.")
    var stopAfter: Int?

    @Option(name: .customLong("fim-rate"), help: ArgumentHelp(
        "Fill-in-the-middle: the fraction of documents rearranged (overrides the config's fim_rate; with --resume, continues the run with FIM).",
        discussion: "The sentinels <fim_prefix>, <fim_suffix>, <fim_middle> are added to the tokenizer and the embedding grows to hold them."))
    var fimRate: Double?

    func validate() throws {
        if resume == nil {
            guard config != nil else { throw ValidationError("give --config (a preset or file), or --resume DIR") }
            guard out != nil else { throw ValidationError("give --out DIR for checkpoints") }
            guard (corpus == nil) != (examples == nil) else { throw ValidationError("give one of --corpus DIR or --examples FILE") }
        } else if config != nil || corpus != nil || examples != nil {
            throw ValidationError("--resume takes its config and data from the checkpoint; drop --config, --corpus and --examples")
        }
        if let fimRate, !(0...1).contains(fimRate) { throw ValidationError("--fim-rate must be between 0 and 1") }
    }

    func run() throws {
        let run: TrainingRun
        if let resume {
            run = try TrainingRun.resume(resume, steps: steps, fimRate: fimRate, log: { printError($0) })
        } else {
            var configuration = try TrainingConfiguration.load(config!)
            if let steps { configuration.steps = steps }
            if let initFrom { configuration.initFrom = initFrom }
            if let fimRate { configuration.fimRate = fimRate }
            run = try TrainingRun.start(configuration: configuration, configSource: config!, source: corpus.map { ["corpus": $0] } ?? ["examples": examples!],
                                        output: out!, log: { printError($0) })
        }
        let c = run.state.configuration
        printError("GPT-2: \(c.layers) layers, \(c.heads) heads, width \(c.hiddenSize), context \(c.contextLength), " +
                   "vocabulary \(run.model.config.vocabularySize); \(run.model.layout.count) parameters; " +
                   "\(c.tokensPerStep) tokens per step, steps \(run.state.step + 1)...\(c.steps)")
        try run.run(until: stopAfter)
        let final = run.state
        var line = "step \(final.step): train loss \(final.trainLoss.map { String(format: "%.4f", $0) } ?? "-")"
        if let last = final.validationLosses.last { line += String(format: ", validation loss %.4f", last.loss) }
        print(line + " → \(run.output)/latest")
    }
}
