/// GPT-2's parameter tensors by HF name and shape, in checkpoint order (Conv1D weights stored
/// inputs × outputs) — the one table that the engine's loader and the trainer's flat layout
/// (Training's GPT2Layout) both read, as llm.c builds one parameter table for forward, backward
/// and checkpoints.
public struct GPT2Tensors: Sendable {
    public struct Tensor: Sendable {
        public let name: String
        public let shape: [Int]
    }

    public struct Block: Sendable {
        public let ln1Gamma, ln1Beta, qkvWeight, qkvBias, projectionWeight, projectionBias: Tensor
        public let ln2Gamma, ln2Beta, fcWeight, fcBias, fcProjectionWeight, fcProjectionBias: Tensor

        public var all: [Tensor] {
            [ln1Gamma, ln1Beta, qkvWeight, qkvBias, projectionWeight, projectionBias,
             ln2Gamma, ln2Beta, fcWeight, fcBias, fcProjectionWeight, fcProjectionBias]
        }
    }

    public let tokenEmbedding, positionEmbedding, finalGamma, finalBeta: Tensor
    public let blocks: [Block]

    /// `prefix` is "transformer." in transformers' GPT2LMHeadModel checkpoints, "" in GPT2Model's.
    public init(config: ModelConfig, prefix: String = "transformer.") {
        let c = config.hiddenSize, v = config.vocabularySize, inner = config.intermediateSize
        func tensor(_ name: String, _ shape: [Int]) -> Tensor { Tensor(name: prefix + name, shape: shape) }
        tokenEmbedding = tensor("wte.weight", [v, c])
        positionEmbedding = tensor("wpe.weight", [config.contextLength, c])
        blocks = (0..<config.layers).map { i in
            let p = "h.\(i)."
            return Block(
                ln1Gamma: tensor(p + "ln_1.weight", [c]), ln1Beta: tensor(p + "ln_1.bias", [c]),
                qkvWeight: tensor(p + "attn.c_attn.weight", [c, 3 * c]), qkvBias: tensor(p + "attn.c_attn.bias", [3 * c]),
                projectionWeight: tensor(p + "attn.c_proj.weight", [c, c]), projectionBias: tensor(p + "attn.c_proj.bias", [c]),
                ln2Gamma: tensor(p + "ln_2.weight", [c]), ln2Beta: tensor(p + "ln_2.bias", [c]),
                fcWeight: tensor(p + "mlp.c_fc.weight", [c, inner]), fcBias: tensor(p + "mlp.c_fc.bias", [inner]),
                fcProjectionWeight: tensor(p + "mlp.c_proj.weight", [inner, c]), fcProjectionBias: tensor(p + "mlp.c_proj.bias", [c]))
        }
        finalGamma = tensor("ln_f.weight", [c])
        finalBeta = tensor("ln_f.bias", [c])
    }

    /// Every tensor, in checkpoint order.
    public var all: [Tensor] { [tokenEmbedding, positionEmbedding] + blocks.flatMap(\.all) + [finalGamma, finalBeta] }
}
