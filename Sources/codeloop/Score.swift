import ArgumentParser
import Corpus
import Foundation
import Models
import Sampling
import Tokenizers

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print each token's log-probability under a model, and the file's bits per byte.",
        discussion: """
        Files longer than the model's context are scored in consecutive windows. FILE may also be a token \
        shard from `codeloop corpus build` (train-*.bin, val-*.bin), in the model's own vocabulary: the \
        validation split's bits per byte.
        """)

    @Option(help: "An HF-layout model directory; default: the bundled codeloop-small.")
    var model: String?

    @Flag(help: "Only the summary line.")
    var summary = false

    @Argument(help: "The file to score.")
    var file: String

    func run() throws {
        let model = try modelDirectory(model)
        let languageModel = try loadModel(directory: model)
        let tokenizer = try Tokenizer.named(model)
        let tokens = file.hasSuffix(".bin") ? try TokenShard.read(file).map(Int.init) : tokenizer.encodeForModel(try readUTF8File(file))
        if let bad = tokens.first(where: { $0 >= languageModel.config.vocabularySize }) {
            throw InputError("\(file): token id \(bad) is outside the model's vocabulary of \(languageModel.config.vocabularySize)")
        }
        let window = languageModel.config.contextLength
        var nats = 0.0, scoredBytes = 0, scored = 0
        // Window w predicts its tokens 1... from the ones before (the first token of each window has no context).
        for start in stride(from: 0, to: tokens.count, by: window) {
            let chunk = Array(tokens[start..<min(tokens.count, start + window)])
            let logprobs = try languageModel.tokenLogprobs(chunk)
            for (i, logprob) in zip(chunk.indices.dropFirst(), logprobs) {
                let bytes = try tokenizer.decodeBytes([chunk[i]])
                nats -= Double(logprob)
                scoredBytes += bytes.count
                scored += 1
                if !summary {
                    print(String(format: "%8.4f\t%@", logprob, String(reflecting: String(decoding: bytes, as: UTF8.self))))
                }
            }
        }
        let bitsPerByte = nats / log(2) / Double(max(scoredBytes, 1))
        print(String(format: "%d tokens scored, %d bytes, %.4f nats/token, %.4f bits per byte", scored, scoredBytes, nats / Double(max(scored, 1)), bitsPerByte))
    }
}
