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
    let config: ModelConfig
    let weights: any WeightStore
    if path.hasSuffix(".gguf") {
        let file = try GGUFFile(path: path)
        config = try ModelConfig.load(gguf: file)
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

/// Keys and values of every layer for the positions seen so far.
///
/// A cache may extend a shared, frozen prefix (a prompt computed once for many samples): it
/// then stores only the positions after the prefix. Layout per layer: [kv head][position][d],
/// so that one head's keys are contiguous.
public final class KVCache: @unchecked Sendable {
    public let config: ModelConfig
    /// Positions held by the prefix cache, which this one reads but never writes.
    let prefix: KVCache?
    let base: Int
    let capacity: Int
    var keys: [[Float]]
    var values: [[Float]]
    public private(set) var length: Int

    /// An empty cache for up to `capacity` positions (default: the model's context).
    public init(config: ModelConfig, capacity: Int? = nil) {
        self.config = config
        self.prefix = nil
        self.base = 0
        self.capacity = min(capacity ?? config.contextLength, config.contextLength)
        self.length = 0
        let size = config.keyValueHeads * self.capacity * config.headDimension
        keys = Array(repeating: [Float](repeating: 0, count: size), count: config.layers)
        values = keys
    }

    /// A cache that continues `prefix` (which must not grow afterwards) for up to `extra` positions.
    public init(continuing prefix: KVCache, extra: Int) {
        self.config = prefix.config
        self.prefix = prefix
        self.base = prefix.length
        self.capacity = min(extra, config.contextLength - prefix.length)
        self.length = prefix.length
        let size = config.keyValueHeads * max(self.capacity, 0) * config.headDimension
        keys = Array(repeating: [Float](repeating: 0, count: size), count: config.layers)
        values = keys
    }

    /// The last position this cache can hold, plus one.
    public var limit: Int { base + capacity }

    func advance(by count: Int) { length += count }

    /// Writes one position's keys and values for all kv heads (each `kvHeads · d` long).
    func store(layer: Int, position: Int, keys source: UnsafePointer<Float>, values valueSource: UnsafePointer<Float>) {
        let d = config.headDimension, slot = position - base
        keys[layer].withUnsafeMutableBufferPointer { k in
            values[layer].withUnsafeMutableBufferPointer { v in
                for h in 0..<config.keyValueHeads {
                    let target = (h * capacity + slot) * d
                    for i in 0..<d {
                        k[target + i] = source[h * d + i]
                        v[target + i] = valueSource[h * d + i]
                    }
                }
            }
        }
    }
}

/// Causal attention of each step's query over its own cache up to and including its position
/// (the prefix's positions first, then the cache's own), with grouped-query heads: query head h
/// reads kv head h / (heads / kvHeads). queries: (rows × heads·d), row stride `stride`;
/// out: (rows × heads·d), contiguous.
func attend(_ steps: [Step], positions: [Int], layer: Int, queries: UnsafePointer<Float>, stride: Int,
            out: UnsafeMutablePointer<Float>) {
    guard let config = steps.first?.cache.config else { return }
    let d = config.headDimension, heads = config.heads, group = heads / config.keyValueHeads
    let scale = 1 / Float(d).squareRoot()
    // Every (row, head) pair is its own task, so that one row (batch-1 decoding) still spreads.
    parallelFor(steps.count * heads) { task in
        let row = task / heads, h = task % heads
        let visible = positions[row] + 1
        // A sliding window hides all but the last `window` positions, this one included.
        let firstVisible = config.slidingWindow.map { max(0, visible - $0) } ?? 0
        let cache = steps[row].cache
        var scores = [Float](repeating: 0, count: visible)
        // Segments of keys/values: (storage, first position, positions).
        var segments: [(KVCache, Int, Int)] = []
        if let prefix = cache.prefix { segments.append((prefix, 0, cache.base)) }
        segments.append((cache, cache.base, visible - cache.base))
        let q = queries + row * stride + h * d
        let kvHead = h / group
        for (owner, first, count) in segments {
            owner.keys[layer].withUnsafeBufferPointer { keys in
                let headBase = keys.baseAddress! + kvHead * owner.capacity * d
                for j in 0..<count { scores[first + j] = dot(q, headBase + j * d, count: d) * scale }
            }
        }
        scores.withUnsafeMutableBufferPointer { Tensors.softmax($0.baseAddress! + firstVisible, count: visible - firstVisible) }
        for j in 0..<firstVisible { scores[j] = 0 }
        let target = out + row * heads * d + h * d
        for i in 0..<d { target[i] = 0 }
        for (owner, first, count) in segments {
            owner.values[layer].withUnsafeBufferPointer { values in
                let headBase = values.baseAddress! + kvHead * owner.capacity * d
                for j in 0..<count {
                    let p = scores[first + j]
                    let v = headBase + j * d
                    for i in 0..<d { target[i] += p * v[i] }
                }
            }
        }
    }
}
