/// A damaged or unreadable archive, as one line naming the file (and the member, where known).
public struct ArchiveError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    public init(_ file: String, _ message: String) { description = "\(file): \(message)" }
}
