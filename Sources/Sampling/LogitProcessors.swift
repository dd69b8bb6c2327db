import Foundation
import Seeding
import Tensors

/// The sampler chain: temperature, then top-k, then top-p (the order of HF's warpers and
/// llama.cpp's chain), then a draw. Each step is a small function, tested against hand-computed
/// probabilities.
public enum LogitProcessors {
    /// Candidates (token, probability) after temperature, top-k and top-p, most likely first,
    /// probabilities renormalised to sum to 1.
    public static func candidates(_ logits: UnsafeBufferPointer<Float>, temperature: Float, topK: Int, topP: Float) -> [(token: Int, probability: Float)] {
        let scaled = logits.map { $0 / temperature }
        var order = Array(scaled.indices)
        order.sort { scaled[$0] != scaled[$1] ? scaled[$0] > scaled[$1] : $0 < $1 }
        if topK > 0 && topK < order.count { order.removeLast(order.count - topK) }
        let maximum = scaled[order[0]]
        var probabilities = order.map { expf(scaled[$0] - maximum) }
        let total = probabilities.reduce(0, +)
        for i in probabilities.indices { probabilities[i] /= total }
        var kept = probabilities.count
        if topP < 1 {
            // Smallest prefix whose mass reaches top_p (the token that crosses it is kept).
            var mass: Float = 0
            for i in probabilities.indices {
                mass += probabilities[i]
                if mass >= topP {
                    kept = i + 1
                    break
                }
            }
        }
        let keptMass = probabilities[0..<kept].reduce(0, +)
        return (0..<kept).map { (order[$0], probabilities[$0] / keptMass) }
    }

    /// The most likely token (the lowest id on ties, as argmax in PyTorch).
    public static func greedy(_ logits: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for i in 1..<logits.count where logits[i] > logits[best] { best = i }
        return best
    }

    /// Draws a token: greedy at temperature 0, else from the processed distribution.
    public static func sample(_ logits: UnsafeBufferPointer<Float>, parameters: SamplingParameters,
                              random: inout SplitMix64) -> Int {
        if parameters.temperature <= 0 { return greedy(logits) }
        if parameters.topK == 0 {
            return sampleNucleus(logits, temperature: parameters.temperature, topP: parameters.topP, random: &random)
        }
        let choices = candidates(logits, temperature: parameters.temperature, topK: parameters.topK, topP: parameters.topP)
        let u = random.nextUnit()
        var cumulative: Float = 0
        for choice in choices {
            cumulative += choice.probability
            if u < cumulative { return choice.token }
        }
        return choices[choices.count - 1].token
    }

    /// Top-p sampling without sorting the vocabulary: tokens are binned by probability (quarter
    /// octaves below the most likely one), whole bins are taken while the mass stays under top_p,
    /// and only the bin that crosses it is sorted. The same nucleus as `candidates`, in O(V).
    static func sampleNucleus(_ logits: UnsafeBufferPointer<Float>, temperature: Float, topP: Float,
                              random: inout SplitMix64) -> Int {
        let count = logits.count
        var maximum = -Float.infinity
        for v in logits { maximum = max(maximum, v) }
        let inverse = 1 / temperature
        // Bins of a 32nd of an octave: a flat distribution (a high temperature, an untrained
        // model) leaves few tokens in the bin that crosses top_p, the only one sorted.
        let binCount = 1024
        // Scratch on the stack where it fits: this runs once per token of every sample.
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: count) { weights in
            withUnsafeTemporaryAllocation(of: UInt16.self, capacity: count) { bins in
                withUnsafeTemporaryAllocation(of: (mass: Float, members: Int32).self, capacity: binCount) { binTotals in
                    binTotals.initialize(repeating: (0, 0))
                    var total: Float = 0
                    for i in 0..<count {
                        let scaled = (logits[i] - maximum) * inverse  // <= 0
                        let w = expf(scaled)
                        weights[i] = w
                        total += w
                        // log2(w) * 32, as a bin index: bin 0 holds the most likely tokens.
                        // (Clamped as a float: a banned token's −∞ logit gives an infinite bin.)
                        let bin = Int(min(-scaled * 1.4426950408889634 * 32, Float(binCount - 1)))
                        bins[i] = UInt16(bin)
                        binTotals[bin].mass += w
                        binTotals[bin].members += 1
                    }
                    // Whole bins are kept while the mass stays under top_p; in the bin that crosses
                    // it, tokens from the most likely (then the lowest id) until the mass is reached.
                    let target = topP * total
                    // The order tokens are taken in: the most likely first, then the lowest id.
                    func comesFirst(_ a: Int, _ b: Int) -> Bool { weights[a] != weights[b] ? weights[a] > weights[b] : a < b }
                    var mass: Float = 0
                    var crossing = binCount  // no bin crosses: every token is kept
                    var lastKept = 0  // in the crossing bin
                    for bin in 0..<binCount where binTotals[bin].members > 0 {
                        if topP >= 1 || mass + binTotals[bin].mass < target {
                            mass += binTotals[bin].mass
                            continue
                        }
                        for i in (0..<count).filter({ bins[$0] == bin }).sorted(by: comesFirst) {
                            mass += weights[i]
                            lastKept = i
                            if mass >= target { break }
                        }
                        crossing = bin
                        break
                    }
                    // Draw from the kept tokens, walking them by id.
                    let u = random.nextUnit() * mass
                    var cumulative: Float = 0
                    var drawn = -1
                    for i in 0..<count {
                        let bin = Int(bins[i])
                        guard bin < crossing || (bin == crossing && !comesFirst(lastKept, i)) else { continue }
                        cumulative += weights[i]
                        drawn = i
                        if u < cumulative { return i }
                    }
                    return drawn
                }
            }
        }
    }

    /// log p(token) under the unprocessed distribution.
    public static func logprob(of token: Int, in logits: UnsafeBufferPointer<Float>) -> Float {
        logits[token] - logSumExp(logits.baseAddress!, count: logits.count)
    }
}

extension LogitProcessors {
    /// The `count` most likely tokens and their log-probabilities under the unscaled distribution.
    public static func topLogprobs(_ logits: UnsafeBufferPointer<Float>, count: Int) -> [(token: Int, logprob: Float)] {
        guard count > 0 else { return [] }
        var maximum = -Float.infinity
        for v in logits { maximum = max(maximum, v) }
        var sum: Double = 0
        for v in logits { sum += Double(expf(v - maximum)) }
        let logSum = maximum + Float(log(sum))
        var best: [(token: Int, logprob: Float)] = []
        for (token, v) in logits.enumerated() where best.count < count || v - logSum > best[best.count - 1].logprob {
            best.append((token, v - logSum))
            best.sort { $0.logprob > $1.logprob || ($0.logprob == $1.logprob && $0.token < $1.token) }
            if best.count > count { best.removeLast() }
        }
        return best
    }
}
