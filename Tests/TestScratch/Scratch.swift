import Foundation

/// Scratch paths for tests, all inside one directory per test process, removed when it exits
/// (the test helpers each made their own directories in /tmp and left them behind).
public enum Scratch {
    static let root: String = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("codeloop-tests-\(getpid())").path
        try? FileManager.default.removeItem(atPath: root)  // a previous process with the same pid
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Scratch.root) }
        return root
    }()

    /// A fresh path that does not exist yet.
    public static func path(_ prefix: String) -> String {
        root + "/\(prefix)-\(UUID().uuidString)"
    }

    /// A fresh, empty directory.
    public static func directory(_ prefix: String) -> String {
        let path = path(prefix)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A file named `name` holding `contents`, alone in a fresh directory.
    public static func file(_ prefix: String, _ name: String, _ contents: [UInt8]) -> String {
        let path = directory(prefix) + "/" + name
        precondition(FileManager.default.createFile(atPath: path, contents: Data(contents)), "cannot write \(path)")
        return path
    }
}
