import CKernels

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

/// A weight matrix in one of ggml's block formats (F16, Q8_0, Q4_0, Q4_K, Q6_K), used where it lies — in a
/// memory-mapped GGUF file, whose owner the matrix keeps alive — and widened in registers by the
/// C kernel (CKernels/block_matmul.c): a Q8_0 matrix reads 8.5 bits a weight instead of 32.
public struct BlockMatrix: WeightMatrix, @unchecked Sendable {  // the blocks are never written
    public enum Format: Int32, Sendable {
        case f16 = 1, q4_0 = 2, q8_0 = 8, q4_K = 12, q6_K = 14

        /// Weights per block (for F16: per group the kernel widens at once).
        public var blockSize: Int { cl_block_size(rawValue) }
    }

    public let outputs: Int
    public let inputs: Int
    public let format: Format
    let blocks: UnsafeRawPointer
    /// Whatever keeps `blocks` alive (the mapped file, or a buffer of reordered rows).
    let owner: AnyObject

    /// `blocks` holds `outputs` rows of `inputs` weights, a whole number of blocks each.
    public init(format: Format, blocks: UnsafeRawPointer, outputs: Int, inputs: Int, owner: AnyObject) {
        precondition(inputs % format.blockSize == 0, "block rows hold whole blocks")
        self.format = format
        self.blocks = blocks
        self.outputs = outputs
        self.inputs = inputs
        self.owner = owner
    }

    public var bytesPerRow: Int { cl_block_row_bytes(format.rawValue, inputs) }

    public func multiply(_ x: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>) {
        multiply(x, rows: rows, bias: bias, into: out, kernel: cl_block_matmul)
    }

    typealias Kernel = @convention(c) (Int32, UnsafePointer<Float>?, Int, Int, UnsafeRawPointer?, Int, Int, Int,
                                       UnsafePointer<Float>?, UnsafeMutablePointer<Float>?) -> Void

    /// `kernel`: the machine's best (cl_block_matmul) or, in the tests, the portable one.
    func multiply(_ x: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>, kernel: Kernel) {
        guard rows * outputs * inputs >= 1 << 16 else {
            kernel(format.rawValue, x, rows, inputs, blocks, outputs, 0, outputs, bias, out)
            return
        }
        let chunks = min(outputs, parallelThreads * 4)
        parallelFor(chunks) { chunk in
            kernel(format.rawValue, x, rows, inputs, blocks, outputs, outputs * chunk / chunks, outputs * (chunk + 1) / chunks, bias, out)
        }
    }

    public func copyRow(_ index: Int, into target: UnsafeMutablePointer<Float>) {
        cl_block_dequantize_row(format.rawValue, blocks, inputs, index, target)
    }
}
