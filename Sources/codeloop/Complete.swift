import ArgumentParser
import Foundation
import Sampling

struct Complete: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stream a completion of a prompt to the terminal.",
        discussion: """
        With --n above 1, draws that many samples together and prints them one after another. \
        With --suffix, the prompt is the code before the gap and the model fills in the middle \
        (models with FIM tokens: codeloop's own trained with --fim-rate, StarCoder, Qwen2.5-Coder, DeepSeek-Coder, CodeLlama).
        """)

    @Argument(help: "The prompt (with --suffix: the code before the gap).")
    var prompt: String

    @Option(help: "The code after the gap: fill in the middle between the prompt and this.")
    var suffix: String?

    @Option(help: "Samples to draw (decoded as one batch).")
    var n: Int = 1

    @Flag(help: "Print prompt and decoding speed on stderr.")
    var stats = false

    @OptionGroup var options: ModelOptions

    func run() throws {
        let generator = try options.generator()
        let output = FileHandle.standardOutput
        let started = DispatchTime.now().uptimeNanoseconds
        var firstToken: UInt64?
        let completions = try generator.complete(prompt: prompt, suffix: suffix, n: n, parameters: options.parameters()) { _, text in
            if firstToken == nil { firstToken = DispatchTime.now().uptimeNanoseconds }
            if n == 1 { output.write(Data(text.utf8)) }
        }
        let finished = DispatchTime.now().uptimeNanoseconds
        if n == 1 {
            print()
        } else {
            for (index, completion) in completions.enumerated() { print("--- sample \(index)\n\(completion.text)") }
        }
        let tokens = completions.reduce(0) { $0 + $1.tokens.count }
        let mean = completions.reduce(0.0) { $0 + $1.meanLogprob } / Double(max(completions.count, 1))
        printError(String(format: "[%d samples, %d tokens, mean log-prob %.3f]", completions.count, tokens, mean))
        if stats {
            let decodeStart = firstToken ?? started
            let decodeSeconds = Double(finished - decodeStart) / 1e9
            // The first token of each sample comes from the prompt pass; the rest are decode steps.
            let decoded = max(tokens - completions.count, 0)
            printError(String(format: "prompt %d tokens in %.3f s; decoded %d tokens in %.3f s = %.2f tokens/s; total %.2f tokens/s",
                              generator.tokenizer.encodeForModel(prompt).count, Double(decodeStart - started) / 1e9, decoded, decodeSeconds,
                              Double(decoded) / max(decodeSeconds, 1e-9), Double(tokens) / (Double(finished - started) / 1e9)))
        }
    }
}
