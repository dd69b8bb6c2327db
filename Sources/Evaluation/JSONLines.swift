import Archives
import Foundation

/// One line of a JSON Lines file, parsed, with where it came from.
struct JSONLine {
    let number: Int
    let text: String
    let object: [String: Any]
}

extension JSONLine {
    /// A string field, or an error that names the file, the line and the field.
    func string(_ key: String, in file: String) throws -> String {
        guard let value = object[key] else { throw EvaluationError.at(file, line: number, "missing field \"\(key)\"") }
        guard let string = value as? String else { throw EvaluationError.at(file, line: number, "field \"\(key)\" must be a string") }
        return string
    }
}

/// Reads JSON Lines files (optionally gzip-compressed), one object per non-blank line.
enum JSONLines {
    /// Space, tab, CR and LF: the whitespace JSON allows between tokens.
    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// `text` without JSON whitespace at either end. (Foundation's trimmingCharacters goes
    /// through UTF-16 on Linux: it was a seventh of the harness's own CPU, once per sample.)
    static func trimmed(_ text: Substring) -> Substring {
        let bytes = text.utf8
        guard let first = bytes.firstIndex(where: { !isWhitespace($0) }),
              let last = bytes.lastIndex(where: { !isWhitespace($0) }) else { return text[text.endIndex...] }
        return text[first..<bytes.index(after: last)]
    }

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

    /// Records of a JSON Lines file or of a file holding one JSON array of objects (as MBPP's
    /// sanitized-mbpp.json is); an array element's `number` is its position, counted from 1.
    static func readRecords(_ path: String) throws -> [JSONLine] {
        let bytes = try readBytes(path)
        guard bytes.first(where: { !isWhitespace($0) }) == UInt8(ascii: "[") else {
            return try parse(bytes, file: path, maxLineBytes: 64 << 20)
        }
        guard let array = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [Any] else {
            throw EvaluationError.file(path, "malformed JSON array")
        }
        return try array.enumerated().map { index, element in
            guard let object = element as? [String: Any] else {
                throw EvaluationError.file(path, "element \(index + 1) of the array is not a JSON object")
            }
            return JSONLine(number: index + 1, text: "", object: object)
        }
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
            if let object = try? JSONSerialization.jsonObject(with: Data(slice), options: [.fragmentsAllowed]) {
                parsed = object
            } else if let object = try? JSONSerialization.jsonObject(with: Data(withoutNonFiniteNumbers(slice)), options: [.fragmentsAllowed]) {
                parsed = object
            } else {
                throw EvaluationError.at(file, line: number, "malformed JSON")
            }
            guard let object = parsed as? [String: Any] else {
                throw EvaluationError.at(file, line: number, "expected a JSON object")
            }
            lines.append(JSONLine(number: number, text: text, object: object))
        }
        return lines
    }

    /// The line with Python's NaN, Infinity and -Infinity (which json.dumps writes and
    /// Foundation refuses) replaced by null outside strings. Only the parsed view changes: the
    /// line's text, which evalplus problems hand to Python, keeps them.
    static func withoutNonFiniteNumbers(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var inString = false, escaped = false
        var index = bytes.startIndex
        let words: [[UInt8]] = [Array("-Infinity".utf8), Array("Infinity".utf8), Array("NaN".utf8)]
        while index < bytes.endIndex {
            let byte = bytes[index]
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if let word = words.first(where: { bytes[index...].starts(with: $0) }) {
                out += Array("null".utf8)
                index += word.count
                continue
            }
            out.append(byte)
            index += 1
        }
        return out
    }
}
