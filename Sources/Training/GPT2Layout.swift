import Models

/// Where each of GPT-2's parameter tensors (Models' GPT2Tensors) lives in one flat array, so a
/// checkpoint is written tensor by tensor and transformers loads it unchanged. Gradients and
/// AdamW's moments share the layout.
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
        let table = GPT2Tensors(config: config)
        var entries: [Entry] = []
        var next = 0
        func add(_ tensor: GPT2Tensors.Tensor) -> Int {
            entries.append(Entry(name: tensor.name, shape: tensor.shape, offset: next))
            defer { next += tensor.shape.reduce(1, *) }
            return next
        }
        tokenEmbedding = add(table.tokenEmbedding)
        positionEmbedding = add(table.positionEmbedding)
        blocks = table.blocks.map { b in
            Block(ln1Gamma: add(b.ln1Gamma), ln1Beta: add(b.ln1Beta), qkvWeight: add(b.qkvWeight), qkvBias: add(b.qkvBias),
                  projectionWeight: add(b.projectionWeight), projectionBias: add(b.projectionBias),
                  ln2Gamma: add(b.ln2Gamma), ln2Beta: add(b.ln2Beta), fcWeight: add(b.fcWeight), fcBias: add(b.fcBias),
                  fcProjectionWeight: add(b.fcProjectionWeight), fcProjectionBias: add(b.fcProjectionBias))
        }
        finalGamma = add(table.finalGamma)
        finalBeta = add(table.finalBeta)
        self.entries = entries
        count = next
    }

    /// Parameters without the position table — the count the scaling-law papers quote.
    public var nonEmbeddingCount: Int { count - config.vocabularySize * config.hiddenSize - config.contextLength * config.hiddenSize }
}
