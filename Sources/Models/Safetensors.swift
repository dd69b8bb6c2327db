import Foundation
import ModelFiles
import Tensors

/// Reads safetensors files (huggingface/safetensors, format: 8-byte little-endian header length,
/// a JSON header of name → {dtype, shape, data_offsets}, then the raw data), converting F32, F16
/// and BF16 tensors to Float32. A sharded checkpoint is read through its index file.
public struct SafetensorsFile {
    public struct Entry {
        public let dtype: String
        public let shape: [Int]
        let start: Int
        let end: Int
    }

    public let path: String
    public let entries: [String: Entry]
    private let file: MappedFile
    private let dataStart: Int

    public init(path: String) throws {
        guard let file = MappedFile(path: path) else { throw ModelError("\(path): cannot be read") }
        let data = file.bytes
        guard data.count >= 8 else { throw ModelError("\(path): not a safetensors file (shorter than its header)") }
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard headerLength > 0, headerLength <= data.count - 8 else {
            throw ModelError("\(path): corrupt safetensors header length \(headerLength)")
        }
        guard let header = try? JSONSerialization.jsonObject(with: Data(data[8..<(8 + headerLength)])) as? [String: Any] else {
            throw ModelError("\(path): corrupt safetensors header (not a JSON object)")
        }
        var entries: [String: Entry] = [:]
        let payload = data.count - 8 - headerLength
        for (name, value) in header where name != "__metadata__" {
            guard let object = value as? [String: Any], let dtype = object["dtype"] as? String,
                  let shape = object["shape"] as? [Int], let offsets = object["data_offsets"] as? [Int], offsets.count == 2 else {
                throw ModelError("\(path): tensor \(name) has a malformed header entry")
            }
            let width = try Self.byteWidth(dtype, name: name, path: path)
            // A shape's dimensions and its byte size, refused rather than overflowing or negative.
            let count = shape.reduce(Int?(1)) { product, dimension in
                guard let product, dimension >= 0 else { return nil }
                let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
                return overflow ? nil : next
            }
            guard let count, count <= payload / width, offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= payload,
                  offsets[1] - offsets[0] == count * width else {
                throw ModelError("\(path): tensor \(name) (\(dtype) \(shape)) does not fit the file's data (truncated?)")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, start: offsets[0], end: offsets[1])
        }
        self.path = path
        self.entries = entries
        self.file = file
        self.dataStart = 8 + headerLength
    }

    static func byteWidth(_ dtype: String, name: String, path: String) throws -> Int {
        switch dtype {
        case "F32": return 4
        case "F16", "BF16": return 2
        default: throw ModelError("\(path): tensor \(name) has dtype \(dtype); codeloop reads F32, F16 and BF16")
        }
    }

    /// The tensor as Float32. Its pages of the mapping are given back afterwards, so that a
    /// model's resident size while loading is its converted weights, not those plus the file.
    public func floats(_ name: String) throws -> [Float] {
        guard let entry = entries[name] else { throw ModelError("\(path): no tensor \(name)") }
        let count = entry.shape.reduce(1, *)
        defer { file.release(dataStart + entry.start ..< dataStart + entry.end) }
        let base = file.bytes.baseAddress! + dataStart + entry.start
        switch entry.dtype {
        case "F32":
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                memcpy(buffer.baseAddress!, base, count * 4)
                initialized = count
            }
        case "F16":
            return (0..<count).map { Float(Float16(bitPattern: base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
        default:  // BF16: the high half of a Float32
            return (0..<count).map { Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) << 16) }
        }
    }
}

/// All tensors of a model directory: model.safetensors, or the shards its index names.
public struct SafetensorsWeights: WeightStore {
    let directory: String
    var files: [String: SafetensorsFile] = [:]
    var location: [String: String] = [:]

    public init(directory: String) throws {
        self.directory = directory
        let single = directory + "/model.safetensors"
        let index = directory + "/model.safetensors.index.json"
        var shards: [String] = []
        if FileManager.default.fileExists(atPath: single) {
            shards = [single]
        } else if let data = FileManager.default.contents(atPath: index) {
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let map = object["weight_map"] as? [String: String] else {
                throw ModelError("\(index): malformed (expected a weight_map)")
            }
            shards = Array(Set(map.values)).sorted().map { directory + "/" + $0 }
        } else {
            throw ModelError("\(directory): no model.safetensors or model.safetensors.index.json")
        }
        for shard in shards {
            let file = try SafetensorsFile(path: shard)
            files[shard] = file
            for name in file.entries.keys { location[name] = shard }
        }
    }

    public func has(_ name: String) -> Bool { location[name] != nil }

    /// Every tensor's name, sorted.
    public var names: [String] { location.keys.sorted() }

    /// A tensor's shape, or nil when there is no such tensor.
    public func shape(_ name: String) -> [Int]? { location[name].flatMap { files[$0]?.entries[name]?.shape } }

    /// A tensor that must have `shape`.
    public func tensor(_ name: String, shape: [Int]) throws -> [Float] {
        guard let shard = location[name], let file = files[shard], let entry = file.entries[name] else {
            throw ModelError("\(files.count == 1 ? files.keys.first! : directory): no tensor \(name)")
        }
        guard entry.shape == shape else {
            throw ModelError("\(shard): tensor \(name) has shape \(entry.shape), expected \(shape)")
        }
        return try file.floats(name)
    }
}
