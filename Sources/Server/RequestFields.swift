import Foundation

/// A JSON object's fields read one by one, so that each mistake is an APIError naming its field.
/// JSONDecoder keeps true/false apart from numbers, and strings apart from both.
struct RequestFields {
    struct Key: CodingKey {
        let stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    private let container: KeyedDecodingContainer<Key>

    /// The body's fields; an APIError if it is not JSON or not an object.
    static func decode(_ body: Data) throws -> RequestFields {
        do {
            return try JSONDecoder().decode(Holder.self, from: body).fields
        } catch let error as DecodingError {
            if case .typeMismatch = error { throw APIError.invalid("the request body must be a JSON object") }
            throw APIError.invalid("the request body is not valid JSON")
        }
    }

    private struct Holder: Decodable {
        let fields: RequestFields
        init(from decoder: Decoder) throws { fields = RequestFields(container: try decoder.container(keyedBy: Key.self)) }
    }

    private init(container: KeyedDecodingContainer<Key>) { self.container = container }

    /// Every field name the body has, sorted.
    var names: [String] { container.allKeys.map(\.stringValue).sorted() }

    /// The field's value, nil when it is absent or null; `what` describes the type in the error.
    func value<T: Decodable>(_ name: String, _ what: String, as type: T.Type = T.self) throws -> T? {
        do {
            return try container.decodeIfPresent(T.self, forKey: Key(name))
        } catch {
            throw APIError.invalid("\(name) must be \(what)", parameter: name)
        }
    }
}

/// OpenAI's prompt: a string, a list of strings, a list of token ids, or a list of lists of ids (none empty).
enum PromptField: Decodable {
    case texts([String])
    case tokens([[Int]])

    init(from decoder: Decoder) throws {
        let value = try decoder.singleValueContainer()
        if let text = try? value.decode(String.self) {
            self = .texts([text])
        } else if let texts = try? value.decode([String].self), !texts.isEmpty {
            self = .texts(texts)
        } else if let ids = try? value.decode([Int].self), !ids.isEmpty {
            self = .tokens([ids])
        } else if let lists = try? value.decode([[Int]].self), !lists.isEmpty {
            self = .tokens(lists)
        } else {
            throw DecodingError.dataCorruptedError(in: value, debugDescription: "not a prompt")
        }
    }
}

/// OpenAI's stop: one string or a list of them.
struct StopField: Decodable {
    let strings: [String]

    init(from decoder: Decoder) throws {
        let value = try decoder.singleValueContainer()
        if let one = try? value.decode(String.self) { strings = [one] } else { strings = try value.decode([String].self) }
    }
}
