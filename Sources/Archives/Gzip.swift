import CZlib
import Foundation

/// gzip and raw DEFLATE decompression through zlib (RFC 1952 framing via windowBits 16 + MAX_WBITS;
/// raw deflate, as zip members store it, via negative windowBits).
public enum Gzip {
    public static func isCompressed(_ data: [UInt8]) -> Bool {
        data.count >= 2 && data[0] == 0x1F && data[1] == 0x8B
    }

    /// The decompressed bytes of a gzip file (members concatenated, as gzip -d does).
    public static func decompress(_ input: [UInt8], file: String) throws -> [UInt8] {
        try inflateAll(input, windowBits: 16 + MAX_WBITS, expectedSize: nil, file: file, what: "gzip data")
    }

    /// The bytes of one raw DEFLATE stream (a zip member of method 8).
    public static func inflateRaw(_ input: ArraySlice<UInt8>, expectedSize: Int, file: String) throws -> [UInt8] {
        try inflateAll(Array(input), windowBits: -MAX_WBITS, expectedSize: expectedSize, file: file, what: "deflate data")
    }

    static func inflateAll(_ input: [UInt8], windowBits: Int32, expectedSize: Int?, file: String, what: String) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ArchiveError(file, "cannot initialise the zlib decoder")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(expectedSize ?? input.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = input
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: target[0..<(target.count - Int(stream.avail_out))])
                }
                if status == Z_STREAM_END && stream.avail_in > 0 && windowBits > 0 {
                    status = inflateReset(&stream)
                }
            } while status == Z_OK
        }
        guard status == Z_STREAM_END else { throw ArchiveError(file, "corrupt or truncated \(what)") }
        if let expectedSize, output.count != expectedSize {
            throw ArchiveError(file, "\(what) inflates to \(output.count) bytes, the archive says \(expectedSize)")
        }
        return output
    }
}
