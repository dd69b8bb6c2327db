import Corpus
import Foundation

/// The archives `codeloop corpus` reads Python from: sdists (gzipped tar, or plain tar) and wheels
/// (zip), each through the same path as a downloaded package's.
enum ArchiveTargets {
    static func sdist(_ data: Data) { read(Scratch.file("package.tar.gz", data)) }

    static func wheel(_ data: Data) { read(Scratch.file("package.whl", data)) }

    static func read(_ path: String) {
        _ = try? PythonSources.forEach(in: [path]) { _ in }
    }
}
