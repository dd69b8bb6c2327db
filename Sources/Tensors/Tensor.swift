/// A dense row-major Float32 array with a shape: enough structure for a transformer on a CPU,
/// no more. Kernels live in free functions over contiguous storage (see Kernels.swift).
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not match \(data.count) values")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    public var count: Int { data.count }

    /// Rows of a 2-D view: the last dimension is the row length.
    public var rowLength: Int { shape.last ?? 1 }
    public var rowCount: Int { count / max(rowLength, 1) }
}
