import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Makes the directories lent to the sandbox (`SandboxConfiguration.readOnlyDirectories`) reachable
/// by its uid. bwrap starts under that uid and resolves a bind's source by path — even one given as
/// a descriptor — so a directory behind one the uid cannot enter (root's 0700 home, where the
/// corpus cache lives) would stop every worker. Such a directory is mirrored into a world-readable
/// staging directory of hard links (copies across filesystems), bound at the original path and
/// removed when the pool shuts down; the others are bound from where they are.
final class ReadOnlyStaging: Sendable {
    /// Per lent directory, the path bwrap binds it from.
    let sources: [String]
    private let staged: [String]

    init(_ directories: [String], sandboxRunsAsAnotherUser: Bool) throws {
        var sources: [String] = [], staged: [String] = []
        do {
            for directory in directories {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw SandboxError.startFailed("\(directory): no such directory to show in the sandbox")
                }
                guard sandboxRunsAsAnotherUser, PythonLocator.firstPrivateDirectory(on: directory + "/.") != nil else {
                    sources.append(directory)
                    continue
                }
                var template = Array("/tmp/codeloop-lent-XXXXXX".utf8CString)
                guard let made = mkdtemp(&template) else { throw SandboxError.startFailed("cannot make a staging directory in /tmp for \(directory)") }
                let stage = String(cString: made)
                staged.append(stage)
                chmod(stage, 0o755)
                try Self.mirror(directory, into: stage)
                sources.append(stage)
            }
        } catch {
            staged.forEach { try? FileManager.default.removeItem(atPath: $0) }
            throw error
        }
        self.sources = sources
        self.staged = staged
    }

    func remove() {
        staged.forEach { try? FileManager.default.removeItem(atPath: $0) }
    }

    /// The regular files and directories under `source`, linked (or copied) into `target`; symbolic
    /// links are left out, as they could point anywhere on the host.
    private static func mirror(_ source: String, into target: String) throws {
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: source) } catch {
            throw SandboxError.startFailed("\(source): cannot be listed to show in the sandbox")
        }
        for name in entries {
            let from = source + "/" + name, to = target + "/" + name
            var info = stat()
            guard lstat(from, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                guard mkdir(to, 0o755) == 0 else { throw SandboxError.startFailed("\(to): cannot be made (\(String(cString: strerror(errno))))") }
                try mirror(from, into: to)
            case S_IFREG:
                if link(from, to) != 0 {
                    do { try FileManager.default.copyItem(atPath: from, toPath: to) } catch {
                        throw SandboxError.startFailed("\(from): cannot be staged for the sandbox (\(error.localizedDescription))")
                    }
                }
            default:
                continue
            }
        }
    }
}
