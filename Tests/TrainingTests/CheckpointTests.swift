import Foundation
import Testing
import Models
@testable import Training

@Suite struct CheckpointTests {
    @Test func savedCheckpointLoadsBackAndTheEngineAgreesWithTraining() throws {
        let reference = try TrainingReference.load()
        let model = try loadTinyModel(batch: 1, length: reference.length)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("codeloop-ckpt-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try GPT2Checkpoint.save(layout: model.layout, parameters: model.parameters, to: directory, endOfText: 95)

        let reloaded = try GPT2Checkpoint.loadParameters(layout: model.layout, directory: directory)
        #expect(reloaded.array() == model.parameters.array())

        // The inference engine reads the checkpoint and computes the same logits as training's forward pass.
        let tokens = Array(reference.inputs.prefix(reference.length))
        model.forward(inputs: tokens)
        let engine = try loadModel(directory: directory)
        let logits = try engine.forward(tokens.map(Int.init), cache: engine.makeCache())
        #expect(relativeError(logits, model.logits.array()) < 1e-5)
    }

    @Test func initialisationIsSeededAndScaledAsGPT2() throws {
        let layout = GPT2Layout(config: try ModelConfig.load(directory: fixture("gpt2-train")))
        let a = GPT2Checkpoint.initialParameters(layout: layout, seed: 1), b = GPT2Checkpoint.initialParameters(layout: layout, seed: 1)
        #expect(a.array() == b.array())
        #expect(a.array() != GPT2Checkpoint.initialParameters(layout: layout, seed: 2).array())
        let wte = layout.entries[0]
        let values = a.array(offset: wte.offset, count: wte.count)
        let std = (values.map { Double($0 * $0) }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(abs(std - 0.02) < 0.002, "wte std \(std)")
        let gain = layout.entries.first { $0.name.hasSuffix("ln_1.weight") }!
        #expect(a.array(offset: gain.offset, count: gain.count).allSatisfy { $0 == 1 })
    }
}
