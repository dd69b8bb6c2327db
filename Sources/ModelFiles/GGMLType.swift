import CKernels

/// One of ggml's tensor types that codeloop reads, by its ggml.h id; its traits come from the C
/// table (CKernels' ggml_types.h), the one place formats are listed.
public struct GGMLType: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    /// nil for a type codeloop does not read.
    public init?(rawValue: UInt32) {
        guard cl_ggml_type_traits(rawValue) != nil else { return nil }
        self.rawValue = rawValue
    }

    private init(_ id: Int) { self.init(rawValue: UInt32(id))! }

    public static let f32 = GGMLType(CL_TYPE_F32), f16 = GGMLType(CL_BLOCK_F16), bf16 = GGMLType(CL_TYPE_BF16)
    public static let q4_0 = GGMLType(CL_BLOCK_Q4_0), q4_1 = GGMLType(CL_BLOCK_Q4_1), q5_0 = GGMLType(CL_BLOCK_Q5_0)
    public static let q5_1 = GGMLType(CL_BLOCK_Q5_1), q8_0 = GGMLType(CL_BLOCK_Q8_0), q4_K = GGMLType(CL_BLOCK_Q4_K)
    public static let q6_K = GGMLType(CL_BLOCK_Q6_K)

    /// The id as the kernels take it.
    public var id: Int32 { Int32(rawValue) }

    private var traits: cl_ggml_type { cl_ggml_type_traits(rawValue)!.pointee }

    /// Weights per block.
    public var blockSize: Int { Int(traits.block_size) }
    /// Bytes per block.
    public var blockBytes: Int { Int(traits.block_bytes) }
    /// Whether the kernels multiply it as files store it (BlockMatrix); the rest are widened as they load.
    public var isInPlace: Bool { traits.in_place != 0 }
    public var description: String { String(cString: traits.name) }
}
