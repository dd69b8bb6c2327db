import Foundation
import Testing

/// The training pipeline through the binary: corpus build, train, interrupt, resume, fine-tune.
@Suite(.serialized) struct TrainingCLITests {
    /// Small Python files with some structure, so a vocabulary and a model have something to learn.
    func writeSources(_ directory: String) throws {
        for i in 0..<60 {
            let text = """
            import math


            def scale_\(i)(values, factor=\(i)):
                \"\"\"Multiply every value by factor \(i).\"\"\"
                result = []
                for value in values:
                    result.append(value * factor + math.floor(\(i) / 3))
                return result

            """
            try text.write(toFile: directory + "/module_\(i).py", atomically: true, encoding: .utf8)
        }
    }

    @Test func corpusTrainResumeAndFineTuneThroughTheCLI() throws {
        let directory = scratchDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/src", withIntermediateDirectories: true)
        try writeSources(directory + "/src")
        let corpus = directory + "/corpus"
        var (status, stdout, stderr) = try codeloop(["corpus", "build", directory + "/src", "--out", corpus, "--vocab-size", "400",
                                                     "--validation-per-mille", "100"])
        #expect(status == 0, "\(stderr)")
        #expect(stdout.contains("files seen      60"))

        // Uninterrupted, and interrupted at step 10 then resumed: the same weights.
        (status, stdout, stderr) = try codeloop(["train", "--config", "tiny", "--corpus", corpus, "--out", directory + "/whole"])
        #expect(status == 0, "\(stderr)")
        #expect(stdout.hasPrefix("step 20: train loss"))
        (status, _, stderr) = try codeloop(["train", "--config", "tiny", "--corpus", corpus, "--out", directory + "/split", "--stop-after", "10"])
        #expect(status == 0, "\(stderr)")
        (status, _, stderr) = try codeloop(["train", "--resume", directory + "/split"])
        #expect(status == 0, "\(stderr)")
        #expect(stderr.contains("resuming \(directory)/split/latest at step 10"))
        let whole = FileManager.default.contents(atPath: directory + "/whole/latest/model.safetensors")
        let split = FileManager.default.contents(atPath: directory + "/split/latest/model.safetensors")
        #expect(whole != nil && whole == split)

        // The checkpoint is a model the engine runs.
        (status, stdout, stderr) = try codeloop(["complete", "--model", directory + "/whole/latest", "--temperature", "0",
                                                 "--max-tokens", "5", "def scale_1("])
        #expect(status == 0, "\(stderr)")

        // Continued training with FIM: the sentinels join the vocabulary (400 → 403) and the
        // checkpoint's tokenizer, and the model then fills in a middle; a model without them cannot.
        (status, _, stderr) = try codeloop(["complete", "--model", directory + "/whole/latest", "--suffix", "\n    return result\n",
                                            "--max-tokens", "5", "def scale_1("])
        #expect(status != 0 && stderr.hasPrefix("Error: this model cannot fill in the middle"), "\(stderr)")
        try FileManager.default.copyItem(atPath: directory + "/whole", toPath: directory + "/fim")
        (status, _, stderr) = try codeloop(["train", "--resume", directory + "/fim", "--fim-rate", "0.9", "--steps", "24"])
        #expect(status == 0, "\(stderr)")
        #expect(stderr.contains("adding FIM's <fim_prefix>, <fim_suffix>, <fim_middle> to the vocabulary (400 → 403)"))
        let config = try String(contentsOfFile: directory + "/fim/latest/config.json", encoding: .utf8)
        #expect(config.contains(#""vocab_size" : 403"#), "\(config)")
        let tokenizer = try String(contentsOfFile: directory + "/fim/latest/tokenizer.json", encoding: .utf8)
        #expect(tokenizer.contains("<fim_middle>"))
        (status, stdout, stderr) = try codeloop(["complete", "--model", directory + "/fim/latest", "--suffix", "\n    return result\n",
                                                 "--temperature", "0", "--max-tokens", "5", "def scale_1("])
        #expect(status == 0, "\(stderr)")

        // Codex-S: extract pairs in the sandbox, fine-tune with the loss on bodies only.
        let pairs = directory + "/pairs.jsonl"
        (status, stdout, stderr) = try codeloop(["corpus", "functions", directory + "/src", "--out", pairs])
        #expect(status == 0, "\(stderr)")
        #expect(stdout.contains("60 functions"))
        let first = try String(contentsOfFile: pairs, encoding: .utf8).split(separator: "\n")[0]
        #expect(first.contains(#""prompt":"import math\n\n\ndef scale_"#) && first.contains(#"\"\"\"Multiply every value by factor"#))
        (status, _, stderr) = try codeloop(["train", "--config", "tiny", "--examples", pairs, "--init-from", directory + "/whole/latest",
                                            "--out", directory + "/sft", "--steps", "4"])
        #expect(status == 0, "\(stderr)")
        #expect(stderr.contains("\(pairs): 60 of 60 examples fit the context of 64 tokens"), "\(stderr)")
        #expect(FileManager.default.fileExists(atPath: directory + "/sft/latest/model.safetensors"))
        // Examples longer than the context are left out, not cut: with none left, one line says so.
        try "{\"preset\": \"tiny\", \"context_length\": 8}".write(toFile: directory + "/short.json", atomically: true, encoding: .utf8)
        (status, _, stderr) = try codeloop(["train", "--config", directory + "/short.json", "--examples", pairs, "--init-from",
                                            directory + "/whole/latest", "--out", directory + "/sft8", "--steps", "4"])
        #expect(status != 0 && stderr.hasSuffix("Error: \(pairs): no example fits the context of 8 tokens (raise context_length, up to the model's)\n"),
                "\(stderr)")
    }

    @Test func trainingInputErrorsAreOneLine() throws {
        let directory = scratchDirectory()
        var (status, _, stderr) = try codeloop(["train", "--config", "tiny", "--corpus", directory, "--out", directory + "/o"])
        #expect(status != 0)
        #expect(stderr == "Error: \(directory)/corpus.json: cannot be read (is \(directory) a corpus built by `codeloop corpus build`?)\n")
        (status, _, stderr) = try codeloop(["train", "--resume", directory])
        #expect(stderr == "Error: \(directory)/training_state.json: cannot be read (is \(directory) a checkpoint written by `codeloop train`?)\n")
        try "{\"preset\": \"small\", \"batch_size\": 4096, \"context_length\": 1024}".write(toFile: directory + "/huge.json", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory + "/src", withIntermediateDirectories: true)
        try writeSources(directory + "/src")
        (status, _, _) = try codeloop(["corpus", "build", directory + "/src", "--out", directory + "/corpus", "--vocab-size", "400"])
        (status, _, stderr) = try codeloop(["train", "--config", directory + "/huge.json", "--corpus", directory + "/corpus", "--out", directory + "/o"])
        #expect(status != 0)
        #expect(stderr.hasPrefix("Error: this configuration needs") && stderr.hasSuffix("lower batch_size (raise accumulation) or context_length\n"))
        // A shard cut short is refused by name.
        let shard = directory + "/corpus/train-00000.bin"
        let bytes = FileManager.default.contents(atPath: shard)!
        FileManager.default.createFile(atPath: shard, contents: bytes.dropLast(10))
        (status, _, stderr) = try codeloop(["train", "--config", "tiny", "--corpus", directory + "/corpus", "--out", directory + "/o"])
        #expect(stderr.hasPrefix("Error: \(shard): corrupt shard"))
    }
}
