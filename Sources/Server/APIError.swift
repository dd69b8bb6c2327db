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

    var json: [String: Any] {
        ["error": ["message": message, "type": type, "param": parameter ?? NSNull(), "code": NSNull()] as [String: Any]]
    }
}
