import ArgumentParser
import Foundation
import Tokenizers

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Count or print the tokens of files.",
        discussion: "Prints each file's token count, then the total; with --ids, each file's ids as a JSON array, one line per file.")

    @Option(help: "gpt2, codex, or a tokenizer.json file (or a directory holding one).")
    var tokenizer: String = "gpt2"

    @Flag(help: "Print the ids of each file as a JSON array, one line per file.")
    var ids = false

    @Flag(name: .customLong("allow-special"), help: "Recognise special tokens such as <|endoftext|> in the text.")
    var allowSpecial = false

    @Flag(name: .customLong("bytes"), help: "Tokenize files that are not valid UTF-8 as raw bytes instead of refusing them.")
    var rawBytes = false

    @Flag(help: "Print bytes, tokens and encoding speed (file reading excluded) on stderr.")
    var stats = false

    @Argument(help: "Files to tokenize.")
    var files: [String]

    func run() throws {
        let tokenizer = try Tokenizer.named(self.tokenizer)
        var total = 0
        var totalBytes = 0
        var encodeSeconds = 0.0
        for file in files {
            let bytes = try readFile(file)
            let tokens: [Int]
            let started = DispatchTime.now().uptimeNanoseconds
            defer { encodeSeconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
            totalBytes += bytes.count
            if let text = String(validating: bytes, as: UTF8.self) {
                tokens = tokenizer.encode(text, allowSpecial: allowSpecial)
            } else if rawBytes {
                tokens = tokenizer.encode(bytes: bytes)
            } else {
                throw InputError("\(file): invalid UTF-8 at byte \(firstInvalidUTF8Offset(bytes) ?? 0); pass --bytes to tokenize the raw bytes")
            }
            total += tokens.count
            if ids {
                print("[" + tokens.map(String.init).joined(separator: ", ") + "]")
            } else {
                print("\(tokens.count)\t\(file)")
            }
        }
        if !ids && files.count > 1 { print("\(total)\ttotal") }
        if stats {
            printError(String(format: "%d bytes, %d tokens, %.3f s encoding, %.2f MB/s", totalBytes, total, encodeSeconds,
                              Double(totalBytes) / 1e6 / max(encodeSeconds, 1e-9)))
        }
    }
}
