import Archives
import Foundation

/// One line of a JSON Lines file, parsed, with where it came from.
struct JSONLine {
    let number: Int
    let text: String
    let object: [String: Any]
}

/// Reads JSON Lines files (optionally gzip-compressed), one object per non-blank line.
enum JSONLines {
    static func readBytes(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                throw EvaluationError.file(path, isDirectory.boolValue ? "is a directory" : "cannot be read")
            }
            throw EvaluationError.file(path, "no such file")
        }
        let bytes = [UInt8](data)
        do {
            return Gzip.isCompressed(bytes) ? try Gzip.decompress(bytes, file: path) : bytes
        } catch let error as ArchiveError {
            throw EvaluationError(error.description)
        }
    }

    static func read(_ path: String, maxLineBytes: Int = 64 << 20) throws -> [JSONLine] {
        try parse(readBytes(path), file: path, maxLineBytes: maxLineBytes)
    }

    static func parse(_ bytes: [UInt8], file: String, maxLineBytes: Int) throws -> [JSONLine] {
        var lines: [JSONLine] = []
        var number = 0
        var start = 0
        while start < bytes.count {
            number += 1
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            defer { start = end + 1 }
            var slice = bytes[start..<end]
            if slice.last == UInt8(ascii: "\r") { slice = slice.dropLast() }
            if slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            if slice.count > maxLineBytes {
                throw EvaluationError.at(file, line: number, "line is \(slice.count) bytes, over the limit of \(maxLineBytes)")
            }
            guard let text = String(validating: slice, as: UTF8.self) else {
                throw EvaluationError.at(file, line: number, "invalid UTF-8")
            }
            let parsed: Any
            do {
                parsed = try JSONSerialization.jsonObject(with: Data(slice), options: [.fragmentsAllowed])
            } catch {
                throw EvaluationError.at(file, line: number, "malformed JSON")
            }
            guard let object = parsed as? [String: Any] else {
                throw EvaluationError.at(file, line: number, "expected a JSON object")
            }
            lines.append(JSONLine(number: number, text: text, object: object))
        }
        return lines
    }
}
