import Foundation
import Tensors

/// Qwen2 / Llama: RMSNorm, rotary positions (rotate-half form, as HF's Llama code), grouped-query
/// attention, SwiGLU, optional q/k/v biases (Qwen2 has them, Llama not). Weight names as in HF's
/// Qwen2ForCausalLM and LlamaForCausalLM.
public final class Qwen2: LanguageModel, @unchecked Sendable {
    public let config: ModelConfig

    struct Layer {
        var inputNorm: [Float]
        var queryWeight, keyWeight, valueWeight, outputWeight: PackedMatrix
        var queryBias, keyBias, valueBias: [Float]?
        var postNorm: [Float]
        var gateWeight, upWeight, downWeight: PackedMatrix
    }

    /// (V, C): nil when tied to the output layer, whose packed rows are then looked up instead.
    let embedding: [Float]?
    let layers: [Layer]
    let finalNorm: [Float]
    let outputWeight: PackedMatrix  // (V, C): lm_head, or the embedding when tied
    /// 1 / theta^(2i/d) for i < d/2.
    let inverseFrequencies: [Float]

    init(config: ModelConfig, weights: WeightStore) throws {
        self.config = config
        let c = config.hiddenSize, v = config.vocabularySize, d = config.headDimension
        let q = config.heads * d, kv = config.keyValueHeads * d, inner = config.intermediateSize
        func linear(_ name: String, _ outputs: Int, _ inputs: Int) throws -> PackedMatrix {
            PackedMatrix(outByIn: try weights.tensor(name, shape: [outputs, inputs]), outputs: outputs, inputs: inputs)
        }
        // First, so that the (large) unpacked embedding is gone before the layers load.
        if config.tiedEmbeddings || !weights.has("lm_head.weight") {
            embedding = nil
            outputWeight = try linear("model.embed_tokens.weight", v, c)
        } else {
            embedding = try weights.tensor("model.embed_tokens.weight", shape: [v, c])
            outputWeight = try linear("lm_head.weight", v, c)
        }
        layers = try (0..<config.layers).map { i in
            let p = "model.layers.\(i)."
            func optional(_ name: String, _ size: Int) throws -> [Float]? {
                weights.has(p + name) ? try weights.tensor(p + name, shape: [size]) : nil
            }
            return Layer(
                inputNorm: try weights.tensor(p + "input_layernorm.weight", shape: [c]),
                queryWeight: try linear(p + "self_attn.q_proj.weight", q, c),
                keyWeight: try linear(p + "self_attn.k_proj.weight", kv, c),
                valueWeight: try linear(p + "self_attn.v_proj.weight", kv, c),
                outputWeight: try linear(p + "self_attn.o_proj.weight", c, q),
                queryBias: try optional("self_attn.q_proj.bias", q), keyBias: try optional("self_attn.k_proj.bias", kv),
                valueBias: try optional("self_attn.v_proj.bias", kv),
                postNorm: try weights.tensor(p + "post_attention_layernorm.weight", shape: [c]),
                gateWeight: try linear(p + "mlp.gate_proj.weight", inner, c),
                upWeight: try linear(p + "mlp.up_proj.weight", inner, c),
                downWeight: try linear(p + "mlp.down_proj.weight", c, inner))
        }
        finalNorm = try weights.tensor("model.norm.weight", shape: [c])
        inverseFrequencies = (0..<(d / 2)).map { 1 / powf(config.ropeTheta, Float(2 * $0) / Float(d)) }
    }

