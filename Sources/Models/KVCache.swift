import CKernels
import Tensors

/// How a cache holds keys and values.
public enum KeyValuePrecision: Sendable {
    /// Exact: logits equal a full recomputation's (what the parity tests against transformers need).
    case float32
    /// IEEE half, llama.cpp's default: half the memory, an error well below a quantized weight's.
    case float16

    var bytes: Int { self == .float32 ? 4 : 2 }
}

/// Keys and values of every layer for the positions seen so far.
///
/// A cache may extend a shared, frozen prefix (a prompt computed once for many samples): it
/// then stores only the positions after the prefix. Layout per layer: [kv head][position][d],
/// so that one head's keys are contiguous. Memory is taken as it is written: room for positions
/// never reached costs address space, not resident pages.
public final class KVCache: @unchecked Sendable {
    public let config: ModelConfig
    /// Positions held by the prefix cache, which this one reads but never writes.
    let prefix: KVCache?
    let base: Int
    let capacity: Int
    let precision: KeyValuePrecision
    /// Bytes of one layer's keys (or values): kvHeads · capacity · d elements.
    private let layerBytes: Int
    /// One block per layer for keys, one for values, each kvHeads · capacity · d elements.
    private let keys: [UnsafeMutableRawPointer]
    private let values: [UnsafeMutableRawPointer]
    public private(set) var length: Int

    /// An empty cache for up to `capacity` positions (default: the model's context).
    public convenience init(config: ModelConfig, capacity: Int? = nil) {
        self.init(config: config, prefix: nil, base: 0, capacity: min(capacity ?? config.contextLength, config.contextLength))
    }

    /// A cache that continues `prefix` (which must not grow afterwards) for up to `extra` positions.
    public convenience init(continuing prefix: KVCache, extra: Int) {
        self.init(config: prefix.config, prefix: prefix, base: prefix.length,
                  capacity: max(min(extra, prefix.config.contextLength - prefix.length), 0))
    }

    private init(config: ModelConfig, prefix: KVCache?, base: Int, capacity: Int) {
        self.config = config
        self.prefix = prefix
        self.base = base
        self.capacity = capacity
        self.length = base
        precision = config.keyValuePrecision
        layerBytes = config.keyValueHeads * capacity * config.headDimension * precision.bytes
        let bytes = max(layerBytes, 1)
        keys = (0..<config.layers).map { _ in .allocate(byteCount: bytes, alignment: 64) }
        values = (0..<config.layers).map { _ in .allocate(byteCount: bytes, alignment: 64) }
    }

    deinit {
        for block in keys + values { block.deallocate() }
    }

    /// The last position this cache can hold, plus one.
    public var limit: Int { base + capacity }

    /// Bytes held for keys and values, whether written yet or not.
    public var byteCount: Int { 2 * config.layers * layerBytes }

    func advance(by count: Int) { length += count }

    /// Appends positions `range` of `source`, which holds them itself (no prefix) in the same
    /// precision, after what this cache holds: a prompt cache's entry reused for a new prompt
    /// (its shared prefix, or a later chunk that `LanguageModel.shiftKeys` then moves into place).
    public func append(from source: KVCache, positions range: Range<Int>) {
        precondition(prefix == nil && source.prefix == nil && range.upperBound <= source.length && length + range.count <= capacity
                     && source.precision == precision && source.config.layers == config.layers)
        let row = config.headDimension * precision.bytes
        for layer in 0..<config.layers {
            for h in 0..<config.keyValueHeads {
                let from = (h * source.capacity + range.lowerBound) * row, to = (h * capacity + length) * row
                (keys[layer] + to).copyMemory(from: source.keys[layer] + from, byteCount: range.count * row)
                (values[layer] + to).copyMemory(from: source.values[layer] + from, byteCount: range.count * row)
            }
        }
        length += range.count
    }

