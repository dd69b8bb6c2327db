import Corpus
import Foundation
import Models
import Seeding
import Tokenizers

/// Setting a run up: its data (a corpus's token shards, with FIM's sentinels added to the
/// tokenizer when asked; or supervised examples, one in fifty held out), its initial weights
/// (fresh, a checkpoint's, or a checkpoint's with the vocabulary grown for FIM), and the check
/// that it fits in memory.
extension TrainingRun {
    /// A new run of `configuration` (read from `configSource`) on `source` (["corpus": DIR] or
    /// ["examples": FILE]), from scratch or from its init_from checkpoint, writing to `output`.
    public static func start(configuration: TrainingConfiguration, configSource: String, source: [String: String], output out: String,
                             log: @escaping (String) -> Void) throws -> TrainingRun {
        var configuration = configuration
        try configuration.check(source: configSource)
        // The initial model's context bounds the data's (fine-tuning examples are kept by it).
        let initial = try configuration.initFrom.map { try ModelConfig.load(directory: $0) }
        if let initial { configuration.contextLength = min(configuration.contextLength, initial.contextLength) }
        let (data, tokenizerFile, tokenizer) = try loadData(source, configuration: configuration, output: out, log: log)
        var layout: GPT2Layout, parameters: FloatBuffer
        if let initFrom = configuration.initFrom, let config = initial {
            guard config.architecture == .gpt2 else { throw TrainingError("\(initFrom): codeloop trains GPT-2 models; this is \(config.architecture)") }
            let grows = fimAddsTokens(configuration) && config.vocabularySize + FIMTokens.codeloopNames.count == tokenizer.vocabularySize
            guard config.vocabularySize == tokenizer.vocabularySize || grows else {
                throw TrainingError("\(initFrom): vocabulary of \(config.vocabularySize) tokens, the data's tokenizer has \(tokenizer.vocabularySize)")
            }
            if !grows, let theirs = FileManager.default.contents(atPath: initFrom + "/tokenizer.json"),
               let ours = FileManager.default.contents(atPath: tokenizerFile), !Tokenizer.sameDefinition(theirs, ours) {
                throw TrainingError("\(initFrom)/tokenizer.json differs from the data's tokenizer \(tokenizerFile)")
            }
            layout = GPT2Layout(config: config)
            parameters = try GPT2Checkpoint.loadParameters(layout: layout, directory: initFrom)
            if grows {
                (layout, parameters) = GPT2Checkpoint.growingVocabulary(parameters, layout: layout, to: tokenizer.vocabularySize,
                                                                        seed: configuration.seed)
            }
            configuration.layers = config.layers
            configuration.heads = config.heads
            configuration.hiddenSize = config.hiddenSize
        } else {
            layout = GPT2Layout(config: .gpt2(vocabularySize: tokenizer.vocabularySize, hiddenSize: configuration.hiddenSize,
                                              layers: configuration.layers, heads: configuration.heads,
                                              contextLength: configuration.contextLength))
            parameters = GPT2Checkpoint.initialParameters(layout: layout, seed: configuration.seed)
        }
        try checkMemory(layout: layout, configuration: configuration)
        let run = TrainingRun(layout: layout, parameters: parameters, data: data, state: TrainingState(configuration: configuration, data: source),
                              output: out, tokenizerFiles: [tokenizerFile], endOfText: tokenizer.specialTokens["<|endoftext|>"])
        run.log = log
        return run
    }

    /// The run whose checkpoints are in `path` (or the checkpoint `path`), continued, with its
    /// steps or FIM rate changed when given.
    public static func resume(_ path: String, steps: Int?, fimRate: Double?, log: @escaping (String) -> Void) throws -> TrainingRun {
        let directory = FileManager.default.fileExists(atPath: path + "/latest") ? path + "/latest" : path
        let checkpoint = try TrainingRun.loadCheckpoint(directory)
        var configuration = checkpoint.state.configuration
        if let steps { configuration.steps = steps }
        if let fimRate { configuration.fimRate = fimRate }
        var state = checkpoint.state
        state.configuration = configuration
        let output = directory == path + "/latest" ? path : (path as NSString).deletingLastPathComponent
        let (data, tokenizerFile, tokenizer) = try loadData(state.data, configuration: configuration, output: output, log: log)
        var (layout, parameters, moments) = (checkpoint.layout, checkpoint.parameters, checkpoint.moments)
        let vocabulary = layout.config.vocabularySize
        if fimAddsTokens(configuration) && vocabulary + FIMTokens.codeloopNames.count == tokenizer.vocabularySize {
            // Continued training with FIM: the sentinels get fresh embedding rows and empty moments.
            log("adding FIM's \(FIMTokens.codeloopNames.joined(separator: ", ")) to the vocabulary (\(vocabulary) → \(tokenizer.vocabularySize))")
            (layout, parameters) = GPT2Checkpoint.growingVocabulary(parameters, layout: layout, to: tokenizer.vocabularySize, seed: configuration.seed)
            moments = (GPT2Checkpoint.growingVocabulary(moments.0, layout: checkpoint.layout, to: tokenizer.vocabularySize, seed: nil).parameters,
                       GPT2Checkpoint.growingVocabulary(moments.1, layout: checkpoint.layout, to: tokenizer.vocabularySize, seed: nil).parameters)
        }
        guard tokenizer.vocabularySize == layout.config.vocabularySize else {
            throw TrainingError("\(directory): vocabulary of \(vocabulary), its data's tokenizer has \(tokenizer.vocabularySize)")
        }
        try checkMemory(layout: layout, configuration: configuration)
        log("resuming \(directory) at step \(state.step)")
        let run = TrainingRun(layout: layout, parameters: parameters, data: data, state: state, output: output, tokenizerFiles: [tokenizerFile],
                              endOfText: tokenizer.specialTokens["<|endoftext|>"], moments: moments)
        run.log = log
        return run
    }

