import Foundation


/// llama.cpp's GGUF container, version 2 and 3 (ggml/docs/gguf.md): magic "GGUF", version, tensor
/// count, metadata count, metadata key/values, tensor infos (name, dimensions with the fastest
/// first, type, offset), then the tensor data aligned to `general.alignment` (default 32). The file
/// is memory-mapped; tensors are read in place.
public final class GGUFFile: @unchecked Sendable {  // immutable after init
    public indirect enum Value: Sendable, Equatable {
        case unsigned(UInt64), signed(Int64), float(Double), bool(Bool), string(String), array([Value])

        public var int: Int? {
            switch self {
            case .unsigned(let v): return Int(exactly: v)
            case .signed(let v): return Int(exactly: v)
            default: return nil
            }
        }
        public var double: Double? {
            switch self {
            case .float(let v): return v
            case .unsigned, .signed: return int.map(Double.init)
            default: return nil
            }
        }
        public var string: String? { if case .string(let s) = self { return s } else { return nil } }
        public var array: [Value]? { if case .array(let a) = self { return a } else { return nil } }
    }

    public struct TensorInfo: Sendable {
        public let name: String
        /// ggml's order: dimensions[0] is a row's length.
        public let dimensions: [Int]
        public let type: GGMLType
        /// From the start of the file.
        public let offset: Int
        public let byteCount: Int

        public var elementCount: Int { dimensions.reduce(1, *) }
        /// The shape as safetensors and PyTorch give it (slowest first).
        public var shape: [Int] { dimensions.reversed() }
    }

    public let path: String
    public let version: Int
    public let metadata: [String: Value]
    public let tensors: [String: TensorInfo]
    /// Tensor names in file order.
    public let tensorNames: [String]
    public let file: MappedFile

    public init(path: String) throws {
        guard let file = MappedFile(path: path) else { throw GGUFError("\(path): cannot be read") }
        var reader = Reader(bytes: file.bytes, path: path)
        guard file.bytes.count >= 4, try reader.bytes(4) == Array("GGUF".utf8) else {
            throw GGUFError("\(path): not a GGUF file (no GGUF magic)")
        }
        let version = Int(try reader.u32("version"))
        guard version == 2 || version == 3 else { throw GGUFError("\(path): GGUF version \(version); codeloop reads 2 and 3") }
        let tensorCount = try reader.count("tensor count")
        let metadataCount = try reader.count("metadata count")
        var metadata: [String: Value] = [:]
        for _ in 0..<metadataCount {
            let key = try reader.string("a metadata key")
            metadata[key] = try reader.value(type: try reader.u32(key), key: key, depth: 0)
        }
        var infos: [(String, [Int], GGMLType, Int)] = []
        for _ in 0..<tensorCount {
            let name = try reader.string("a tensor name")
            let rank = Int(try reader.u32("tensor \(name)"))
            guard (1...4).contains(rank) else { throw GGUFError("\(path): tensor \(name) has \(rank) dimensions") }
            let dimensions = try (0..<rank).map { _ in try reader.count("tensor \(name)") }
            let rawType = try reader.u32("tensor \(name)")
            guard let type = GGMLType(rawValue: rawType) else {
                throw GGUFError("\(path): tensor \(name) has ggml type \(rawType), which codeloop does not read")
            }
            infos.append((name, dimensions, type, try reader.count("tensor \(name)")))
        }
        let alignment = metadata["general.alignment"]?.int ?? 32
        guard alignment > 0, alignment & (alignment - 1) == 0 else {
            throw GGUFError("\(path): general.alignment \(alignment) is not a power of two")
        }
        let dataStart = (reader.position + alignment - 1) / alignment * alignment
        var tensors: [String: TensorInfo] = [:]
        for (name, dimensions, type, offset) in infos {
            let elements = dimensions.reduce(1, *)
            guard dimensions[0] % type.blockSize == 0 else {
                throw GGUFError("\(path): tensor \(name): rows of \(dimensions[0]) are not whole \(type) blocks of \(type.blockSize)")
            }
            let byteCount = elements / type.blockSize * type.blockBytes
            let start = dataStart + offset
            guard offset % alignment == 0, start + byteCount <= file.bytes.count else {
                throw GGUFError("\(path): tensor \(name) (\(type) \(dimensions)) does not fit the file's data (truncated?)")
            }
            tensors[name] = TensorInfo(name: name, dimensions: dimensions, type: type, offset: start, byteCount: byteCount)
        }
        self.path = path
        self.version = version
        self.metadata = metadata
        self.tensors = tensors
        self.tensorNames = infos.map(\.0)
        self.file = file
    }

