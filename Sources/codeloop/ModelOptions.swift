import ArgumentParser
import Backends
import BundledData
import Foundation
import Models
import Sampling
import Tokenizers

/// The model directory given with --model, or the bundled codeloop-small.
func modelDirectory(_ given: String?) throws -> String {
    guard let directory = given ?? BundledModel.directory() else {
        throw InputError(BundledData.missing(BundledModel.name) + " (or pass --model DIR)")
    }
    return directory
}

/// Flags that choose a local model and how to sample from it.
struct ModelOptions: ParsableArguments {
    @Option(help: "An HF-layout model directory (config.json, safetensors, tokenizer); default: the bundled codeloop-small.")
    var model: String?

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0.8

    @Option(name: .customLong("top-p"), help: "Nucleus sampling: keep the smallest set of tokens with this much probability.")
    var topP: Float = 0.95

    @Option(name: .customLong("top-k"), help: "Keep only the k most likely tokens (0: no limit).")
    var topK: Int = 0

    @Option(name: .customLong("max-tokens"), help: "Most tokens per completion (default 300; 768 with --chat, as evalplus).")
    var maxTokens: Int?

    @Option(help: "A stop sequence (repeatable).")
    var stop: [String] = []

    @Option(help: "Seed: sample i of a prompt is the same for the same seed, alone or in a batch.")
    var seed: UInt64 = 0

    @Option(name: .customLong("batch-size"), help: "Samples of one prompt decoded together.")
    var batchSize: Int = 32

    @Option(name: .customLong("prefill-chunk"), help: "Prompt tokens read per forward pass (bounds a long prompt's memory).")
    var prefillChunk: Int = defaultPrefillChunk

    func validate() throws {
        do {
            try parameters().validate()
        } catch let invalid as SamplingParameters.Invalid {
            // The rule is the servers' too; here it is told with the flag's name.
            let flag = "--" + invalid.field.replacingOccurrences(of: "_", with: "-")
            throw ValidationError(flag + invalid.description.dropFirst(invalid.field.count))
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard prefillChunk >= 1 else { throw ValidationError("--prefill-chunk must be at least 1") }
    }

    /// The flags over the CLI's defaults (SamplingParameters.codex); `chatDefaults` gives evalplus's
    /// 768 tokens for a chat answer's prose and code.
    func parameters(defaultStops: [String] = [], chatDefaults: Bool = false) -> SamplingParameters {
        var parameters = SamplingParameters.codex
        parameters.temperature = temperature
        parameters.topP = topP
        parameters.topK = topK
        parameters.maxTokens = maxTokens ?? (chatDefaults ? 768 : parameters.maxTokens)
        parameters.stop = stop.isEmpty ? defaultStops : stop
        parameters.seed = seed
        return parameters
    }

    func generator() throws -> Generator {
        let directory = try modelDirectory(model)
        let languageModel = try loadModel(directory: directory)
        let tokenizer = try Tokenizer.named(directory)
        if tokenizer.vocabularySize > languageModel.config.vocabularySize {
            throw InputError("\(directory): the tokenizer has \(tokenizer.vocabularySize) tokens but the model only \(languageModel.config.vocabularySize)")
        }
        return Generator(model: languageModel, tokenizer: tokenizer, batchSize: batchSize, prefillChunk: prefillChunk)
    }
}
