import Foundation
import ModelFiles
import Tensors

/// One new position to compute: a token appended to the sequence a cache holds.
public struct Step {
    public let token: Int
    public let cache: KVCache

    public init(token: Int, cache: KVCache) {
        self.token = token
        self.cache = cache
    }
}

/// A causal language model that extends sequences held in KV caches.
public protocol LanguageModel: AnyObject, Sendable {
    var config: ModelConfig { get }
    /// Computes all steps as one batch — the matrix products see every row at once — and
    /// returns their logits (steps.count × vocabulary, row-major). Steps of one cache must be
    /// consecutive, in sequence order; each cache grows by its number of steps.
    func forward(_ steps: [Step]) throws -> [Float]
}

extension LanguageModel {
    public func makeCache() -> KVCache { KVCache(config: config) }

    /// Runs `tokens` after what `cache` holds and returns the logits of every new position.
    public func forward(_ tokens: [Int], cache: KVCache) throws -> [Float] {
        try forward(tokens.map { Step(token: $0, cache: cache) })
    }
}

/// Where each step lands: its cache's position for it, checked against the context and vocabulary.
func positions(of steps: [Step], config: ModelConfig) throws -> [Int] {
    var next: [ObjectIdentifier: Int] = [:]
    var positions: [Int] = []
    positions.reserveCapacity(steps.count)
    for step in steps {
        if step.token < 0 || step.token >= config.vocabularySize {
            throw ModelError("token id \(step.token) is outside the model's vocabulary of \(config.vocabularySize)")
        }
        let id = ObjectIdentifier(step.cache)
        let position = next[id] ?? step.cache.length
        if position >= step.cache.limit {
            let total = step.cache.length + steps.filter { $0.cache === step.cache }.count
            if total > config.contextLength {
                throw ModelError("sequence of \(total) tokens is longer than the model's context of \(config.contextLength)")
            }
            throw ModelError("sequence of \(total) tokens is longer than its cache's room for \(step.cache.limit)")
        }
        next[id] = position + 1
        positions.append(position)
    }
    return positions
}

/// Stores each step's key and value rows (row stride `stride`) at its position, then grows the caches.
func storeAll(_ steps: [Step], positions: [Int], layer: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, stride: Int) {
    for (row, step) in steps.enumerated() {
        step.cache.store(layer: layer, position: positions[row], keys: keys + row * stride, values: values + row * stride)
    }
}

func advanceAll(_ steps: [Step]) {
    for step in steps { step.cache.advance(by: 1) }
}

/// Loads a model from an HF-layout directory (config.json + safetensors) or a GGUF file.
public func loadModel(directory path: String) throws -> any LanguageModel {
    var config: ModelConfig
    let weights: any WeightStore
    if path.hasSuffix(".gguf") {
        let file = try GGUFFile(path: path)
        config = try ModelConfig.load(gguf: file)
        if file.tensors.values.contains(where: { $0.type.blockSize > 1 }) { config.keyValuePrecision = .float16 }
        weights = try GGUFWeights(file: file, config: config)
    } else {
        config = try ModelConfig.load(directory: path)
        weights = try SafetensorsWeights(directory: path)
    }
    switch config.architecture {
    case .gpt2: return try GPT2(config: config, weights: weights)
    case .llama: return try Llama(config: config, weights: weights)
    case .starcoder2: return try StarCoder2(config: config, weights: weights)
    case .gptBigCode: return try GPTBigCode(config: config, weights: weights)
    }
}
