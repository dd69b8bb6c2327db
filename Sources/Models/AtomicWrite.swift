import Foundation

/// Writes `data` to a temporary file beside `path`, flushes it, and renames it over `path`, so
/// that a crash leaves either the old file or the new one.
public func writeAtomically(_ data: Data, to path: String) throws {
    let temporary = path + ".tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: temporary, contents: data) else {
        throw ModelError("\(path): cannot be written")
    }
    let descriptor = open(temporary, O_RDONLY)
    if descriptor >= 0 {
        fsync(descriptor)
        close(descriptor)
    }
    guard rename(temporary, path) == 0 else {
        unlink(temporary)
        throw ModelError("\(path): cannot be written (\(String(cString: strerror(errno))))")
    }
}
