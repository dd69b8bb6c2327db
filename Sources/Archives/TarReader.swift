/// The regular files of a tar archive (POSIX ustar and GNU formats: 512-byte headers, octal
/// sizes, the ustar name prefix, GNU long names and pax "path" records), as sdists ship them.
public enum TarReader {
    public struct Member: Sendable {
        public let path: String
        public let contents: ArraySlice<UInt8>
    }

    public static func members(_ archive: [UInt8], file: String) throws -> [Member] {
        var members: [Member] = []
        var offset = 0
        var longName: String?
        while offset + 512 <= archive.count {
            let header = archive[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { break }  // end-of-archive blocks
            guard let size = octal(header, from: 124, length: 12) else {
                throw ArchiveError(file, "corrupt tar header at byte \(offset)")
            }
            let type = header[header.startIndex + 156]
            let start = offset + 512, end = start + size
            guard end <= archive.count else { throw ArchiveError(file, "truncated tar member at byte \(offset)") }
            let body = archive[start..<end]
            switch type {
            case UInt8(ascii: "L"):  // GNU long name for the next member
                longName = string(body)
            case UInt8(ascii: "x"):  // pax extended header: records "LEN path=NAME\n"
                longName = paxPath(body) ?? longName
            case UInt8(ascii: "0"), 0:
                let name = string(header[(header.startIndex)..<(header.startIndex + 100)])
                let prefix = string(header[(header.startIndex + 345)..<(header.startIndex + 500)])
                let path = longName ?? (prefix.isEmpty ? name : prefix + "/" + name)
                members.append(Member(path: path, contents: body))
                longName = nil
            default:
                longName = nil
            }
            offset = start + (size + 511) / 512 * 512
        }
        return members
    }

    static func octal(_ header: ArraySlice<UInt8>, from: Int, length: Int) -> Int? {
        var value = 0
        var seenDigit = false
        for byte in header[(header.startIndex + from)..<(header.startIndex + from + length)] {
            if byte == 0 || byte == UInt8(ascii: " ") {
                if seenDigit { break } else { continue }
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(byte - UInt8(ascii: "0"))
            seenDigit = true
        }
        return value
    }

    static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    static func paxPath(_ body: ArraySlice<UInt8>) -> String? {
        for record in string(body).split(separator: "\n") {
            guard let space = record.firstIndex(of: " ") else { continue }
            let field = record[record.index(after: space)...]
            if field.hasPrefix("path=") { return String(field.dropFirst(5)) }
        }
        return nil
    }
}
