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
    // A task per row when there are rows enough to keep every thread busy (a batch of samples);
    // otherwise per (row, head), so that one row (batch-1 decoding) still spreads. Per-task costs
    // (the scores' buffer, the cache's reference) are paid per row, not per head: with small heads
    // they outweighed the arithmetic.
    let byRow = steps.count >= 4 * parallelThreads
    parallelFor(byRow ? steps.count : steps.count * heads) { task in
        let row = byRow ? task : task / heads
        let headRange = byRow ? 0..<heads : (task % heads)..<(task % heads + 1)
        let visible = positions[row] + 1
        // A sliding window hides all but the last `window` positions, this one included.
        let firstVisible = config.slidingWindow.map { max(0, visible - $0) } ?? 0
        let cache = steps[row].cache
        // Keys and values of positions before `base` live in the prefix cache, the rest in the row's own.
        let base = cache.base, prefix = cache.prefix
        withUnsafeTemporaryAllocation(of: Float.self, capacity: visible) { buffer in
            let scores = buffer.baseAddress!
            for h in headRange {
                let q = queries + row * stride + h * d
                let kvHead = h / group
                prefix?.scores(layer: layer, kvHead: kvHead, query: q, count: base, scale: scale, into: scores)
                cache.scores(layer: layer, kvHead: kvHead, query: q, count: visible - base, scale: scale, into: scores + base)
                Tensors.softmax(scores + firstVisible, count: visible - firstVisible)
                for j in 0..<firstVisible { scores[j] = 0 }
                let target = out + row * heads * d + h * d
                for i in 0..<d { target[i] = 0 }
                prefix?.accumulate(layer: layer, kvHead: kvHead, weights: scores, count: base, into: target)
                cache.accumulate(layer: layer, kvHead: kvHead, weights: scores + base, count: visible - base, into: target)
            }
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
