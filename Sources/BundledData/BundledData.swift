import Foundation

/// Finds data files shipped with codeloop: in a target's resource bundle beside the executable
/// (where SwiftPM puts it, `<package>_<target>.resources`), or under $CODELOOP_DATA.
public enum BundledData {
    public static func path(for file: String, target: String) -> String? {
        var candidates: [String] = []
        if let override = ProcessInfo.processInfo.environment["CODELOOP_DATA"] {
            candidates.append(override + "/" + file)
        }
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let directory = (executable as NSString).deletingLastPathComponent
            for bundle in ["codeloop_\(target).resources", "../codeloop_\(target).resources"] {
                candidates.append("\(directory)/\(bundle)/Resources/\(file)")
                candidates.append("\(directory)/\(bundle)/\(file)")
            }
        }
        return candidates.first { FileManager.default.isReadableFile(atPath: $0) }
    }

    /// A data file's contents as UTF-8 text; nil when it is missing or unreadable.
    public static func text(_ file: String, target: String) -> String? {
        path(for: file, target: target).flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
    }

    /// The message for a file that is not where it should be.
    public static func missing(_ file: String) -> String {
        "built-in data file \(file) not found beside the codeloop executable; set CODELOOP_DATA to a folder holding it"
    }
}
