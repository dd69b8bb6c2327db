import Foundation
import Tokenizers

/// A problem with a file or value the user gave: printed as one line, without the usage text
/// that ArgumentParser adds to a ValidationError.
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A file's bytes, or a one-line error naming it.
func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { throw InputError("\(path): cannot be read") }
    return [UInt8](data)
}

/// A file as text, or a one-line error naming the first byte that is not UTF-8.
func readUTF8File(_ path: String) throws -> String {
    let bytes = try readFile(path)
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw InputError("\(path): invalid UTF-8 at byte \(firstInvalidUTF8Offset(bytes) ?? 0)")
    }
    return text
}
