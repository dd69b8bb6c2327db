import Foundation
import Testing
@testable import Models

/// Logits and greedy continuations of tiny random models from HF transformers, written by
/// scripts/fixtures/make_model_fixtures.py.
struct ReferenceCase {
    let prompt: [Int]
    let logits: [[Float]]
    let greedy: [Int]
}

func fixtureDirectory(_ name: String) -> String {
    Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures")!
}

func referenceCases(_ model: String) throws -> [ReferenceCase] {
    let data = try Data(contentsOf: URL(fileURLWithPath: fixtureDirectory("reference.json")))
    let root = try JSONSerialization.jsonObject(with: data) as! [String: [[String: Any]]]
    return root[model]!.map { entry in
        ReferenceCase(prompt: entry["prompt"] as! [Int],
                      logits: (entry["logits"] as! [[Double]]).map { $0.map(Float.init) },
                      greedy: entry["greedy"] as! [Int])
    }
}

func argmax(_ row: ArraySlice<Float>) -> Int {
    var best = row.startIndex
    for i in row.indices where row[i] > row[best] { best = i }
    return best - row.startIndex
}

@Suite struct ModelParityTests {
    func check(_ name: String) throws {
        let model = try loadModel(directory: fixtureDirectory(name))
        let v = model.config.vocabularySize
        for reference in try referenceCases(name) {
            // Logits of the whole prompt in one pass.
            let logits = try model.forward(reference.prompt, cache: model.makeCache())
            var worst: Float = 0
            for (row, expected) in reference.logits.enumerated() {
                for i in 0..<v { worst = max(worst, abs(logits[row * v + i] - expected[i])) }
            }
            #expect(worst < 1e-4, "\(name) prompt \(reference.prompt): largest logit difference \(worst)")
            // The same logits one token at a time through the KV cache.
            let cache = model.makeCache()
            var incremental: [Float] = []
            for token in reference.prompt { incremental += try model.forward([token], cache: cache) }
            let drift = zip(incremental, logits).map { abs($0 - $1) }.max() ?? 0
            #expect(drift < 1e-5, "\(name): cached decoding differs from full recomputation by \(drift)")
            // The same logits read in chunks of 3 positions, and the last row alone.
            let chunked = try model.forward(reference.prompt, cache: model.makeCache(), chunk: 3)
            let chunkDrift = zip(chunked, logits).map { abs($0 - $1) }.max() ?? 0
            #expect(chunked.count == logits.count && chunkDrift < 1e-5, "\(name): chunked prefill differs by \(chunkDrift)")
            let lastOnly = try model.forward(reference.prompt, cache: model.makeCache(), logits: .last, chunk: 3)
            // (A product of one row may take another kernel than one of many: equal to rounding.)
            let lastDrift = zip(lastOnly, chunked.suffix(v)).map { abs($0 - $1) }.max() ?? 0
            #expect(lastOnly.count == v && lastDrift < 1e-5, "\(name): the last row alone differs by \(lastDrift)")
            // Greedy continuation, decoding with the cache.
            var generated: [Int] = []
            var last = Array(logits[((reference.prompt.count - 1) * v)...])
            for _ in 0..<reference.greedy.count {
                let next = argmax(last[...])
                generated.append(next)
                last = try model.forward([next], cache: cache)
            }
            #expect(generated == reference.greedy, "\(name) prompt \(reference.prompt)")
        }
    }

    /// Every architecture, each saved by transformers' own model class.
    static let models = ["gpt2-tiny", "qwen2-tiny", "llama-tiny", "llama3-tiny", "codellama-tiny", "deepseek-coder-tiny",
                         "mistral-tiny", "starcoder2-tiny", "gpt-bigcode-tiny", "phi-tiny"]

    @Test(arguments: models)
    func matchesTransformers(_ name: String) throws { try check(name) }

    @Test(arguments: models)
    func batchedStepsEqualSeparateOnes(_ name: String) throws {
        // Three sequences of different lengths advance together in one forward pass per step.
        let model = try loadModel(directory: fixtureDirectory(name))
        let v = model.config.vocabularySize
        let prompts = try referenceCases(name).map(\.prompt)
        let caches = prompts.map { _ in model.makeCache() }
        var last: [[Float]] = []
        for (prompt, cache) in zip(prompts, caches) {
            let logits = try model.forward(prompt, cache: cache)
            last.append(Array(logits[((prompt.count - 1) * v)...]))
        }
        let separate = prompts.map { _ in model.makeCache() }
        for (prompt, cache) in zip(prompts, separate) { _ = try model.forward(prompt, cache: cache) }
        for _ in 0..<5 {
            let next = last.map { argmax($0[...]) }
            let batched = try model.forward(zip(next, caches).map { Step(token: $0, cache: $1) })
            for (row, token) in next.enumerated() {
                let alone = try model.forward([token], cache: separate[row])
                let drift = zip(alone, batched[(row * v)..<((row + 1) * v)]).map { abs($0 - $1) }.max()!
                #expect(drift < 1e-5, "\(name) row \(row): \(drift)")
                last[row] = alone
            }
        }
    }
}
