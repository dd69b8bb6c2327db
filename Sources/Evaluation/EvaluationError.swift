/// Errors a user can cause with their input; each prints as one line naming file and line.
public struct EvaluationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }

    /// An error at a line of a file: "FILE:LINE: message".
    public static func at(_ file: String, line: Int, _ message: String) -> EvaluationError {
        EvaluationError("\(file):\(line): \(message)")
    }

    /// An error about a whole file: "FILE: message".
    public static func file(_ file: String, _ message: String) -> EvaluationError {
        EvaluationError("\(file): \(message)")
    }
}
