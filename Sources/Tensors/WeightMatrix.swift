import CKernels
import ModelFiles

/// A weight matrix (outputs × inputs) that multiplies activation rows: packed floats, or a
/// block format read in place.
public protocol WeightMatrix: Sendable {
    var outputs: Int { get }
    var inputs: Int { get }
    /// out (rows × outputs) = x (rows × inputs) · Wᵀ + bias, out overwritten.
    func multiply(_ x: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>)
    /// Output `index`'s weights (one row) widened into `target`: a tied embedding's lookup.
    func copyRow(_ index: Int, into target: UnsafeMutablePointer<Float>)
}

extension PackedMatrix: WeightMatrix {}

/// A weight matrix in one of ggml's block formats, used where it lies — in a memory-mapped GGUF
/// file, whose owner the matrix keeps alive — so that a Q8_0 matrix reads 8.5 bits a weight instead
/// of 32. F16 is widened in registers and multiplied with float activations (CKernels/block_matmul.c);
/// the quantized formats multiply in integers with activations quantized to 8 bits once per call,
/// as llama.cpp does (CKernels/quantized_matmul.c).
public struct BlockMatrix: WeightMatrix, @unchecked Sendable {  // the blocks are never written
    /// ggml's types the kernels multiply in place (`GGMLType.isInPlace`).
    public typealias Format = GGMLType

    public let outputs: Int
    public let inputs: Int
    public let format: Format
    let blocks: UnsafeRawPointer
    /// Whatever keeps `blocks` alive (the mapped file, or a buffer of reordered rows).
    let owner: AnyObject

    /// `blocks` holds `outputs` rows of `inputs` weights, a whole number of blocks each.
    public init(format: Format, blocks: UnsafeRawPointer, outputs: Int, inputs: Int, owner: AnyObject) {
        precondition(Self.holds(format, inputs: inputs), "block rows hold whole blocks")
        self.format = format
        self.blocks = blocks
        self.outputs = outputs
        self.inputs = inputs
        self.owner = owner
    }

    /// Whether rows of `inputs` weights of `format` are multiplied in place: whole blocks of a format the kernels have.
    public static func holds(_ format: Format, inputs: Int) -> Bool { format.isInPlace && inputs % cl_block_size(format.id) == 0 }

    public var bytesPerRow: Int { cl_block_row_bytes(format.id, inputs) }

    public func multiply(_ x: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>) {
        multiply(x, rows: rows, bias: bias, into: out, path: nil)
    }

    /// `path`: one of CKernels' CL_PATH_… (the tests), or nil for the machine's best.
    func multiply(_ x: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>, path: Int32?) {
        let type = format.id
        guard format != .f16 else {
            let kernel = path == Int32(CL_PATH_PORTABLE) ? cl_block_matmul_portable : cl_block_matmul
            inParallel(rows: rows) { first, end in kernel(type, x, rows, inputs, blocks, outputs, first, end, bias, out) }
            return
        }
        withUnsafeTemporaryAllocation(byteCount: cl_quantized_activation_bytes(type, rows, inputs), alignment: 64) { activations in
            let quantized = UnsafeRawPointer(activations.baseAddress!)
            cl_quantize_activations(type, x, rows, inputs, activations.baseAddress!)
            inParallel(rows: rows) { first, end in
                if let path {
                    cl_quantized_matmul_on(path, type, quantized, rows, inputs, blocks, outputs, first, end, bias, out)
                } else {
                    cl_quantized_matmul(type, quantized, rows, inputs, blocks, outputs, first, end, bias, out)
                }
            }
        }
    }

    /// `body(first, end)` over outputs first..<end: all at once for small products, else in chunks
    /// across the threads.
    private func inParallel(rows: Int, _ body: (Int, Int) -> Void) {
        guard rows * outputs * inputs >= 1 << 16 else { return body(0, outputs) }
        let chunks = min(outputs, parallelThreads * 4)
        parallelFor(chunks) { chunk in body(outputs * chunk / chunks, outputs * (chunk + 1) / chunks) }
    }

    public func copyRow(_ index: Int, into target: UnsafeMutablePointer<Float>) {
        cl_block_dequantize_row(format.id, blocks, inputs, index, target)
    }
}
