import Foundation
import Tensors

/// A causal language model that extends a sequence held in a KV cache.
public protocol LanguageModel: AnyObject, Sendable {
    var config: ModelConfig { get }
    /// Runs `tokens` after what `cache` holds, appends their keys and values to it, and returns
    /// the logits of every new position (tokens.count × vocabulary, row-major).
    func forward(_ tokens: [Int], cache: KVCache) throws -> [Float]
}

extension LanguageModel {
    public func makeCache() -> KVCache { KVCache(config: config) }
}

/// Loads a model from an HF-layout directory (config.json + safetensors).
public func loadModel(directory: String) throws -> any LanguageModel {
    let config = try ModelConfig.load(directory: directory)
    let weights = try WeightStore(directory: directory)
    switch config.architecture {
    case .gpt2: return try GPT2(config: config, weights: weights)
    case .qwen2: return try Qwen2(config: config, weights: weights)
    }
}

/// Keys and values of every layer for the positions seen so far.
/// Layout per layer: [kv head][position][head dimension], so one head's keys are contiguous.
public final class KVCache: @unchecked Sendable {
    public let config: ModelConfig
    var keys: [[Float]]
    var values: [[Float]]
    public private(set) var length = 0

    public init(config: ModelConfig) {
        self.config = config
        let size = config.keyValueHeads * config.contextLength * config.headDimension
        keys = Array(repeating: [Float](repeating: 0, count: size), count: config.layers)
        values = keys
    }

    /// A cache holding the same positions (for drawing several samples from one prompt).
    public func copy() -> KVCache {
        let copy = KVCache(config: config)
        copy.keys = keys
        copy.values = values
        copy.length = length
        return copy
    }

    func advance(by count: Int) { length += count }

    /// Writes `rows` rows (one per new position) of all kv heads, from a (rows × kvHeads·d) matrix
    /// whose row stride is `stride`.
    func store(layer: Int, keys source: UnsafePointer<Float>, values valueSource: UnsafePointer<Float>, rows: Int, stride: Int) {
        let d = config.headDimension, context = config.contextLength
        keys[layer].withUnsafeMutableBufferPointer { k in
            values[layer].withUnsafeMutableBufferPointer { v in
                for t in 0..<rows {
                    for h in 0..<config.keyValueHeads {
                        let target = (h * context + length + t) * d
                        for i in 0..<d {
                            k[target + i] = source[t * stride + h * d + i]
                            v[target + i] = valueSource[t * stride + h * d + i]
                        }
                    }
                }
            }
        }
    }
}

/// Causal attention of `rows` new queries over all cached positions (those before them and
/// themselves), with grouped-query heads: query head h reads kv head h / (heads / kvHeads).
/// queries: (rows × heads·d) with row stride `stride`; out: (rows × heads·d), contiguous.
func attend(cache: KVCache, layer: Int, queries: UnsafePointer<Float>, stride: Int, rows: Int,
            out: UnsafeMutablePointer<Float>) {
    let config = cache.config
    let d = config.headDimension, heads = config.heads, group = heads / config.keyValueHeads
    let past = cache.length, context = config.contextLength
    let scale = 1 / Float(d).squareRoot()
    var scores = [Float](repeating: 0, count: past + rows)
    cache.keys[layer].withUnsafeBufferPointer { keys in
        cache.values[layer].withUnsafeBufferPointer { values in
            for t in 0..<rows {
                let visible = past + t + 1
                for h in 0..<heads {
                    let q = queries + t * stride + h * d
                    let kvBase = (h / group) * context * d
                    for j in 0..<visible {
                        var dot: Float = 0
                        let k = keys.baseAddress! + kvBase + j * d
                        for i in 0..<d { dot += q[i] * k[i] }
                        scores[j] = dot * scale
                    }
                    scores.withUnsafeMutableBufferPointer { Tensors.softmax($0.baseAddress!, count: visible) }
                    let target = out + t * heads * d + h * d
                    for i in 0..<d { target[i] = 0 }
                    for j in 0..<visible {
                        let p = scores[j]
                        let v = values.baseAddress! + kvBase + j * d
                        for i in 0..<d { target[i] += p * v[i] }
                    }
                }
            }
        }
    }
}
