import Tensors

/// out (rows × outputs) = x (rows × inputs) · Wᵀ + bias.
func linear(_ x: [Float], _ weight: any WeightMatrix, _ bias: [Float]?, _ out: inout [Float], rows: Int) {
    x.withUnsafeBufferPointer { a in
        out.withUnsafeMutableBufferPointer { o in
            if let bias {
                bias.withUnsafeBufferPointer { weight.multiply(a.baseAddress!, rows: rows, bias: $0.baseAddress!, into: o.baseAddress!) }
            } else {
                weight.multiply(a.baseAddress!, rows: rows, bias: nil, into: o.baseAddress!)
            }
        }
    }
}

func layerNorm(_ x: [Float], _ out: inout [Float], rows: Int, width: Int, gamma: [Float], beta: [Float], epsilon: Float) {
    x.withUnsafeBufferPointer { a in
        out.withUnsafeMutableBufferPointer { o in
            Tensors.layerNorm(a.baseAddress!, o.baseAddress!, rows: rows, width: width, gamma: gamma, beta: beta, epsilon: epsilon)
        }
    }
}