    static func fimAddsTokens(_ configuration: TrainingConfiguration) -> Bool { (configuration.fimRate ?? 0) > 0 }

    /// The batches of a corpus or an examples file, with the tokenizer they were made with (for
    /// FIM, the corpus's with the sentinels added, written to OUTPUT/fim-tokenizer).
    static func loadData(_ source: [String: String], configuration: TrainingConfiguration, output: String,
                         log: (String) -> Void) throws -> (any TrainingData, String, Tokenizer) {
        if let directory = source["corpus"] {
            let manifest = try CorpusManifest.load(directory: directory)
            var tokenizerFile = directory + "/tokenizer.json"
            var tokenizer = try Tokenizer.named(tokenizerFile)
            var fim: FIMTransformation?
            if let rate = configuration.fimRate, rate > 0 {
                guard let endOfText = tokenizer.specialTokens["<|endoftext|>"] else {
                    throw TrainingError("\(tokenizerFile): no <|endoftext|> token to split documents at for FIM")
                }
                if FIMTokens(tokenizer: tokenizer) == nil {
                    let extended = try Tokenizer.tokenizerJSON(try Data(contentsOf: URL(fileURLWithPath: tokenizerFile)), path: tokenizerFile,
                                                               addingSpecial: FIMTokens.codeloopNames)
                    try FileManager.default.createDirectory(atPath: output + "/fim-tokenizer", withIntermediateDirectories: true)
                    tokenizerFile = output + "/fim-tokenizer/tokenizer.json"
                    try writeAtomically(extended, to: tokenizerFile)
                    tokenizer = try Tokenizer.named(tokenizerFile)
                }
                fim = FIMTransformation(rate: rate, spmRate: configuration.fimSPMRate ?? 0.5, tokens: FIMTokens(tokenizer: tokenizer)!,
                                        endOfText: endOfText, tokenizer: tokenizer)
            }
            let train = try manifest.trainShards.flatMap { try TokenShard.read(directory + "/" + $0) }
            let validation = try manifest.validationShards.flatMap { try TokenShard.read(directory + "/" + $0) }
            guard train.count > configuration.contextLength + 1 else {
                throw TrainingError("\(directory): \(train.count) training tokens, fewer than one context of \(configuration.contextLength)")
            }
            if let bad = train.first(where: { $0 < 0 || Int($0) >= tokenizer.vocabularySize }) {
                throw TrainingError("\(directory): token id \(bad) is outside the tokenizer's vocabulary (corpus and tokenizer disagree)")
            }
            return (TokenStreamData(train: train, validation: validation, seed: configuration.seed, fim: fim), tokenizerFile, tokenizer)
        }
        let path = source["examples"]!
        guard let initFrom = configuration.initFrom else {
            throw TrainingError("fine-tuning on --examples needs --init-from CHECKPOINT (its tokenizer encodes the examples)")
        }
        let tokenizerFile = initFrom + "/tokenizer.json"
        let tokenizer = try Tokenizer.named(tokenizerFile)
        let examples = try SupervisedExamples.load(path, tokenizer: tokenizer)
        guard let endOfText = tokenizer.specialTokens["<|endoftext|>"] else {
            throw TrainingError("\(tokenizerFile): no <|endoftext|> token to end completions with")
        }
        // An example longer than the context would train on a body cut short, never on its end,
        // or, with a prompt that fills the context, on nothing: such examples are left out.
        let context = configuration.contextLength
        let encoded = examples.map { MaskedExampleData.Example(prompt: $0.prompt, completion: $0.completion + [Int32(endOfText)]) }
            .filter { $0.count <= context + 1 }
        log("\(path): \(encoded.count) of \(examples.count) examples fit the context of \(context) tokens; the others are left out")
        guard !encoded.isEmpty else {
            throw TrainingError("\(path): no example fits the context of \(context) tokens (raise context_length, up to the model's)")
        }
        // One in fifty held out (by position, after a seeded shuffle) to watch validation loss.
        var random = SplitMix64(seed: configuration.seed)
        let shuffled = encoded.shuffled(using: &random)
        let held = max(1, shuffled.count / 50)
        let packed = configuration.packExamples == true
        let data = MaskedExampleData(train: Array(shuffled.dropFirst(held)), validation: Array(shuffled.prefix(held)), padding: Int32(endOfText),
                                     seed: configuration.seed, packedTo: packed ? context : nil)
        if packed {
            let tokens = data.train.reduce(0) { $0 + $1.count }
            log(String(format: "%d training examples packed into %d sequences of %d tokens (%.0f%% filled)",
                              data.train.count, data.sequenceCount, context, 100 * Double(tokens) / Double(data.sequenceCount * (context + 1))))
        }
        return (data, tokenizerFile, tokenizer)
    }

    /// Refuses, before starting, a configuration whose parameters, optimizer state and
    /// activations do not fit in this machine's memory.
    static func checkMemory(layout: GPT2Layout, configuration c: TrainingConfiguration) throws {
        let needed = 4 * 4 * layout.count + GPT2Training.activationBytes(config: layout.config, batch: c.batchSize, length: c.contextLength)
        let available = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        if needed > available * 9 / 10 {
            throw TrainingError(String(format: "this configuration needs %.1f GB (parameters, AdamW state, activations for batch_size %d × context %d); the machine has %.1f GB — lower batch_size (raise accumulation) or context_length",
                                    Double(needed) / 1e9, c.batchSize, c.contextLength, Double(available) / 1e9))
        }
    }
}
