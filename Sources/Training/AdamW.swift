import Foundation

/// AdamW (Loshchilov and Hutter 2019) as torch.optim.AdamW computes it: weight decay applied
/// to the weights directly, decoupled from the gradient's moments, and only to tensors the
/// layout marks as decaying.
public struct AdamW: Sendable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.95
    public var epsilon: Float = 1e-8
    public var weightDecay: Float = 0.1

    public init(beta1: Float = 0.9, beta2: Float = 0.95, epsilon: Float = 1e-8, weightDecay: Float = 0.1) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// One update at 1-based `step` with learning rate `rate`; `first` and `second` are the moments.
    public func update(_ parameters: FloatBuffer, gradients: FloatBuffer, first: FloatBuffer, second: FloatBuffer,
                       layout: GPT2Layout, step: Int, rate: Float) {
        let correction1 = 1 - pow(Double(beta1), Double(step))
        let correction2 = 1 - pow(Double(beta2), Double(step))
        let stepSize = Float(Double(rate) / correction1)
        let root2 = Float(correction2.squareRoot())
        let p = parameters.pointer, g = gradients.pointer, m = first.pointer, v = second.pointer
        let b1 = beta1, b2 = beta2, eps = epsilon
        for entry in layout.entries {
            let decay = entry.decays ? 1 - rate * weightDecay : 1
            for i in entry.offset..<(entry.offset + entry.count) {
                let grad = g[i]
                m[i] = b1 * m[i] + (1 - b1) * grad
                v[i] = b2 * v[i] + (1 - b2) * grad * grad
                p[i] = p[i] * decay - stepSize * m[i] / (v[i].squareRoot() / root2 + eps)
            }
        }
    }
}

/// Scales the gradients so that their global L2 norm is at most `maximum` (as
/// torch.nn.utils.clip_grad_norm_ does), and returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ gradients: FloatBuffer, maximum: Float) -> Float {
    var sum: Double = 0
    for i in 0..<gradients.count {
        let g = Double(gradients[i])
        sum += g * g
    }
    let norm = Float(sum.squareRoot())
    let coefficient = maximum / (norm + 1e-6)
    if coefficient < 1 {
        let g = gradients.pointer
        for i in 0..<gradients.count { g[i] *= coefficient }
    }
    return norm
}

/// Linear warmup to the peak rate, then cosine decay to `minimum` at `total` steps (GPT-3's and
/// nanoGPT's schedule). Steps are 1-based.
public struct LearningRateSchedule: Sendable, Codable, Equatable {
    public var peak: Float
    public var minimum: Float
    public var warmup: Int
    public var total: Int

    public init(peak: Float, minimum: Float, warmup: Int, total: Int) {
        self.peak = peak
        self.minimum = minimum
        self.warmup = warmup
        self.total = total
    }

    public func rate(at step: Int) -> Float {
        if step <= warmup { return peak * Float(step) / Float(max(warmup, 1)) }
        if step >= total { return minimum }
        let progress = Double(step - warmup) / Double(max(total - warmup, 1))
        return minimum + Float(0.5 * (1 + cos(Double.pi * progress))) * (peak - minimum)
    }
}