    public func forward(_ steps: [Step]) throws -> [Float] {
        let t = steps.count, c = config.hiddenSize, v = config.vocabularySize, d = config.headDimension
        let qWidth = config.heads * d, kvWidth = config.keyValueHeads * d, inner = config.intermediateSize
        let positions = try Models.positions(of: steps, config: config)
        var x = [Float](repeating: 0, count: t * c)  // (T, C)
        x.withUnsafeMutableBufferPointer { rows in
            for (row, step) in steps.enumerated() {
                let target = rows.baseAddress! + row * c
                if let embedding {
                    for i in 0..<c { target[i] = embedding[step.token * c + i] }
                } else {
                    outputWeight.copyRow(step.token, into: target)
                }
            }
        }
        var h = [Float](repeating: 0, count: t * c)
        var queries = [Float](repeating: 0, count: t * qWidth)  // (T, H·d)
        var keysValues = [Float](repeating: 0, count: t * 2 * kvWidth)  // (T, 2·KV·d): keys then values per row
        var keys = [Float](repeating: 0, count: t * kvWidth), values = keys
        var attended = [Float](repeating: 0, count: t * qWidth)
        var gate = [Float](repeating: 0, count: t * inner), up = gate
        for (index, layer) in layers.enumerated() {
            rmsNorm(x, &h, rows: t, width: c, gamma: layer.inputNorm, epsilon: config.normEpsilon)
            linear(h, layer.queryWeight, layer.queryBias, &queries, rows: t)
            linear(h, layer.keyWeight, layer.keyBias, &keys, rows: t)
            linear(h, layer.valueWeight, layer.valueBias, &values, rows: t)
            rotate(&queries, heads: config.heads, positions: positions)
            rotate(&keys, heads: config.keyValueHeads, positions: positions)
            for row in 0..<t {
                for i in 0..<kvWidth {
                    keysValues[row * 2 * kvWidth + i] = keys[row * kvWidth + i]
                    keysValues[row * 2 * kvWidth + kvWidth + i] = values[row * kvWidth + i]
                }
            }
            keysValues.withUnsafeBufferPointer { kvs in
                storeAll(steps, positions: positions, layer: index, keys: kvs.baseAddress!, values: kvs.baseAddress! + kvWidth, stride: 2 * kvWidth)
            }
            queries.withUnsafeBufferPointer { q in
                attended.withUnsafeMutableBufferPointer { out in
                    attend(steps, positions: positions, layer: index, queries: q.baseAddress!, stride: qWidth, out: out.baseAddress!)
                }
            }
            linear(attended, layer.outputWeight, nil, &h, rows: t)
            x.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, h, count: t * c) }
            rmsNorm(x, &h, rows: t, width: c, gamma: layer.postNorm, epsilon: config.normEpsilon)
            linear(h, layer.gateWeight, nil, &gate, rows: t)
            linear(h, layer.upWeight, nil, &up, rows: t)
            gate.withUnsafeMutableBufferPointer { siluMultiply($0.baseAddress!, up, count: t * inner) }
            linear(gate, layer.downWeight, nil, &h, rows: t)
            x.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, h, count: t * c) }
        }
        advanceAll(steps)
        rmsNorm(x, &h, rows: t, width: c, gamma: finalNorm, epsilon: config.normEpsilon)
        var logits = [Float](repeating: 0, count: t * v)  // (T, V)
        linear(h, outputWeight, nil, &logits, rows: t)
        return logits
    }

    /// Rotary embedding in place on (rows × heads·d), row r at positions[r]:
    /// (x1, x2) → (x1·cos − x2·sin, x2·cos + x1·sin) with x1, x2 the halves of each head.
    func rotate(_ x: inout [Float], heads: Int, positions: [Int]) {
        let d = config.headDimension, half = d / 2
        for row in 0..<positions.count {
            let position = Float(positions[row])
            for i in 0..<half {
                let angle = position * inverseFrequencies[i]
                let cosine = cosf(angle), sine = sinf(angle)
                for h in 0..<heads {
                    let base = row * heads * d + h * d
                    let a = x[base + i], b = x[base + half + i]
                    x[base + i] = a * cosine - b * sine
                    x[base + half + i] = b * cosine + a * sine
                }
            }
        }
    }
}

func rmsNorm(_ x: [Float], _ out: inout [Float], rows: Int, width: Int, gamma: [Float], epsilon: Float) {
    x.withUnsafeBufferPointer { a in
        out.withUnsafeMutableBufferPointer { o in
            Tensors.rmsNorm(a.baseAddress!, o.baseAddress!, rows: rows, width: width, gamma: gamma, epsilon: epsilon)
        }
    }
}
