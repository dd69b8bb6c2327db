/// Errors a user can cause through a vocabulary file or an input; one line each.
public struct TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
