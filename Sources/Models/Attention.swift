import CKernels
import Tensors

/// Causal attention of each step's query over its own cache up to and including its position
/// (the prefix's positions first, then the cache's own), with grouped-query heads: query head h
/// reads kv head h / (heads / kvHeads). queries: (rows × heads·d), row stride `stride`;
/// out: (rows × heads·d), contiguous.
func attend(_ steps: [Step], positions: [Int], layer: Int, queries: UnsafePointer<Float>, stride: Int,
            out: UnsafeMutablePointer<Float>) {
    guard let config = steps.first?.cache.config else { return }
    if attendPrompt(steps, positions: positions, layer: layer, queries: queries, stride: stride, out: out) { return }
    let d = config.headDimension, heads = config.heads, group = heads / config.keyValueHeads
    let scale = 1 / Float(d).squareRoot()
    // Every (row, head) pair is its own task, so that one row (batch-1 decoding) still spreads.
    parallelFor(steps.count * heads) { task in
        let row = task / heads, h = task % heads
        let visible = positions[row] + 1
        // A sliding window hides all but the last `window` positions, this one included.
        let firstVisible = config.slidingWindow.map { max(0, visible - $0) } ?? 0
        let cache = steps[row].cache
        var scores = [Float](repeating: 0, count: visible)
        // Segments of keys/values: (storage, first position, positions).
        var segments: [(KVCache, Int, Int)] = []
        if let prefix = cache.prefix { segments.append((prefix, 0, cache.base)) }
        segments.append((cache, cache.base, visible - cache.base))
        let q = queries + row * stride + h * d
        let kvHead = h / group
        for (owner, first, count) in segments {
            scores.withUnsafeMutableBufferPointer { owner.scores(layer: layer, kvHead: kvHead, query: q, count: count, scale: scale, into: $0.baseAddress! + first) }
        }
        scores.withUnsafeMutableBufferPointer { Tensors.softmax($0.baseAddress! + firstVisible, count: visible - firstVisible) }
        for j in 0..<firstVisible { scores[j] = 0 }
        let target = out + row * heads * d + h * d
        for i in 0..<d { target[i] = 0 }
        for (owner, first, count) in segments {
            scores.withUnsafeBufferPointer { owner.accumulate(layer: layer, kvHead: kvHead, weights: $0.baseAddress! + first, count: count, into: target) }
        }
    }
}

/// Prompt rows from which attention runs in matrix form.
let promptAttentionRows = 32

/// A prompt's rows, consecutive positions of one half-precision cache, in matrix form
/// (cl_half_attention_prompt): each kv head's rows split across the threads, keys and values widened
/// once per tile of rows. False, doing nothing, for anything else (decoding steps, several sequences,
/// a cache that continues a shared prefix or holds floats).
private func attendPrompt(_ steps: [Step], positions: [Int], layer: Int, queries: UnsafePointer<Float>, stride: Int,
                          out: UnsafeMutablePointer<Float>) -> Bool {
    let cache = steps[0].cache, rows = steps.count, first = positions[0]
    guard rows >= promptAttentionRows, cache.halfRows(layer: layer, kvHead: 0) != nil,
          steps.allSatisfy({ $0.cache === cache }), positions.last! == first + rows - 1 else { return false }
    let config = cache.config, d = config.headDimension, heads = config.heads, group = heads / config.keyValueHeads
    let scale = 1 / Float(d).squareRoot(), window = config.slidingWindow ?? 0
    let parts = min(rows, max(1, parallelThreads))
    parallelFor(config.keyValueHeads * parts) { task in
        let kvHead = task / parts, part = task % parts
        let a = rows * part / parts, b = rows * (part + 1) / parts
        guard b > a, let (keys, values) = cache.halfRows(layer: layer, kvHead: kvHead) else { return }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: cl_half_attention_scratch(d, first + b, group))
        defer { scratch.deallocate() }
        cl_half_attention_prompt(queries + a * stride + kvHead * group * d, stride, group, keys, values, d, first + a, b - a, window,
                                 scale, out + a * heads * d + kvHead * group * d, heads * d, scratch)
    }
    return true
}