    /// Rewrites the keys at `positions` of every layer and kv head: `body` receives one head's
    /// keys there as (positions.count × d) floats, widened from half precision and narrowed back.
    func updateKeys(positions range: Range<Int>, _ body: (UnsafeMutablePointer<Float>, Int) -> Void) {
        precondition(range.lowerBound >= base && range.upperBound <= length)
        let d = config.headDimension, count = range.count
        var widened = [Float](repeating: 0, count: count * d)
        for layer in 0..<config.layers {
            for h in 0..<config.keyValueHeads {
                let element = (h * capacity + range.lowerBound - base) * d
                switch precision {
                case .float32:
                    body(keys[layer].assumingMemoryBound(to: Float.self) + element, count)
                case .float16:
                    let halves = keys[layer].assumingMemoryBound(to: UInt16.self) + element
                    widened.withUnsafeMutableBufferPointer { w in
                        cl_half_load(halves, w.baseAddress!, count * d)
                        body(w.baseAddress!, count)
                        cl_half_store(w.baseAddress!, halves, count * d)
                    }
                }
            }
        }
    }

    /// One kv head's keys and values of a layer as stored, [position][d] halves, when this cache
    /// holds them itself in half precision: what a prompt's tiled attention reads.
    func halfRows(layer: Int, kvHead: Int) -> (keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>)? {
        guard precision == .float16, prefix == nil else { return nil }
        let element = kvHead * capacity * config.headDimension
        return (UnsafePointer(keys[layer].assumingMemoryBound(to: UInt16.self) + element),
                UnsafePointer(values[layer].assumingMemoryBound(to: UInt16.self) + element))
    }

    /// One position's keys of one layer and kv head, widened (the tests' view of the cache).
    func key(layer: Int, kvHead: Int, position: Int) -> [Float] {
        let d = config.headDimension, element = (kvHead * capacity + position - base) * d
        switch precision {
        case .float32:
            return Array(UnsafeBufferPointer(start: keys[layer].assumingMemoryBound(to: Float.self) + element, count: d))
        case .float16:
            var row = [Float](repeating: 0, count: d)
            row.withUnsafeMutableBufferPointer { cl_half_load(keys[layer].assumingMemoryBound(to: UInt16.self) + element, $0.baseAddress!, d) }
            return row
        }
    }

    /// Writes one position's keys and values for all kv heads (each `kvHeads · d` long).
    func store(layer: Int, position: Int, keys source: UnsafePointer<Float>, values valueSource: UnsafePointer<Float>) {
        let d = config.headDimension, slot = position - base
        for h in 0..<config.keyValueHeads {
            let element = (h * capacity + slot) * d
            switch precision {
            case .float32:
                (keys[layer].assumingMemoryBound(to: Float.self) + element).update(from: source + h * d, count: d)
                (values[layer].assumingMemoryBound(to: Float.self) + element).update(from: valueSource + h * d, count: d)
            case .float16:
                cl_half_store(source + h * d, keys[layer].assumingMemoryBound(to: UInt16.self) + element, d)
                cl_half_store(valueSource + h * d, values[layer].assumingMemoryBound(to: UInt16.self) + element, d)
            }
        }
    }

    /// scores[j] = scale · q · key(j) for this cache's first `count` positions of one kv head.
    func scores(layer: Int, kvHead: Int, query q: UnsafePointer<Float>, count: Int, scale: Float, into scores: UnsafeMutablePointer<Float>) {
        let d = config.headDimension, element = kvHead * capacity * d
        switch precision {
        case .float32:
            cl_float_scores(q, keys[layer].assumingMemoryBound(to: Float.self) + element, d, count, scale, scores)
        case .float16:
            cl_half_scores(q, keys[layer].assumingMemoryBound(to: UInt16.self) + element, d, count, scale, scores)
        }
    }

    /// out += Σ_j weights[j] · value(j) over this cache's first `count` positions of one kv head.
    func accumulate(layer: Int, kvHead: Int, weights p: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        let d = config.headDimension, element = kvHead * capacity * d
        switch precision {
        case .float32:
            cl_float_accumulate(p, values[layer].assumingMemoryBound(to: Float.self) + element, d, count, out)
        case .float16:
            cl_half_accumulate(p, values[layer].assumingMemoryBound(to: UInt16.self) + element, d, count, out)
        }
    }
}
