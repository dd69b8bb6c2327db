import Foundation

/// Writes GGUF v3 (ggml's docs/gguf.md): the header, typed metadata, tensor infos with offsets
/// aligned to `general.alignment` (32), then the tensors' bytes, each padded to the alignment.
public struct GGUFWriter {
    /// A metadata value with the width GGUF stores it in.
    public enum Value {
        case u32(UInt32), i32(Int32), f32(Float), bool(Bool), string(String)
        case strings([String]), i32s([Int32]), f32s([Float])
    }

    public struct Tensor {
        public let name: String
        /// ggml's order: the innermost (row-length) dimension first.
        public let dimensions: [Int]
        public let type: GGMLType
        public let bytes: [UInt8]

        public init(name: String, dimensions: [Int], type: GGMLType, bytes: [UInt8]) {
            self.name = name
            self.dimensions = dimensions
            self.type = type
            self.bytes = bytes
        }
    }

    public var metadata: [(String, Value)] = []
    public var tensors: [Tensor] = []
    let alignment = 32

    public init() {}

    public mutating func add(_ key: String, _ value: Value) { metadata.append((key, value)) }

    /// The file's bytes.
    public func encoded() -> Data {
        var out = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) {
            u64(UInt64(s.utf8.count))
            out.append(contentsOf: Array(s.utf8))
        }
        func pad() { out.append(contentsOf: [UInt8](repeating: 0, count: (alignment - out.count % alignment) % alignment)) }
        out.append(contentsOf: Array("GGUF".utf8))
        u32(3)
        u64(UInt64(tensors.count))
        u64(UInt64(metadata.count + 1))
        string("general.alignment")
        u32(4)
        u32(UInt32(alignment))
        for (key, value) in metadata {
            string(key)
            switch value {  // gguf_type: UINT32 4, INT32 5, FLOAT32 6, BOOL 7, STRING 8, ARRAY 9
            case .u32(let v): u32(4); u32(v)
            case .i32(let v): u32(5); u32(UInt32(bitPattern: v))
            case .f32(let v): u32(6); u32(v.bitPattern)
            case .bool(let v): u32(7); out.append(v ? 1 : 0)
            case .string(let v): u32(8); string(v)
            case .strings(let v): u32(9); u32(8); u64(UInt64(v.count)); v.forEach(string)
            case .i32s(let v): u32(9); u32(5); u64(UInt64(v.count)); v.forEach { u32(UInt32(bitPattern: $0)) }
            case .f32s(let v): u32(9); u32(6); u64(UInt64(v.count)); v.forEach { u32($0.bitPattern) }
            }
        }
        var offset = 0
        for tensor in tensors {
            string(tensor.name)
            u32(UInt32(tensor.dimensions.count))
            tensor.dimensions.forEach { u64(UInt64($0)) }
            u32(tensor.type.rawValue)
            u64(UInt64(offset))
            offset += (tensor.bytes.count + alignment - 1) / alignment * alignment
        }
        pad()
        for tensor in tensors {
            out.append(contentsOf: tensor.bytes)
            pad()
        }
        return out
    }
}
