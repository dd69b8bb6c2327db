import ArgumentParser
import Foundation
import Sampling

struct Complete: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stream one completion of a prompt to the terminal.")

    @Argument(help: "The prompt.")
    var prompt: String

    @OptionGroup var options: ModelOptions

    func run() throws {
        let generator = try options.generator()
        let output = FileHandle.standardOutput
        let completion = try generator.complete(prompt: prompt, n: 1, parameters: options.parameters()) { _, text in
            output.write(Data(text.utf8))
        }[0]
        print()
        printError(String(format: "[%d tokens, %@, mean log-prob %.3f]", completion.tokens.count, completion.finishReason.rawValue, completion.meanLogprob))
    }
}
