import Foundation
import ModelFiles
@testable import Models
import TestScratch
import Testing
import Tokenizers

/// GGUF files made by llama.cpp's own converter and quantizer, against llama.cpp's logits on the
/// same files (scripts/fixtures/make_gguf_fixtures.py).
@Suite struct GGUFTests {
    struct Reference {
        let prompt: [Int]
        /// llama.cpp's on the file.
        let logits: [[Float]]
        /// transformers' on the file's weights as the gguf package dequantizes them.
        let dequantizedLogits: [[Float]]
        let textIDs: [Int]
    }

    static let directory = fixtureDirectory("gguf")
    nonisolated(unsafe) static let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/reference.json"))) as! [String: Any]

    static func reference(_ file: String) -> Reference {
        let entry = root[file] as! [String: Any]
        func floats(_ key: String) -> [[Float]] { (entry[key] as! [[Double]]).map { $0.map(Float.init) } }
        return Reference(prompt: entry["prompt"] as! [Int], logits: floats("logits"), dequantizedLogits: floats("dequantized_logits"),
                         textIDs: entry["text_ids"] as! [Int])
    }

    /// codeloop's logits on the file's prompt.
    func logits(_ file: String) throws -> [[Float]] {
        let model = try loadModel(directory: Self.directory + "/" + file)
        let prompt = Self.reference(file).prompt, v = model.config.vocabularySize
        let flat = try model.forward(prompt, cache: model.makeCache())
        return (0..<prompt.count).map { Array(flat[($0 * v)..<(($0 + 1) * v)]) }
    }

    /// The largest difference relative to the largest magnitude of `b`, and the fraction of
    /// positions whose top token agrees.
    func compare(_ a: [[Float]], _ b: [[Float]]) -> (difference: Float, agreement: Double) {
        var worst: Float = 0, scale: Float = 0, agree = 0
        for (x, y) in zip(a, b) {
            for (u, v) in zip(x, y) {
                worst = max(worst, abs(u - v))
                scale = max(scale, abs(v))
            }
            if argmax(x[...]) == argmax(y[...]) { agree += 1 }
        }
        return (worst / scale, Double(agree) / Double(a.count))
    }

    @Test(arguments: ["qwen2-f32.gguf", "qwen2-f16.gguf", "llama-f16.gguf", "gpt2-f16.gguf", "starcoder2-f16.gguf", "codellama-f16.gguf",
                      "phi-f16.gguf", "gpt-bigcode-f16.gguf"])
    func unquantizedFilesMatchLlamaCpp(_ file: String) throws {
        let ours = try logits(file), reference = Self.reference(file)
        let (difference, agreement) = compare(ours, reference.logits)
        #expect(difference < 1e-3, "\(file): logits differ from llama.cpp's by \(difference) of their scale")
        #expect(agreement == 1)
        #expect(compare(ours, reference.dequantizedLogits).difference < 1e-4)
    }

