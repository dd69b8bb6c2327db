/// OpenAI's error body, {"error": {"message", "type", "param", "code"}}, with param and code null
/// when absent as OpenAI sends them.
public struct ErrorResponse: Codable, Sendable {
    public struct Detail: Codable, Sendable {
        public let message: String
        public let type: String?
        public let param: String?
        public var code: String? = nil

        public init(message: String, type: String?, param: String?) {
            self.message = message
            self.type = type
            self.param = param
        }

        enum CodingKeys: String, CodingKey { case message, type, param, code }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            message = try container.decode(String.self, forKey: .message)
            type = try? container.decodeIfPresent(String.self, forKey: .type)
            param = try? container.decodeIfPresent(String.self, forKey: .param)
            // Some servers send a numeric code.
            code = (try? container.decodeIfPresent(String.self, forKey: .code)) ?? (try? container.decodeIfPresent(Int.self, forKey: .code)).flatMap { $0.map(String.init) }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(message, forKey: .message)
            try container.encode(type, forKey: .type)
            try container.encode(param, forKey: .param)
            try container.encode(code, forKey: .code)
        }
    }

    public let error: Detail

    public init(message: String, type: String, param: String? = nil) {
        error = Detail(message: message, type: type, param: param)
    }
}
