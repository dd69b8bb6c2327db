import Seeding
import Tensors

/// Where a run's batches come from. Batches are a pure function of their index, so a resumed run
/// sees exactly the batches the uninterrupted run would have.
public protocol TrainingData: Sendable {
    /// Inputs and targets (batch × length each; a negative target is not trained on) of the
    /// `index`-th training micro-batch.
    func trainingBatch(_ index: Int, batch: Int, length: Int) -> (inputs: [Int32], targets: [Int32])
    /// The `index`-th of a fixed list of validation batches, or nil past its end.
    func validationBatch(_ index: Int, batch: Int, length: Int) -> (inputs: [Int32], targets: [Int32])?
}

/// Next-token prediction over a token stream (files joined by <|endoftext|>): training windows
/// start at offsets drawn from the seed and the batch index, their documents FIM-transformed
/// when `fim` is set; validation walks its stream in order, left to right.
public struct TokenStreamData: TrainingData {
    public let train: [Int32]
    public let validation: [Int32]
    public let seed: UInt64
    public let fim: FIMTransformation?

    public init(train: [Int32], validation: [Int32], seed: UInt64, fim: FIMTransformation? = nil) {
        self.train = train
        self.validation = validation
        self.seed = seed
        self.fim = fim
    }

    public func trainingBatch(_ index: Int, batch: Int, length: Int) -> (inputs: [Int32], targets: [Int32]) {
        var random = SplitMix64(seed: seed, stream: index)
        let room = UInt64(max(train.count - length - 1, 1))
        var inputs: [Int32] = [], targets: [Int32] = []
        for _ in 0..<batch {
            let start = Int(random.next() % room)
            let window = train[start..<(start + length + 1)]
            let sequence = fim.map { $0.apply(window, using: &random)[...] } ?? window
            inputs += sequence.dropLast()
            targets += sequence.dropFirst()
        }
        return (inputs, targets)
    }

    public func validationBatch(_ index: Int, batch: Int, length: Int) -> (inputs: [Int32], targets: [Int32])? {
        let start = index * batch * length
        guard start + batch * length + 1 <= validation.count else { return nil }
        return (Array(validation[start..<(start + batch * length)]), Array(validation[(start + 1)...(start + batch * length)]))
    }
}

/// Supervised examples (Codex-S): each sequence is a prompt then its completion, the loss counted
/// on the completion only; sequences are cut or padded (with `padding`, not trained on) to length.
/// Packed, a training sequence holds as many whole examples as fit, one after another (each
/// completion ends at <|endoftext|>, as files do in the pretraining stream), so that a context of
/// short examples is not mostly padding; validation stays one example per sequence.
public struct MaskedExampleData: TrainingData {
    public struct Example: Sendable, Codable {
        public let prompt: [Int32]
        public let completion: [Int32]
        public init(prompt: [Int32], completion: [Int32]) {
            self.prompt = prompt
            self.completion = completion
        }
        public var count: Int { prompt.count + completion.count }
    }

    public let train: [Example]
    public let validation: [Example]
    public let padding: Int32
    public let seed: UInt64
    /// The training sequences as indices into `train`: one example each, or packed.
    let rows: [[Int]]

    /// `packedTo`: pack the training examples into sequences of this length (the context's).
    public init(train: [Example], validation: [Example], padding: Int32, seed: UInt64, packedTo length: Int? = nil) {
        self.train = train
        self.validation = validation
        self.padding = padding
        self.seed = seed
        rows = length.map { Self.pack(train, length: $0, seed: seed) } ?? train.indices.map { [$0] }
    }

    /// How many training sequences the examples make (packed: fewer than the examples).
    public var sequenceCount: Int { rows.count }

    /// First fit over the last few open sequences, the examples in a seeded random order: a
    /// sequence mixes examples from anywhere in the set, and each example lands in exactly one.
    static func pack(_ examples: [Example], length: Int, seed: UInt64) -> [[Int]] {
        var random = SplitMix64(seed: seed, stream: 0x7061636b)  // "pack": above every batch index, so no batch shares it
        var open: [(indices: [Int], room: Int)] = [], rows: [[Int]] = []
        for index in examples.indices.shuffled(using: &random) {
            let size = examples[index].count
            if let slot = open.firstIndex(where: { $0.room >= size }) {
                open[slot].indices.append(index)
                open[slot].room -= size
            } else {
                if open.count == 16 { rows.append(open.removeFirst().indices) }
                open.append(([index], length + 1 - size))  // length + 1 tokens give length inputs and targets
            }
        }
        return rows + open.map(\.indices)
    }

    func sequence(_ examples: [Example], length: Int) -> (inputs: [Int32], targets: [Int32]) {
        var tokens: [Int32] = [], counted: [Bool] = []
        for example in examples {
            tokens += example.prompt + example.completion
            counted += Array(repeating: false, count: example.prompt.count) + Array(repeating: true, count: example.completion.count)
        }
        tokens = Array(tokens.prefix(length + 1))
        var inputs = Array(tokens.dropLast()), targets = Array(tokens.dropFirst())
        // Target i predicts token i+1: only completion tokens count.
        for i in targets.indices where !counted[i + 1] { targets[i] = -1 }
        while inputs.count < length {
            inputs.append(padding)
            targets.append(-1)
        }
        return (inputs, targets)
    }

    public func trainingBatch(_ index: Int, batch: Int, length: Int) -> (inputs: [Int32], targets: [Int32]) {
        var random = SplitMix64(seed: seed, stream: index)
        var inputs: [Int32] = [], targets: [Int32] = []
        for _ in 0..<batch {
            let row = rows[Int(random.next() % UInt64(rows.count))]
            let (i, t) = sequence(row.map { train[$0] }, length: length)
            inputs += i
            targets += t
        }
        return (inputs, targets)
    }

    public func validationBatch(_ index: Int, batch: Int, length: Int) -> (inputs: [Int32], targets: [Int32])? {
        guard (index + 1) * batch <= validation.count else { return nil }
        var inputs: [Int32] = [], targets: [Int32] = []
        for example in validation[(index * batch)..<((index + 1) * batch)] {
            let (i, t) = sequence([example], length: length)
            inputs += i
            targets += t
        }
        return (inputs, targets)
    }
}