    /// codeloop multiplies quantized weights as llama.cpp does, in integers against activations
    /// rounded to 8 bits: its logits are no further from the exact product (transformers on the
    /// file's weights as the gguf package widens them) than llama.cpp's own are, and close to
    /// llama.cpp's — the two round the activations' scales a little differently.
    @Test(arguments: ["qwen2-q8_0.gguf", "qwen2-q4_0.gguf", "qwen2-q4_k_m.gguf", "llama-q4_k_m.gguf", "gpt2-q8_0.gguf", "starcoder2-q8_0.gguf",
                      "codellama-q8_0.gguf", "phi-q8_0.gguf", "phi-q4_k_m.gguf", "gpt-bigcode-q8_0.gguf"])
    func quantizedFilesAreAsCloseToTheExactProductAsLlamaCpp(_ file: String) throws {
        let ours = try logits(file), reference = Self.reference(file)
        let exact = compare(ours, reference.dequantizedLogits), llamaCppError = compare(reference.logits, reference.dequantizedLogits)
        #expect(exact.difference <= 1.1 * llamaCppError.difference,
                "\(file): \(exact.difference) from the exact product, llama.cpp \(llamaCppError.difference)")
        #expect(exact.agreement >= 0.75, "\(file): top token agrees with the exact product's at \(exact.agreement) of positions")
        let (difference, agreement) = compare(ours, reference.logits)
        #expect(difference < 0.02, "\(file): \(difference) from llama.cpp's logits on the same file")
        #expect(agreement >= 0.75, "\(file): top token agrees with llama.cpp's at \(agreement) of positions")
    }

    /// Block-quantized files cache keys and values in half, as llama.cpp does by default (their
    /// logits above are computed so); float files keep exact caches for the parity tests.
    @Test func quantizedFilesCacheKeysAndValuesInHalf() throws {
        for (file, precision) in [("qwen2-q4_k_m.gguf", KeyValuePrecision.float16), ("gpt2-q8_0.gguf", .float16),
                                  ("qwen2-f16.gguf", .float32), ("qwen2-f32.gguf", .float32)] {
            let model = try loadModel(directory: Self.directory + "/" + file)
            #expect(model.config.keyValuePrecision == precision, "\(file)")
            let c = model.config
            #expect(model.makeCache().byteCount == 2 * c.layers * c.keyValueHeads * c.contextLength * c.headDimension * precision.bytes)
        }
    }

    /// A prompt long enough for attention in matrix form (half caches, 32 rows or more) gives the
    /// logits of the same tokens read one at a time, which attend row by row.
    @Test(arguments: ["qwen2-q8_0.gguf", "starcoder2-q8_0.gguf", "gpt2-q8_0.gguf", "phi-q8_0.gguf", "gpt-bigcode-q8_0.gguf"])
    func promptsInMatrixFormEqualTokenByToken(file: String) throws {
        let model = try loadModel(directory: Self.directory + "/" + file)
        let tokens = (0..<45).map { ($0 * 37 + 11) % min(model.config.vocabularySize, 250) }
        let whole = try model.forward(tokens, cache: model.makeCache(), logits: .last)
        let cache = model.makeCache()
        var last: [Float] = []
        for token in tokens { last = try model.forward([token], cache: cache) }
        // The matrix products of one row and of 45 round activations the same; attention sums in another order.
        let drift = zip(whole, last).map { abs($0 - $1) }.max()!
        #expect(drift < 2e-3 * max(1, last.map(abs).max()!), "\(file): \(drift)")
    }

    @Test func quantizedFilesHoldQuantizedTensors() throws {
        for (file, types) in [("qwen2-q8_0.gguf", [GGMLType.q8_0]), ("qwen2-q4_0.gguf", [.q4_0]), ("qwen2-q4_k_m.gguf", [.q4_K, .q6_K])] {
            let gguf = try GGUFFile(path: Self.directory + "/" + file)
            let found = Set(gguf.tensors.values.map(\.type))
            #expect(types.allSatisfy(found.contains), "\(file) holds \(found)")
        }
    }

    /// The same random model as safetensors and as llama.cpp's F32 GGUF.
    @Test func safetensorsAndF32GGUFGiveTheSameLogits() throws {
        let prompt = Self.reference("qwen2-f32.gguf").prompt
        let fromSafetensors = try loadModel(directory: Self.directory + "/qwen2-hf")
        let fromGGUF = try loadModel(directory: Self.directory + "/qwen2-f32.gguf")
        let a = try fromSafetensors.forward(prompt, cache: fromSafetensors.makeCache())
        let b = try fromGGUF.forward(prompt, cache: fromGGUF.makeCache())
        #expect(zip(a, b).map { abs($0 - $1) }.max()! < 1e-5)
    }

    @Test(arguments: ["qwen2-f32.gguf", "llama-f16.gguf", "gpt2-f16.gguf", "starcoder2-f16.gguf", "codellama-f16.gguf", "phi-f16.gguf",
                      "gpt-bigcode-f16.gguf"])
    func tokenizerFromMetadataMatchesLlamaCpp(_ file: String) throws {
        let tokenizer = try Tokenizer.named(Self.directory + "/" + file)
        let text = Self.root["text"] as! String
        #expect(tokenizer.encodeForModel(text) == Self.reference(file).textIDs)
        // Files remade since the extra texts were added carry llama.cpp's ids for them too.
        let extra = (Self.root[file] as? [String: Any])?["extra_ids"] as? [[Int]]
        #expect(extra != nil || !file.hasPrefix("codellama"), "the SentencePiece file carries llama.cpp's ids for the extra texts")
        if let extra {
            for (text, ids) in zip(Self.root["extra_texts"] as! [String], extra) {
                #expect(tokenizer.encodeForModel(text) == ids, "\(file): \(text.debugDescription)")
            }
        }
        // And the safetensors directory's tokenizer.json agrees with the GGUF's metadata.
        if file.hasPrefix("qwen2") {
            #expect(try Tokenizer.named(Self.directory + "/qwen2-hf").encodeForModel(text) == tokenizer.encodeForModel(text))
        }
    }

    /// The formats widened at load, against the gguf package's own dequantization of its blocks.
    @Test func blockFormatsWidenAsTheGGUFPackageDoes() throws {
        let file = try GGUFFile(path: Self.directory + "/blocks.gguf")
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.directory + "/blocks.json"))) as! [String: [Double]]
        #expect(Set(expected.keys) == ["q4_1", "q5_0", "q5_1", "q8_0", "q4_0"])
        for (name, values) in expected {
            let info = try #require(file.tensors[name])
            var out = [Float](repeating: .nan, count: info.elementCount)
            out.withUnsafeMutableBufferPointer { info.type.dequantize(file.data(info).baseAddress!, count: info.elementCount, into: $0.baseAddress!) }
            #expect(out == values.map(Float.init), "\(name) (\(info.type))")
        }
    }

    /// A copy of a fixture with `change` applied to its bytes.
    func broken(_ change: (inout [UInt8]) -> Void) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.directory + "/qwen2-q8_0.gguf")))
        change(&bytes)
        let path = Scratch.directory("gguf") + "/broken.gguf"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func replace(_ bytes: inout [UInt8], _ old: String, _ new: String) {
        let o = Array(old.utf8), n = Array(new.utf8)
        precondition(o.count == n.count)
        let at = (0...(bytes.count - o.count)).first { bytes[$0..<($0 + o.count)].elementsEqual(o) }!
        bytes.replaceSubrange(at..<(at + o.count), with: n)
    }

    @Test func badFilesAreOneLineNamingTheKeyOrTensor() throws {
        let truncated = try broken { $0.removeLast($0.count / 3) }
        #expect(throws: GGUFError("\(truncated): tensor blk.0.attn_q.weight (Q8_0 [256, 256]) does not fit the file's data (truncated?)")) {
            try loadModel(directory: truncated)
        }
        let header = try broken { $0.removeLast($0.count - 100) }
        #expect(throws: GGUFError("\(header): truncated while reading general.type")) { try loadModel(directory: header) }
        let magic = try broken { $0[0] = UInt8(ascii: "X") }
        #expect(throws: GGUFError("\(magic): not a GGUF file (no GGUF magic)")) { try loadModel(directory: magic) }
        let architecture = try broken { replace(&$0, "qwen2", "mamba") }
        #expect(throws: ModelError("\(architecture): unsupported general.architecture \"mamba\" (codeloop reads gpt2, llama, phi2, qwen2, starcoder and starcoder2 from GGUF)")) {
            try loadModel(directory: architecture)
        }
        // An unknown tensor type: the first tensor info's type field (after its name, rank and dims).
        let unknownType = try broken { bytes in
            let name = Array("token_embd.weight".utf8)
            let at = (0...(bytes.count - name.count)).first { bytes[$0..<($0 + name.count)].elementsEqual(name) }!
            let typeField = at + name.count + 4 + 2 * 8  // rank (u32), two dimensions (u64 each)
            bytes[typeField] = 77
        }
        #expect(throws: GGUFError("\(unknownType): tensor token_embd.weight has ggml type 77, which codeloop does not read")) {
            try loadModel(directory: unknownType)
        }
        let noTokenizer = try broken { replace(&$0, "tokenizer.ggml.model", "tokenizer.ggml.xxxxx") }
        #expect(throws: GGUFError("\(noTokenizer): missing metadata key tokenizer.ggml.model")) { try Tokenizer.named(noTokenizer) }
    }
}
