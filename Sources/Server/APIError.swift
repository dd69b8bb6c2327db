import Foundation
import HTTPTypes
import OpenAIAPI
import Sampling

/// An error in OpenAI's shape (ErrorResponse) with its HTTP status.
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

    /// A request body's mistake, or a sampling parameter out of its range: a 400 naming the field.
    static func invalid(_ error: WireError) -> APIError { invalid(error.description, parameter: error.field) }
    static func invalid(_ error: SamplingParameters.Invalid) -> APIError { invalid(error.description, parameter: error.field) }

    /// What `read` makes of a request body, its mistakes (a field's type, a sampling range) 400s naming the field.
    static func reading<Value>(_ read: () throws -> Value) throws -> Value {
        do {
            return try read()
        } catch let error as WireError {
            throw invalid(error)
        } catch let error as SamplingParameters.Invalid {
            throw invalid(error)
        }
    }

    var body: ErrorResponse { ErrorResponse(message: message, type: type, param: parameter) }
}
