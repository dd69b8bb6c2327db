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

/// Which steps' logits a forward pass returns. Reading a prompt needs only its last position's:
/// the vocabulary projection of every other row would be a fifth of a small model's work (and
/// 600 MB for 1,000 positions of a 152k vocabulary).
public enum LogitRows: Sendable {
    case all, last, none

    /// How many of `steps` rows this selects.
    func count(of steps: Int) -> Int {
        switch self {
        case .all: steps
        case .last: min(steps, 1)
        case .none: 0
        }
    }
}

/// A causal language model that extends sequences held in KV caches.
public protocol LanguageModel: AnyObject, Sendable {
    var config: ModelConfig { get }
    /// Computes all steps as one batch — the matrix products see every row at once — and
    /// returns the logits of the selected ones (rows × vocabulary, row-major). Steps of one cache
    /// must be consecutive, in sequence order; each cache grows by its number of steps.
    func forward(_ steps: [Step], logits: LogitRows) throws -> [Float]
    /// Whether `shiftKeys` can move cached keys: models that rotate positions into the keys can;
    /// those that add learned position embeddings to their input cannot.
    var shiftsKeys: Bool { get }
    /// Moves the keys `cache` holds at `positions` to where they would stand `delta` positions later.
    func shiftKeys(in cache: KVCache, positions: Range<Int>, by delta: Int)
}

/// Positions read per forward pass when a prompt is longer: the memory of a pass grows with its rows.
public let defaultPrefillChunk = 512

extension LanguageModel {
    public func makeCache() -> KVCache { KVCache(config: config) }

    public var shiftsKeys: Bool { false }

    public func shiftKeys(in cache: KVCache, positions: Range<Int>, by delta: Int) {
        preconditionFailure("\(config.architecture) adds learned positions to its input: its keys cannot be shifted")
    }

    /// All steps' logits.
    public func forward(_ steps: [Step]) throws -> [Float] { try forward(steps, logits: .all) }

    /// Runs `tokens` after what `cache` holds, `chunk` positions a pass, and returns the logits of
    /// every new position (`logits: .all`) or of the last one.
    public func forward(_ tokens: [Int], cache: KVCache, logits: LogitRows = .all, chunk: Int = defaultPrefillChunk) throws -> [Float] {
        let chunk = max(1, chunk)
        var result: [Float] = []
        var start = 0
        repeat {
            let end = min(tokens.count, start + chunk)
            let which: LogitRows = logits == .all ? .all : end == tokens.count ? logits : .none
            result += try forward(tokens[start..<end].map { Step(token: $0, cache: cache) }, logits: which)
            start = end
        } while start < tokens.count
        return result
    }
}

/// The final hidden rows (T × width) whose logits `which` asks for.
func logitInputs(_ x: [Float], rows t: Int, width: Int, _ which: LogitRows) -> [Float] {
    switch which {
    case .all: x
    case .last: t > 0 ? Array(x[((t - 1) * width)..<(t * width)]) : []
    case .none: []
    }
}

/// The logits (n × V) of the rows `which` selects from the final hidden rows x (T × C): the final
/// norm (`norm(x, &out, rows)`) on those rows only, then the head and its bias.
func headLogits(_ x: [Float], rows t: Int, config: ModelConfig, _ which: LogitRows, head: any WeightMatrix, bias: [Float]? = nil,
                norm: (_ x: [Float], _ out: inout [Float], _ rows: Int) -> Void) -> [Float] {
    let n = which.count(of: t)
    var logits = [Float](repeating: 0, count: n * config.vocabularySize)  // (n, V)
    guard n > 0 else { return logits }
    var h = [Float](repeating: 0, count: n * config.hiddenSize)
    norm(logitInputs(x, rows: t, width: config.hiddenSize, which), &h, n)
    linear(h, head, bias, &logits, rows: n)
    return logits
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
