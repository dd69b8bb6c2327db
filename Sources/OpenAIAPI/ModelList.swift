/// GET /v1/models: the models a server holds (codeloop serve holds one).
public struct ModelList: Codable, Sendable {
    public struct Model: Codable, Sendable {
        public let id: String
        public init(id: String) { self.id = id }
        public var object = "model"
        public var created = 0
        public var ownedBy = "codeloop"
        enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }
    }
    public var object = "list"
    public let data: [Model]
    public init(data: [Model]) { self.data = data }
}
