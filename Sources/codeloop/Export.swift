import ArgumentParser
import Foundation
import Models
import Training

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a training checkpoint as a plain HF model directory (no optimizer state), optionally in F16.")

    @Argument(help: "A checkpoint directory (or a run directory: its latest checkpoint).")
    var checkpoint: String

    @Option(help: "Directory to write config.json, model.safetensors and the tokenizer to.")
    var out: String

    @Flag(name: .customLong("f16"), help: "Store the weights as F16 (half the size; the engine computes in F32).")
    var halfPrecision = false

    func run() throws {
        let source = FileManager.default.fileExists(atPath: checkpoint + "/latest") ? checkpoint + "/latest" : checkpoint
        let config = try ModelConfig.load(directory: source)
        guard config.architecture == .gpt2 else { throw InputError("\(source): export handles GPT-2 checkpoints, this is \(config.architecture)") }
        let layout = GPT2Layout(config: config)
        let parameters = try GPT2Checkpoint.loadParameters(layout: layout, directory: source)
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: out, withIntermediateDirectories: true)
        // The config as written, so bos/eos ids and other fields travel unchanged.
        for file in ["config.json", "tokenizer.json", "encoder.json", "vocab.bpe", "vocab.json", "merges.txt"]
        where fileManager.fileExists(atPath: source + "/" + file) {
            try? fileManager.removeItem(atPath: out + "/" + file)
            try fileManager.copyItem(atPath: source + "/" + file, toPath: out + "/" + file)
        }
        let tensors = layout.entries.map { ($0.name, $0.shape, parameters.array(offset: $0.offset, count: $0.count)) }
        try writeSafetensors(tensors, to: out + "/model.safetensors", halfPrecision: halfPrecision)
        print("\(layout.count) parameters (\(halfPrecision ? "F16" : "F32")) → \(out)")
    }
}
