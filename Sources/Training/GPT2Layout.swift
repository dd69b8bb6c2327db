import Models

/// Where each of GPT-2's parameter tensors lives in one flat array, under its HF name and in HF's
/// layout (Conv1D weights stored inputs × outputs), so a checkpoint is written tensor by tensor
/// and transformers loads it unchanged. Gradients and AdamW's moments share the layout.
public struct GPT2Layout: Sendable {
    public struct Entry: Sendable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
        /// Matrices take weight decay; biases and LayerNorm gains do not (GPT-2 and nanoGPT's grouping).
        public var decays: Bool { shape.count >= 2 }
    }

    /// Offsets of one block's tensors.
    public struct Block: Sendable {
        public let ln1Gamma, ln1Beta, qkvWeight, qkvBias, projectionWeight, projectionBias: Int
        public let ln2Gamma, ln2Beta, fcWeight, fcBias, fcProjectionWeight, fcProjectionBias: Int
    }

    public let config: ModelConfig
    public let entries: [Entry]
    public let tokenEmbedding, positionEmbedding, finalGamma, finalBeta: Int
    public let blocks: [Block]
    public let count: Int

    public init(config: ModelConfig) {
        self.config = config
        let c = config.hiddenSize, v = config.vocabularySize, inner = config.intermediateSize
        var entries: [Entry] = []
        var next = 0
        func add(_ name: String, _ shape: [Int]) -> Int {
            entries.append(Entry(name: "transformer." + name, shape: shape, offset: next))
            defer { next += shape.reduce(1, *) }
            return next
        }
        tokenEmbedding = add("wte.weight", [v, c])
        positionEmbedding = add("wpe.weight", [config.contextLength, c])
        blocks = (0..<config.layers).map { i in
            let p = "h.\(i)."
            return Block(
                ln1Gamma: add(p + "ln_1.weight", [c]), ln1Beta: add(p + "ln_1.bias", [c]),
                qkvWeight: add(p + "attn.c_attn.weight", [c, 3 * c]), qkvBias: add(p + "attn.c_attn.bias", [3 * c]),
                projectionWeight: add(p + "attn.c_proj.weight", [c, c]), projectionBias: add(p + "attn.c_proj.bias", [c]),
                ln2Gamma: add(p + "ln_2.weight", [c]), ln2Beta: add(p + "ln_2.bias", [c]),
                fcWeight: add(p + "mlp.c_fc.weight", [c, inner]), fcBias: add(p + "mlp.c_fc.bias", [inner]),
                fcProjectionWeight: add(p + "mlp.c_proj.weight", [inner, c]), fcProjectionBias: add(p + "mlp.c_proj.bias", [c]))
        }
        finalGamma = add("ln_f.weight", [c])
        finalBeta = add("ln_f.bias", [c])
        self.entries = entries
        count = next
    }

    /// Parameters without the position table — the count the scaling-law papers quote.
    public var nonEmbeddingCount: Int { count - config.vocabularySize * config.hiddenSize - config.contextLength * config.hiddenSize }
}
