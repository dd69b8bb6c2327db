import CKernels

/// A weight matrix (outputs × inputs) stored in the packed panel layout of the C kernel
/// (CKernels/include/packed_matmul.h), for products with a few activation rows at a time.
///
/// Decoding multiplies every weight matrix by 1–30 rows per step. OpenBLAS's sgemm copies the
/// whole weight matrix into its own panel layout on every call (a quarter of a 20-sample decode
/// step went to that copy) and has no API to keep the copy; packing once at load time and
/// streaming the panels does the same arithmetic without it.
public struct PackedMatrix: Sendable {
    public let outputs: Int
    public let inputs: Int
    let storage: Storage

    /// The packed floats, freed with the last matrix that holds them.
    final class Storage: @unchecked Sendable {  // written once, by the initialiser, then only read
        let pointer: UnsafeMutablePointer<Float>

        init(count: Int) {
            guard let pointer = cl_packed_allocate(count) else { fatalError("out of memory for \(count) packed weights") }
            self.pointer = pointer
        }

        deinit { cl_packed_free(pointer) }
    }

    /// From a weight stored (outputs × inputs), row-major: an HF Linear layer's layout.
    public init(outByIn weight: [Float], outputs: Int, inputs: Int) {
        self.init(weight, outputs: outputs, inputs: inputs, packing: cl_pack_out_by_in)
    }

    /// From a weight stored (inputs × outputs), row-major: GPT-2's Conv1D layout.
    public init(inByOut weight: [Float], outputs: Int, inputs: Int) {
        self.init(weight, outputs: outputs, inputs: inputs, packing: cl_pack_in_by_out)
    }

    private init(_ weight: [Float], outputs: Int, inputs: Int,
                 packing pack: (UnsafePointer<Float>?, Int, Int, UnsafeMutablePointer<Float>?) -> Void) {
        precondition(inputs > 0 && outputs > 0, "a packed matrix needs inputs and outputs")
        precondition(weight.count == outputs * inputs, "weight has \(weight.count) values, not \(outputs) × \(inputs)")
        self.outputs = outputs
        self.inputs = inputs
        storage = Storage(count: cl_packed_size(outputs, inputs))
        pack(weight, outputs, inputs, storage.pointer)
    }

    /// Output `index`'s weights (one row of the outputs × inputs matrix) into `target`: how a
    /// tied embedding, packed as the output layer, is looked up.
    public func copyRow(_ index: Int, into target: UnsafeMutablePointer<Float>) {
        let width = Int(CL_PANEL_WIDTH)
        let base = index / width * inputs * width + index % width
        let packed = storage.pointer
        for i in 0..<inputs { target[i] = packed[base + i * width] }
    }

    /// out (rows × outputs) = x (rows × inputs) · Wᵀ + bias, out overwritten. The panels are
    /// shared among the cores when the product is big enough to pay for waking them.
    public func multiply(_ x: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>? = nil, into out: UnsafeMutablePointer<Float>) {
        multiply(x, rows: rows, bias: bias, into: out, kernel: cl_packed_matmul)
    }

    typealias Kernel = @convention(c) (UnsafePointer<Float>?, Int, Int, UnsafePointer<Float>?, Int, Int, Int, UnsafePointer<Float>?,
                                       UnsafeMutablePointer<Float>?) -> Void

    /// `kernel`: the machine's best (cl_packed_matmul) or, in the tests, the portable one.
    func multiply(_ x: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>, kernel: Kernel) {
        let panels = cl_panel_count(outputs)
        let packed = storage.pointer
        guard rows * outputs * inputs >= 1 << 16 else {  // too small to pay for other threads
            kernel(x, rows, inputs, packed, outputs, 0, panels, bias, out)
            return
        }
        // More chunks than threads, taken in turn, so that a core slowed by a neighbour does
        // not hold the others back. Each chunk writes its own outputs' columns.
        let chunks = min(panels, parallelThreads * 4)
        parallelFor(chunks) { chunk in
            kernel(x, rows, inputs, packed, outputs, panels * chunk / chunks, panels * (chunk + 1) / chunks, bias, out)
        }
    }
}
