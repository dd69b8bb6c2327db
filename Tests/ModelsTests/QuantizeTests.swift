import Archives
import Foundation
import ModelFiles
@testable import Models
import TestScratch
import Testing
import Tokenizers

/// GGUF files written by `codeloop quantize` (GGUFExport), read by llama.cpp: its logits and
/// tokens on exactly these bytes, recorded by scripts/fixtures/make_quantize_fixtures.py.
@Suite struct QuantizeTests {
    nonisolated(unsafe) static let root = try! JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: fixtureDirectory("quantize") + "/reference.json"))) as! [String: Any]

    static let cases: [(String, GGUFExport.FileType)] = ["gpt2", "qwen2", "phi"].flatMap { model in GGUFExport.FileType.allCases.map { (model, $0) } }

    @Test(arguments: cases)
    func llamaCppReadsWhatCodeloopWrites(model: String, type: GGUFExport.FileType) throws {
        let source = model == "qwen2" ? fixtureDirectory("gguf") + "/qwen2-hf" : fixtureDirectory("quantize") + "/\(model)-hf"
        let path = Scratch.directory("quantize") + "/\(model)-\(type.rawValue).gguf"
        try GGUFExport.write(directory: source, type: type, to: path)
        let reference = try #require(Self.root["\(model)-\(type.rawValue)"] as? [String: Any])
        // The bytes llama.cpp was run on.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let hash = String(fnv1a64(bytes), radix: 16)
        #expect(String(repeating: "0", count: 16 - hash.count) + hash == reference["fnv1a64"] as? String)

        let engine = try loadModel(directory: path)
        let prompt = Self.root["prompt"] as! [Int], v = engine.config.vocabularySize
        let flat = try engine.forward(prompt, cache: engine.makeCache())
        let theirs = (reference["logits"] as! [[Double]]).map { $0.map(Float.init) }
        var worst: Float = 0, scale: Float = 0, agree = 0
        for (position, row) in theirs.enumerated() {
            let ours = Array(flat[(position * v)..<((position + 1) * v)])
            for (a, b) in zip(ours, row) {
                worst = max(worst, abs(a - b))
                scale = max(scale, abs(b))
            }
            if ours.indices.max(by: { ours[$0] < ours[$1] }) == row.indices.max(by: { row[$0] < row[$1] }) { agree += 1 }
        }
        // llama.cpp quantizes activations for its quantized products (GGUFTests): a little further off there.
        let exact = type == .f32 || type == .f16
        #expect(worst / scale < (exact ? 1e-3 : 0.03), "\(model) \(type): logits differ from llama.cpp's by \(worst / scale) of their scale")
        #expect(Double(agree) / Double(theirs.count) >= (exact ? 1 : 0.75))

        // The tokenizer written to the metadata encodes as llama.cpp reads it, and as the directory's tokenizer.json does.
        let text = Self.root["text"] as! String
        let fromGGUF = try Tokenizer.named(path), fromJSON = try Tokenizer.named(source)
        #expect(fromGGUF.encode(text) == reference["text_ids"] as? [Int])
        #expect(fromJSON.encode(text) == reference["text_ids"] as? [Int])
    }

    @Test func quantizedFilesHoldTheTypesLlamaCppMixes() throws {
        let source = fixtureDirectory("quantize") + "/gpt2-hf"
        for (type, expected) in [(GGUFExport.FileType.q8_0, Set([GGMLType.f32, .q8_0])), (.q4_0, [.f32, .q4_0, .q6_K]),
                                 (.q4_k_m, [.f32, .q4_K, .q6_K]), (.f16, [.f32, .f16])] {
            let path = Scratch.directory("quantize") + "/mix-\(type.rawValue).gguf"
            try GGUFExport.write(directory: source, type: type, to: path)
            let file = try GGUFFile(path: path)
            #expect(Set(file.tensors.values.map(\.type)) == expected, "\(type)")
            #expect(file.tensors.values.filter { $0.dimensions.count == 1 }.allSatisfy { $0.type == .f32 }, "norms and biases stay F32")
        }
    }

    @Test func modelsCodeloopCannotWriteAreRefusedByName() throws {
        let path = Scratch.directory("quantize") + "/x.gguf"
        #expect(throws: ModelError.self) { try GGUFExport.write(directory: fixtureDirectory("starcoder2-tiny"), type: .f16, to: path) }
        #expect(throws: ModelError.self) { try GGUFExport.write(directory: fixtureDirectory("codellama-tiny"), type: .f16, to: path) }
    }
}
