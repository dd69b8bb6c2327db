import Foundation

/// Files of the repository the tests run from (the bundled model's files, other targets' fixtures).
public enum Repository {
    /// The checkout's root: this file is Tests/TestScratch/Repository.swift.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The path of `relative` under the root.
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }
}
