/// Errors a user can cause with a model directory; one line each, naming the file or tensor.
public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
