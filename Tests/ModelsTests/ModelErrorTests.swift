import Foundation
import Testing
@testable import Models
import TestScratch

/// A copy of a fixture model in a scratch directory, to break.
func scratchModel(_ name: String) throws -> String {
    let target = Scratch.path("model")
    try FileManager.default.copyItem(atPath: fixtureDirectory(name), toPath: target)
    return target
}

@Suite struct ModelErrorTests {
    @Test func missingSafetensors() throws {
        let directory = try scratchModel("gpt2-tiny")
        try FileManager.default.removeItem(atPath: directory + "/model.safetensors")
        #expect(throws: ModelError("\(directory): no model.safetensors or model.safetensors.index.json")) {
            try loadModel(directory: directory)
        }
    }

    @Test func truncatedSafetensors() throws {
        let directory = try scratchModel("gpt2-tiny")
        let path = directory + "/model.safetensors"
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 100).write(to: URL(fileURLWithPath: path))
        #expect(throws: ModelError.self) { try loadModel(directory: directory) }
        do { _ = try loadModel(directory: directory) } catch let error as ModelError {
            #expect(error.description.hasPrefix("\(path): tensor "))
            #expect(error.description.hasSuffix("does not fit the file's data (truncated?)"))
        }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        #expect(throws: ModelError("\(path): not a safetensors file (shorter than its header)")) { try loadModel(directory: directory) }
    }

    @Test func wrongShapeNamesTheTensor() throws {
        let directory = try scratchModel("gpt2-tiny")
        let configPath = directory + "/config.json"
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as! [String: Any]
        config["n_embd"] = 48
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        #expect(throws: ModelError("\(directory)/model.safetensors: tensor transformer.wte.weight has shape [300, 32], expected [300, 48]")) {
            try loadModel(directory: directory)
        }
    }

    @Test func unsupportedArchitecture() throws {
        let directory = try scratchModel("gpt2-tiny")
        try #"{"model_type": "mamba"}"#.write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        #expect(throws: ModelError("\(directory)/config.json: unsupported model_type \"mamba\" (codeloop runs gpt2, gpt_bigcode, llama, mistral, phi, qwen2 and starcoder2)")) {
            try loadModel(directory: directory)
        }
    }

    @Test func configErrorsNameTheKey() throws {
        let directory = try scratchModel("llama-tiny")
        let configPath = directory + "/config.json"
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as! [String: Any]
        func expectError(_ message: String, _ change: (inout [String: Any]) -> Void) throws {
            var config = original
            change(&config)
            try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
            #expect(throws: ModelError("\(configPath): \(message)")) { try loadModel(directory: directory) }
        }
        try expectError("missing field \"hidden_size\"") { $0["hidden_size"] = nil }
        try expectError("field \"num_hidden_layers\" is not an integer") { $0["num_hidden_layers"] = "2" }
        try expectError("field \"rope_theta\" is not a number") { $0["rope_theta"] = "big" }
        try expectError("unsupported rope_scaling type \"yarn\" (codeloop reads linear and llama3)") {
            $0["rope_scaling"] = ["rope_type": "yarn", "factor": 4.0]
        }
        try expectError("unsupported hidden_act \"relu\"") { $0["hidden_act"] = "relu" }
        // Sizes that make no model (fuzzing found the first dividing by zero; the rest would too, or overflow).
        try expectError("field \"num_attention_heads\" is 0, not a size codeloop can run (1 to 16777216)") { $0["num_attention_heads"] = 0 }
        try expectError("field \"hidden_size\" is 4611686018427387904, not a size codeloop can run (1 to 16777216)") { $0["hidden_size"] = 1 << 62 }
        try expectError("4 heads in 3 key/value groups: not a model codeloop can run") { $0["num_key_value_heads"] = 3 }
        try expectError("width 30 over 4 heads: not a model codeloop can run") { $0["hidden_size"] = 30 }
    }

    @Test func missingWeightNamesTheTensor() throws {
        for (name, tensor) in [("starcoder2-tiny", "model.layers.1.mlp.c_fc.weight"), ("gpt-bigcode-tiny", "transformer.h.0.attn.c_attn.weight"),
                               ("llama-tiny", "model.layers.0.self_attn.o_proj.weight")] {
            let directory = try scratchModel(name)
            let path = directory + "/model.safetensors"
            // Rename the tensor in the header (same length, so every offset still holds).
            var data = try Data(contentsOf: URL(fileURLWithPath: path))
            let range = try #require(data.range(of: Data(tensor.utf8)))
            data.replaceSubrange(range, with: Data((tensor.dropLast() + "X").utf8))
            try data.write(to: URL(fileURLWithPath: path))
            #expect(throws: ModelError("\(path): no tensor \(tensor)")) { try loadModel(directory: directory) }
            try FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test func promptLongerThanTheContext() throws {
        let model = try loadModel(directory: fixtureDirectory("gpt2-tiny"))
        #expect(throws: ModelError("sequence of 65 tokens is longer than the model's context of 64")) {
            try model.forward(Array(repeating: 1, count: 65), cache: model.makeCache())
        }
        #expect(throws: ModelError("token id 300 is outside the model's vocabulary of 300")) {
            try model.forward([300], cache: model.makeCache())
        }
    }
}
