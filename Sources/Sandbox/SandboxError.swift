/// Errors that stop the sandbox from starting or running; each message is one line for a user.
public enum SandboxError: Error, CustomStringConvertible, Sendable {
    case missingTool(String, hint: String)
    case pythonNotFound(String)
    case pythonUnreachable(python: String, directory: String)
    case unsupportedPlatform(String)
    case startFailed(String)
    case workerProtocol(String)

    public var description: String {
        switch self {
        case .missingTool(let tool, let hint):
            return "\(tool) not found: \(hint)"
        case .pythonNotFound(let path):
            return "python interpreter not found: \(path) (pass --python PATH)"
        case .pythonUnreachable(let python, let directory):
            return "python \(python) is not reachable by the sandbox's unprivileged user: \(directory) is not world-searchable (pass --python /usr/bin/python3)"
        case .unsupportedPlatform(let what):
            return what
        case .startFailed(let message):
            return "the sandbox failed to start: \(message)"
        case .workerProtocol(let message):
            return "sandbox worker protocol error: \(message)"
        }
    }
}
