import Archives
import Foundation

/// A file of token ids: a 32-byte header ("CLTOKEN1", bytes per token, token count, FNV-1a
/// checksum of the payload), then the ids little-endian, 2 bytes each when the vocabulary fits in
/// 16 bits. The checksum lets training refuse a truncated or corrupted shard with a clear error.
public enum TokenShard {
    static let magic = Array("CLTOKEN1".utf8)
    static let headerSize = 32

    public static func write(_ tokens: [Int32], vocabularySize: Int, to path: String) throws {
        let width = vocabularySize <= 65536 ? 2 : 4
        var payload = [UInt8](repeating: 0, count: tokens.count * width)
        for (i, token) in tokens.enumerated() {
            let value = UInt32(token)
            payload[i * width] = UInt8(value & 0xFF)
            payload[i * width + 1] = UInt8((value >> 8) & 0xFF)
            if width == 4 {
                payload[i * width + 2] = UInt8((value >> 16) & 0xFF)
                payload[i * width + 3] = UInt8(value >> 24)
            }
        }
        var file = magic
        append(&file, UInt32(1))  // version
        append(&file, UInt32(width))
        append(&file, UInt64(tokens.count))
        append(&file, fnv1a64(payload[...]))
        file += payload
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(file)), rename(temporary, path) == 0 else {
            throw CorpusError("\(path): cannot be written")
        }
    }

    /// The shard's token ids, checked against its header and checksum.
    public static func read(_ path: String) throws -> [Int32] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CorpusError("\(path): cannot be read") }
        let bytes = [UInt8](data)
        guard bytes.count >= headerSize, Array(bytes[0..<8]) == magic else {
            throw CorpusError("\(path): not a codeloop token shard (bad magic)")
        }
        let width = Int(load32(bytes, 12)), count = Int(load64(bytes, 16))
        guard width == 2 || width == 4 else { throw CorpusError("\(path): corrupt header (token width \(width))") }
        guard bytes.count == headerSize + count * width else {
            throw CorpusError("\(path): corrupt shard: header says \(count) tokens, the file holds \((bytes.count - headerSize) / width) (truncated?)")
        }
        guard fnv1a64(bytes[headerSize...]) == load64(bytes, 24) else {
            throw CorpusError("\(path): corrupt shard: checksum mismatch")
        }
        var tokens = [Int32](repeating: 0, count: count)
        for i in 0..<count {
            let at = headerSize + i * width
            tokens[i] = width == 2 ? Int32(UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8) : Int32(bitPattern: load32(bytes, at))
        }
        return tokens
    }

    static func append<T: FixedWidthInteger>(_ bytes: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    static func load32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
    }

    static func load64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) }
    }
}
