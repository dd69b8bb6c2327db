/// One message of a conversation: its role (system, user, assistant) and its text.
public struct ChatMessage: Codable, Sendable, Equatable {
    public let role: String
    /// Null in an answer that carries only a refusal or tool calls.
    public let content: String?

    public init(role: String, content: String?) {
        self.role = role
        self.content = content
    }
}
