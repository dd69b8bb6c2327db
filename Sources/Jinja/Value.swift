import Foundation

/// A template value, as Python holds it when transformers renders a chat template: JSON's kinds
/// (dictionaries keep their order), undefined, and Jinja2's namespace objects.
public indirect enum Value {
    case undefined(String)
    case none
    case bool(Bool)
    case integer(Int)
    case double(Double)
    case string(String)
    case array([Value])
    case object([(String, Value)])
    case namespace(Namespace)
    /// A global function (raise_exception, strftime_now, ...) named as a value: defined and true.
    case function(String)

    /// Jinja2's namespace(): an object whose attributes `set` may change from inside a loop.
    public final class Namespace {
        var fields: [(String, Value)]
        init(_ fields: [(String, Value)]) { self.fields = fields }
    }

    var isUndefined: Bool { if case .undefined = self { return true } else { return false } }

    /// Python's truth value.
    var truthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let value): return value
        case .integer(let value): return value != 0
        case .double(let value): return value != 0
        case .string(let text): return !text.isEmpty
        case .array(let items): return !items.isEmpty
        case .object(let pairs): return !pairs.isEmpty
        case .namespace, .function: return true
        }
    }

    /// The field `key` of an object or namespace, if it has one.
    func field(_ key: String) -> Value? {
        switch self {
        case .object(let pairs): return pairs.first { $0.0 == key }?.1
        case .namespace(let namespace): return namespace.fields.first { $0.0 == key }?.1
        default: return nil
        }
    }

    /// Python's str(): what `{{ value }}` prints.
    var text: String {
        switch self {
        case .undefined: return ""
        case .string(let text): return text
        default: return repr
        }
    }

    /// Python's repr(), as str() of a list or dict shows its items.
    var repr: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let value): return value ? "True" : "False"
        case .integer(let value): return String(value)
        case .double(let value): return Value.pythonFloat(value)
        case .string(let text): return Value.pythonStringRepr(text)
        case .array(let items): return "[" + items.map(\.repr).joined(separator: ", ") + "]"
        case .object(let pairs): return "{" + pairs.map { Value.pythonStringRepr($0.0) + ": " + $0.1.repr }.joined(separator: ", ") + "}"
        case .namespace(let namespace): return "<Namespace " + Value.object(namespace.fields).repr + ">"
        case .function(let name): return "<function \(name)>"
        }
    }

    /// Python's repr of a float: the shortest text that reads back, with ".0" on whole numbers.
    static func pythonFloat(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == value.rounded(), abs(value) < 1e16 { return String(format: "%.1f", value) }
        let text = "\(value)"
        return text
    }

    static func pythonStringRepr(_ text: String) -> String {
        let quote = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var out = quote
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if String(scalar) == quote { out += "\\" + quote } else if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += String(format: "\\x%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + quote
    }

    /// Python's json.dumps(value, ensure_ascii=False, indent=indent), as transformers' tojson filter.
    func json(indent: Int?, level: Int = 0) throws -> String {
        let newline = indent.map { "\n" + String(repeating: " ", count: $0 * (level + 1)) }
        let closing = indent.map { "\n" + String(repeating: " ", count: $0 * level) } ?? ""
        let itemSeparator = indent == nil ? ", " : ","
        switch self {
        case .undefined(let name): throw TemplateError("'\(name)' is undefined")
        case .none: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .integer(let value): return String(value)
        case .double(let value):
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
            return Value.pythonFloat(value)
        case .string(let text): return Value.jsonString(text)
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[" + (newline ?? "") + (try items.map { try $0.json(indent: indent, level: level + 1) })
                .joined(separator: itemSeparator + (newline ?? "")) + closing + "]"
        case .object(let pairs):
            if pairs.isEmpty { return "{}" }
            return "{" + (newline ?? "") + (try pairs.map { Value.jsonString($0.0) + ": " + (try $0.1.json(indent: indent, level: level + 1)) })
                .joined(separator: itemSeparator + (newline ?? "")) + closing + "}"
        case .namespace, .function: throw TemplateError("'\(repr)' is not JSON serializable")
        }
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

extension Value: Decodable {
    /// A value from JSON: null, booleans, integers, floats, strings, lists and objects.
    public init(from decoder: Decoder) throws {
        if let container = try? decoder.container(keyedBy: AnyKey.self) {
            self = .object(try container.allKeys.map { ($0.stringValue, try container.decode(Value.self, forKey: $0)) })
            return
        }
        if var list = try? decoder.unkeyedContainer() {
            var items: [Value] = []
            while !list.isAtEnd { items.append(try list.decode(Value.self)) }
            self = .array(items)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { self = .none }
        else if let flag = try? single.decode(Bool.self) { self = .bool(flag) }
        else if let integer = try? single.decode(Int.self) { self = .integer(integer) }
        else if let number = try? single.decode(Double.self) { self = .double(number) }
        else { self = .string(try single.decode(String.self)) }
    }

    struct AnyKey: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}

extension Value: Equatable {
    /// Python's ==: numbers across int, float and bool; lists and dicts item by item.
    public static func == (left: Value, right: Value) -> Bool {
        switch (left, right) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { $0 == $1 }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { pair in b.contains { $0.0 == pair.0 && $0.1 == pair.1 } }
        case (.namespace(let a), .namespace(let b)): return a === b
        case (.function(let a), .function(let b)): return a == b
        default:
            if let a = left.number, let b = right.number { return a == b }
            return false
        }
    }

    var number: Double? {
        switch self {
        case .bool(let value): return value ? 1 : 0
        case .integer(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }
}
