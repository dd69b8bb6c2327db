import Archives
import Foundation

/// One Python file found for the corpus: where it came from ("DIR/x.py", or "ARCHIVE!member.py")
/// and its bytes.
public struct SourceFile: Sendable {
    public let origin: String
    public let bytes: [UInt8]
}

/// The .py files under directories, inside archives (sdist .tar.gz/.tgz/.tar, wheels, zips) and
/// given directly — in a sorted, repeatable order. Archives found inside directories are opened too.
public enum PythonSources {
    static let archiveSuffixes = [".tar.gz", ".tgz", ".tar", ".whl", ".zip"]

    public static func isArchive(_ path: String) -> Bool { archiveSuffixes.contains { path.hasSuffix($0) } }

    /// Calls `visit` for each file, in order.
    public static func forEach(in sources: [String], _ visit: (SourceFile) throws -> Void) throws {
        for source in sources {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
                throw CorpusError("\(source): no such file or directory")
            }
            if isDirectory.boolValue {
                for path in try filesUnder(source) {
                    if path.hasSuffix(".py") {
                        try visit(SourceFile(origin: path, bytes: try read(path)))
                    } else if isArchive(path) {
                        try readArchive(path, visit)
                    }
                }
            } else if isArchive(source) {
                try readArchive(source, visit)
            } else {
                try visit(SourceFile(origin: source, bytes: try read(source)))
            }
        }
    }

    /// Every regular file under `directory`, sorted; symbolic links are not followed.
    static func filesUnder(_ directory: String) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
            throw CorpusError("\(directory): cannot be listed")
        }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.hasSuffix(".py") || isArchive(relative) { found.append(directory + "/" + relative) }
        }
        return found.sorted().filter { path in
            var info = stat()
            return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        }
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CorpusError("\(path): cannot be read") }
        return [UInt8](data)
    }

    static func readArchive(_ path: String, _ visit: (SourceFile) throws -> Void) throws {
        let bytes = try read(path)
        if path.hasSuffix(".whl") || path.hasSuffix(".zip") {
            for member in try ZipReader.members(bytes, file: path) where member.path.hasSuffix(".py") {
                try visit(SourceFile(origin: path + "!" + member.path, bytes: try ZipReader.contents(of: member, in: bytes, file: path)))
            }
        } else {
            let tar = Gzip.isCompressed(bytes) ? try Gzip.decompress(bytes, file: path) : bytes
            for member in try TarReader.members(tar, file: path) where member.path.hasSuffix(".py") {
                try visit(SourceFile(origin: path + "!" + member.path, bytes: Array(member.contents)))
            }
        }
    }
}

/// Bad corpus input or a damaged corpus file, as one line naming the file.
public struct CorpusError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
