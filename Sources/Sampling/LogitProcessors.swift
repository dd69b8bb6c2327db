import Foundation

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
        let choices = candidates(logits, temperature: parameters.temperature, topK: parameters.topK, topP: parameters.topP)
        let u = random.nextUnit()
        var cumulative: Float = 0
        for choice in choices {
            cumulative += choice.probability
            if u < cumulative { return choice.token }
        }
        return choices[choices.count - 1].token
    }

    /// log p(token) under the unprocessed distribution.
    public static func logprob(of token: Int, in logits: UnsafeBufferPointer<Float>) -> Float {
        var maximum = -Float.infinity
        for v in logits { maximum = max(maximum, v) }
        var sum: Double = 0
        for v in logits { sum += Double(expf(v - maximum)) }
        return logits[token] - maximum - Float(log(sum))
    }
}
