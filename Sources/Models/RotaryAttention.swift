import Foundation
import Tensors

/// The attention sublayer of the rotary decoders (Llama family, StarCoder2, Phi): q/k/v projections
/// with optional biases, rotary positions, grouped-query attention over the KV cache (within the
/// sliding window, if any), output projection. Weight names as in HF's `self_attn` modules, the
/// output projection's given by `outputName` (o_proj; Phi's dense).
struct RotaryAttention {
    let query, key, value, output: any WeightMatrix
    let queryBias, keyBias, valueBias, outputBias: [Float]?

    init(weights: any WeightStore, prefix p: String, config: ModelConfig, outputName: String = "o_proj") throws {
        let c = config.hiddenSize, d = config.headDimension
        let q = config.heads * d, kv = config.keyValueHeads * d
        func linear(_ name: String, _ outputs: Int, _ inputs: Int) throws -> any WeightMatrix {
            try weights.matrix(p + name, outputs: outputs, inputs: inputs)
        }
        func bias(_ name: String, _ size: Int) throws -> [Float]? {
            weights.has(p + name) ? try weights.tensor(p + name, shape: [size]) : nil
        }
        query = try linear("q_proj.weight", q, c)
        key = try linear("k_proj.weight", kv, c)
        value = try linear("v_proj.weight", kv, c)
        output = try linear(outputName + ".weight", c, q)
        queryBias = try bias("q_proj.bias", q)
        keyBias = try bias("k_proj.bias", kv)
        valueBias = try bias("v_proj.bias", kv)
        outputBias = try bias(outputName + ".bias", c)
    }

    /// Scratch for one forward pass of `rows` positions.
    struct Buffers {
        var queries, keys, values, keysValues, attended: [Float]

        init(rows t: Int, config: ModelConfig) {
            let qWidth = config.heads * config.headDimension, kvWidth = config.keyValueHeads * config.headDimension
            queries = [Float](repeating: 0, count: t * qWidth)  // (T, H·d)
            keys = [Float](repeating: 0, count: t * kvWidth)  // (T, KV·d)
            values = keys
            keysValues = [Float](repeating: 0, count: t * 2 * kvWidth)  // (T, 2·KV·d): keys then values per row
            attended = queries
        }
    }

    /// out (T, C) = attention of h (T, C) over each step's cache, which gains the steps' keys and values.
    func callAsFunction(_ h: [Float], _ out: inout [Float], steps: [Step], positions: [Int], layer: Int,
                        rotary: RotaryEmbedding, config: ModelConfig, buffers b: inout Buffers) {
        let t = steps.count, kvWidth = config.keyValueHeads * config.headDimension, qWidth = config.heads * config.headDimension
        linear(h, query, queryBias, &b.queries, rows: t)
        linear(h, key, keyBias, &b.keys, rows: t)
        linear(h, value, valueBias, &b.values, rows: t)
        rotary.rotate(&b.queries, heads: config.heads, positions: positions)
        rotary.rotate(&b.keys, heads: config.keyValueHeads, positions: positions)
        for row in 0..<t {
            for i in 0..<kvWidth {
                b.keysValues[row * 2 * kvWidth + i] = b.keys[row * kvWidth + i]
                b.keysValues[row * 2 * kvWidth + kvWidth + i] = b.values[row * kvWidth + i]
            }
        }
        b.keysValues.withUnsafeBufferPointer { kvs in
            storeAll(steps, positions: positions, layer: layer, keys: kvs.baseAddress!, values: kvs.baseAddress! + kvWidth, stride: 2 * kvWidth)
        }
        b.queries.withUnsafeBufferPointer { q in
            b.attended.withUnsafeMutableBufferPointer { attended in
                attend(steps, positions: positions, layer: layer, queries: q.baseAddress!, stride: qWidth, out: attended.baseAddress!)
            }
        }
        linear(b.attended, output, outputBias, &out, rows: t)
    }
}
