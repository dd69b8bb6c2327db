/// The kind of choice an OpenAI answer carries, and the `object` name of answers that carry it.
public protocol ResponseChoice: Codable, Sendable {
    static var object: String { get }
}

/// OpenAI's answer objects (text_completion, chat.completion, chat.completion.chunk): an id, the
/// time, the model, the choices and, on a whole answer or a stream's last chunk, the usage. The
/// server writes them; the client reads them.
public struct Response<Choice: ResponseChoice>: Codable, Sendable {
    public let id: String
    public var object = Choice.object
    public let created: Int
    public let model: String
    public var choices: [Choice]
    public var usage: Usage?

    public init(id: String, created: Int, model: String, choices: [Choice], usage: Usage? = nil) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }

    enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage }

    /// Servers differ in what they leave out: only choices is required of an answer.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id) ?? ""
        object = try container.decodeIfPresent(String.self, forKey: .object) ?? Choice.object
        created = try container.decodeIfPresent(Int.self, forKey: .created) ?? 0
        model = try container.decodeIfPresent(String.self, forKey: .model) ?? ""
        choices = try container.decode([Choice].self, forKey: .choices)
        usage = try container.decodeIfPresent(Usage.self, forKey: .usage)
    }
}
