import Tensors

/// Where a model's weights come from, by their names in HF checkpoints.
public protocol WeightStore {
    func has(_ name: String) -> Bool
    /// A tensor that must have `shape` (slowest dimension first), as Float32.
    func tensor(_ name: String, shape: [Int]) throws -> [Float]
    /// A weight matrix (outputs × inputs, an HF Linear layer's layout) ready to multiply.
    func matrix(_ name: String, outputs: Int, inputs: Int) throws -> any WeightMatrix
    /// A GPT-2 Conv1D weight (stored inputs × outputs in HF checkpoints) ready to multiply.
    func conv1D(_ name: String, inputs: Int, outputs: Int) throws -> any WeightMatrix
}

extension WeightStore {
    /// Packed floats (formats that store floats gain nothing from staying as they are).
    public func matrix(_ name: String, outputs: Int, inputs: Int) throws -> any WeightMatrix {
        PackedMatrix(outByIn: try tensor(name, shape: [outputs, inputs]), outputs: outputs, inputs: inputs)
    }

    public func conv1D(_ name: String, inputs: Int, outputs: Int) throws -> any WeightMatrix {
        PackedMatrix(inByOut: try tensor(name, shape: [inputs, outputs]), outputs: outputs, inputs: inputs)
    }
}
