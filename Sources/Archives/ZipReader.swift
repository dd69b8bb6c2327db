/// The files of a zip archive (PKWARE APPNOTE: the central directory at the end names each
/// member and its local header; members stored or deflated), as wheels and zips ship them.
public enum ZipReader {
    public struct Member: Sendable {
        public let path: String
        let method: Int
        let compressedSize: Int
        let size: Int
        let localHeader: Int
    }

    public static func members(_ archive: [UInt8], file: String) throws -> [Member] {
        // The end-of-central-directory record: signature 0x06054b50, within the last 64 KiB + 22 bytes.
        var end = archive.count - 22
        let lowest = max(0, archive.count - 22 - 65535)
        while end >= lowest, !(archive[end] == 0x50 && archive[end + 1] == 0x4B && archive[end + 2] == 5 && archive[end + 3] == 6) {
            end -= 1
        }
        guard end >= lowest, archive.count >= 22 else { throw ArchiveError(file, "not a zip archive (no end of central directory)") }
        let count = u16(archive, end + 10), directory = u32(archive, end + 16)
        var members: [Member] = []
        var offset = directory
        for _ in 0..<count {
            guard offset + 46 <= archive.count, u32(archive, offset) == 0x0201_4B50 else {
                throw ArchiveError(file, "corrupt zip central directory at byte \(offset)")
            }
            let nameLength = u16(archive, offset + 28), extra = u16(archive, offset + 30), comment = u16(archive, offset + 32)
            guard offset + 46 + nameLength <= archive.count else { throw ArchiveError(file, "truncated zip central directory") }
            let name = String(decoding: archive[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            members.append(Member(path: name, method: u16(archive, offset + 10), compressedSize: u32(archive, offset + 20),
                                  size: u32(archive, offset + 24), localHeader: u32(archive, offset + 42)))
            offset += 46 + nameLength + extra + comment
        }
        return members
    }

    /// A member's bytes, inflated when deflated.
    public static func contents(of member: Member, in archive: [UInt8], file: String) throws -> [UInt8] {
        let header = member.localHeader
        guard header + 30 <= archive.count, u32(archive, header) == 0x0403_4B50 else {
            throw ArchiveError(file, "\(member.path): corrupt local header")
        }
        let start = header + 30 + u16(archive, header + 26) + u16(archive, header + 28)
        guard start + member.compressedSize <= archive.count else { throw ArchiveError(file, "\(member.path): truncated") }
        let data = archive[start..<(start + member.compressedSize)]
        switch member.method {
        case 0: return Array(data)
        case 8:
            // Deflate expands at most 1032-fold: a larger claimed size is a corrupt (or hostile) header,
            // refused before its buffer is allocated.
            guard member.size <= 1032 * member.compressedSize + 1024 else {
                throw ArchiveError(file, "\(member.path): claims \(member.size) bytes from \(member.compressedSize) compressed, more than deflate can hold")
            }
            return try Gzip.inflateRaw(data, expectedSize: member.size, file: "\(file): \(member.path)")
        default: throw ArchiveError(file, "\(member.path): compression method \(member.method) is not supported (stored and deflate are)")
        }
    }

    static func u16(_ bytes: [UInt8], _ offset: Int) -> Int { Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 }
    static func u32(_ bytes: [UInt8], _ offset: Int) -> Int { u16(bytes, offset) | u16(bytes, offset + 2) << 16 }
}