    /// The raw bytes of a tensor, in place in the mapping.
    public func data(_ tensor: TensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[tensor.offset..<(tensor.offset + tensor.byteCount)])
    }

    /// A metadata value that must be there, as an integer.
    public func int(_ key: String) throws -> Int {
        guard let value = metadata[key] else { throw GGUFError("\(path): missing metadata key \(key)") }
        guard let number = value.int else { throw GGUFError("\(path): metadata key \(key) is not an integer") }
        return number
    }

    /// A metadata value that must be there, as a number.
    public func double(_ key: String) throws -> Double {
        guard let value = metadata[key] else { throw GGUFError("\(path): missing metadata key \(key)") }
        guard let number = value.double else { throw GGUFError("\(path): metadata key \(key) is not a number") }
        return number
    }

    /// A metadata value that must be there, as a string.
    public func string(_ key: String) throws -> String {
        guard let value = metadata[key] else { throw GGUFError("\(path): missing metadata key \(key)") }
        guard let text = value.string else { throw GGUFError("\(path): metadata key \(key) is not a string") }
        return text
    }

    /// Bounds-checked little-endian reads; every failure names what was being read.
    struct Reader {
        let bytes: UnsafeRawBufferPointer
        let path: String
        var position = 0

        mutating func bytes(_ count: Int, _ what: String = "the header") throws -> [UInt8] {
            guard count >= 0, position + count <= bytes.count else {
                throw GGUFError("\(path): truncated while reading \(what)")
            }
            defer { position += count }
            return Array(bytes[position..<(position + count)])
        }

        mutating func load<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> T {
            guard position + MemoryLayout<T>.size <= bytes.count else { throw GGUFError("\(path): truncated while reading \(what)") }
            defer { position += MemoryLayout<T>.size }
            return T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
        }

        mutating func u32(_ what: String) throws -> UInt32 { try load(UInt32.self, what) }

        /// A u64 count or size, which must fit the file.
        mutating func count(_ what: String) throws -> Int {
            let value = try load(UInt64.self, what)
            guard value <= UInt64(bytes.count) * 8 else { throw GGUFError("\(path): corrupt \(what) (\(value))") }
            return Int(value)
        }

        mutating func string(_ what: String) throws -> String {
            let length = try count(what)
            guard let text = String(validating: try bytes(length, what), as: UTF8.self) else {
                throw GGUFError("\(path): \(what) is not UTF-8")
            }
            return text
        }

        mutating func value(type: UInt32, key: String, depth: Int) throws -> Value {
            switch type {
            case 0: return .unsigned(UInt64(try load(UInt8.self, key)))
            case 1: return .signed(Int64(try load(Int8.self, key)))
            case 2: return .unsigned(UInt64(try load(UInt16.self, key)))
            case 3: return .signed(Int64(try load(Int16.self, key)))
            case 4: return .unsigned(UInt64(try load(UInt32.self, key)))
            case 5: return .signed(Int64(try load(Int32.self, key)))
            case 6: return .float(Double(Float(bitPattern: try load(UInt32.self, key))))
            case 7: return .bool(try load(UInt8.self, key) != 0)
            case 8: return .string(try string(key))
            case 9:
                guard depth < 4 else { throw GGUFError("\(path): metadata key \(key) nests arrays too deeply") }
                let elementType = try u32(key)
                let count = try self.count(key)
                var values: [Value] = []
                values.reserveCapacity(min(count, 1 << 20))
                for _ in 0..<count { values.append(try value(type: elementType, key: key, depth: depth + 1)) }
                return .array(values)
            case 10: return .unsigned(try load(UInt64.self, key))
            case 11: return .signed(try load(Int64.self, key))
            case 12: return .float(Double(bitPattern: try load(UInt64.self, key)))
            default: throw GGUFError("\(path): metadata key \(key) has unknown value type \(type)")
            }
        }
    }
}

public struct GGUFError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
