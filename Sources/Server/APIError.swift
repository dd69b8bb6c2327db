import Foundation
import HTTPTypes

/// An error in OpenAI's shape: {"error": {"message", "type", "param", "code"}} with its status.
struct APIError: Error {
    let status: HTTPResponse.Status
    let message: String
    let type: String
    let parameter: String?

    init(status: HTTPResponse.Status, message: String, type: String, parameter: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.parameter = parameter
    }

    static func invalid(_ message: String, parameter: String? = nil) -> APIError {
        APIError(status: .badRequest, message: message, type: "invalid_request_error", parameter: parameter)
    }

    /// {"error": {...}}, with param and code null when absent as OpenAI sends them.
    var body: Body { Body(error: .init(message: message, type: type, param: parameter)) }

    struct Body: Encodable {
        struct Detail: Encodable {
            let message: String
            let type: String
            let param: String?
            let code: String? = nil

            func encode(to encoder: Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(message, forKey: .message)
                try container.encode(type, forKey: .type)
                try container.encode(param, forKey: .param)
                try container.encode(code, forKey: .code)
            }

            enum CodingKeys: String, CodingKey { case message, type, param, code }
        }
        let error: Detail
    }
}
