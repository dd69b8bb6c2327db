import Archives
import Foundation

/// One Python file found for the corpus: where it came from ("DIR/x.py", or "ARCHIVE!member.py")
/// and its bytes.
public struct SourceFile: Sendable {
    public let origin: String
    public let bytes: [UInt8]
    /// The sys.path entry the file imports from — its wheel or zip (which Python imports in place),
    /// or the directory given — if it has one; an sdist's tar does not.
    public var importRoot: String? = nil

    /// The module the file is, imported from `importRoot`, if every part of its name is an identifier.
    public var module: PythonModule? {
        guard let importRoot, origin.count > importRoot.count + 1 else { return nil }
        var parts = origin.dropFirst(importRoot.count + 1).dropLast(".py".count).split(separator: "/")
        if parts.last == "__init__" { parts.removeLast() }
        guard !parts.isEmpty, parts.allSatisfy({ $0.first.map { !$0.isNumber } == true
            && $0.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber } }) else { return nil }
        return PythonModule(root: URL(fileURLWithPath: importRoot).standardizedFileURL.path, name: parts.joined(separator: "."))
    }
}

/// Where a module imports from: its sys.path entry, made absolute (the sandbox's working directory
/// is its own /tmp), and its dotted name ("pkg/sub/__init__.py" → "pkg.sub").
public struct PythonModule: Sendable, Equatable {
    public let root: String
    public let name: String

    /// The directory the sandbox must show for the module to import: the one holding its archive, or the root itself.
    public var directory: String {
        PythonSources.isArchive(root) ? URL(fileURLWithPath: root).deletingLastPathComponent().path : root
    }
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
                        try visit(SourceFile(origin: path, bytes: try read(path), importRoot: source))
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
                try visit(SourceFile(origin: path + "!" + member.path, bytes: try ZipReader.contents(of: member, in: bytes, file: path),
                                     importRoot: path))
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
