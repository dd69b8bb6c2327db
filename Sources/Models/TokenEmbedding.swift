import Tensors

/// The input embedding and output head of the decoders named as HF's LlamaForCausalLM (the Llama
/// family, StarCoder2): `model.embed_tokens` and `lm_head`, or one matrix when the head is tied.
struct TokenEmbedding {
    /// (V, C): nil when tied to the output layer, whose rows are then looked up instead.
    let input: (any WeightMatrix)?
    /// (V, C): lm_head, or the embedding when tied.
    let output: any WeightMatrix

    init(weights: any WeightStore, config: ModelConfig) throws {
        let c = config.hiddenSize, v = config.vocabularySize
        if config.tiedEmbeddings || !weights.has("lm_head.weight") {
            input = nil
            output = try weights.matrix("model.embed_tokens.weight", outputs: v, inputs: c)
        } else {
            input = try weights.matrix("model.embed_tokens.weight", outputs: v, inputs: c)
            output = try weights.matrix("lm_head.weight", outputs: v, inputs: c)
        }
    }

    /// The steps' token embeddings, (T, C).
    func embed(_ steps: [Step], width c: Int) -> [Float] {
        var x = [Float](repeating: 0, count: steps.count * c)
        x.withUnsafeMutableBufferPointer { rows in
            for (row, step) in steps.enumerated() { (input ?? output).copyRow(step.token, into: rows.baseAddress! + row * c) }
        }
        return x
    }
}

/// GPT-2's and GPT-BigCode's input (T, C): each step's token row plus its position's learned row.
func embedWithLearnedPositions(_ steps: [Step], positions: [Int], tokens: any WeightMatrix, positions table: [Float], width c: Int) -> [Float] {
    var x = [Float](repeating: 0, count: steps.count * c)
    x.withUnsafeMutableBufferPointer { rows in
        for (row, step) in steps.enumerated() {
            let target = rows.baseAddress! + row * c
            tokens.copyRow(step.token, into: target)
            for i in 0..<c { target[i] += table[positions[row] * c + i] }
        }
    }
    return x
}
