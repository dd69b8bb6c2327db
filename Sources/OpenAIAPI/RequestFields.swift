import Foundation

/// A request body's mistake, naming the field as the wire format spells it (nil: the body itself).
public struct WireError: Error, CustomStringConvertible {
    public let description: String
    public let field: String?

    public init(_ description: String, field: String? = nil) {
        self.description = description
        self.field = field
    }
}

/// A JSON object's fields read one by one, so that each mistake is a WireError naming its field.
/// JSONDecoder keeps true/false apart from numbers, and strings apart from both.
public struct RequestFields {
    struct Key: CodingKey {
        let stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    private let container: KeyedDecodingContainer<Key>

    /// The body's fields; a WireError if it is not JSON or not an object.
    public static func decode(_ body: Data) throws -> RequestFields {
        do {
            return try JSONDecoder().decode(Holder.self, from: body).fields
        } catch let error as DecodingError {
            if case .typeMismatch = error { throw WireError("the request body must be a JSON object") }
            throw WireError("the request body is not valid JSON")
        }
    }

    private struct Holder: Decodable {
        let fields: RequestFields
        init(from decoder: Decoder) throws { fields = RequestFields(container: try decoder.container(keyedBy: Key.self)) }
    }

    private init(container: KeyedDecodingContainer<Key>) { self.container = container }

    /// Every field name the body has, sorted.
    public var names: [String] { container.allKeys.map(\.stringValue).sorted() }

    /// The field's value, nil when it is absent or null; `what` describes the type in the error.
    public func value<T: Decodable>(_ name: String, _ what: String, as type: T.Type = T.self) throws -> T? {
        do {
            return try container.decodeIfPresent(T.self, forKey: Key(name))
        } catch {
            throw WireError("\(name) must be \(what)", field: name)
        }
    }

    /// Refuses a field outside `known`, unless `neutral` says it holds its no-op value.
    public func refuseUnknown(known: Set<String>, neutral: [String: @Sendable (RequestFields, String) throws -> Bool]) throws {
        for key in names where !known.contains(key) {
            guard let isNeutral = neutral[key] else { throw WireError("unknown field \(key)", field: key) }
            if try !isNeutral(self, key) { throw WireError("\(key) is not supported by this server", field: key) }
        }
    }

    /// OpenAI's fields that codeloop does not implement, accepted at their no-op value (both endpoints).
    public static let neutralOpenAIFields: [String: @Sendable (RequestFields, String) throws -> Bool] = [
        "presence_penalty": { try $0.value($1, "a number", as: Double.self) ?? 0 == 0 },
        "frequency_penalty": { try $0.value($1, "a number", as: Double.self) ?? 0 == 0 },
        "best_of": { try $0.value($1, "an integer", as: Int.self) ?? 1 == 1 },
        "logit_bias": { try $0.value($1, "an object", as: [String: Double].self)?.isEmpty ?? true },
    ]
}

/// OpenAI's prompt: a string, a list of strings, a list of token ids, or a list of lists of ids (none empty).
public enum PromptField: Codable, Sendable, Equatable {
    case texts([String])
    case tokens([[Int]])

    public init(from decoder: Decoder) throws {
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

    public func encode(to encoder: Encoder) throws {
        var value = encoder.singleValueContainer()
        switch self {
        case .texts(let texts): if texts.count == 1 { try value.encode(texts[0]) } else { try value.encode(texts) }
        case .tokens(let lists): if lists.count == 1 { try value.encode(lists[0]) } else { try value.encode(lists) }
        }
    }
}

/// OpenAI's stop: one string or a list of them.
public struct StopField: Decodable, Sendable {
    public let strings: [String]

    public init(from decoder: Decoder) throws {
        let value = try decoder.singleValueContainer()
        if let one = try? value.decode(String.self) { strings = [one] } else { strings = try value.decode([String].self) }
    }
}
