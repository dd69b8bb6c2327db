import Foundation

/// Jinja2's operators, filters, tests, globals and the Python methods templates call on strings
/// and dicts, as Python computes them.
enum Builtins {
    static func item(_ base: Value, _ key: Value) throws -> Value {
        switch (base, key) {
        case (.undefined(let name), _): throw TemplateError("'\(name)' is undefined")
        case (.array(let items), _):
            guard let index = key.integer else { return .undefined("[\(key.repr)]") }
            let position = index < 0 ? items.count + index : index
            return items.indices.contains(position) ? items[position] : .undefined("[\(index)]")
        case (.string(let text), _):
            guard let index = key.integer else { return .undefined("[\(key.repr)]") }
            let characters = Array(text)
            let position = index < 0 ? characters.count + index : index
            return characters.indices.contains(position) ? .string(String(characters[position])) : .undefined("[\(index)]")
        case (_, .string(let name)): return base.field(name) ?? .undefined(name)
        default: return .undefined("[\(key.repr)]")
        }
    }

    /// Python's slice of a list or string.
    static func slice(_ base: Value, _ start: Value?, _ stop: Value?, _ step: Value?) throws -> Value {
        let stride = step?.integer ?? 1
        guard stride != 0 else { throw TemplateError("slice step cannot be zero") }
        func indices(_ count: Int) -> [Int] {
            func clamp(_ value: Int?, _ defaultValue: Int) -> Int {
                guard var value else { return defaultValue }
                if value < 0 { value += count }
                return stride > 0 ? min(max(value, 0), count) : min(max(value, -1), count - 1)
            }
            let from = clamp(start?.integer, stride > 0 ? 0 : count - 1)
            let to = clamp(stop?.integer, stride > 0 ? count : -1)
            return Array(Swift.stride(from: from, to: to, by: stride))
        }
        switch base {
        case .array(let items): return .array(indices(items.count).map { items[$0] })
        case .string(let text):
            let characters = Array(text)
            return .string(String(indices(characters.count).map { characters[$0] }))
        case .undefined(let name): throw TemplateError("'\(name)' is undefined")
        default: throw TemplateError("'\(base.repr)' cannot be sliced")
        }
    }

    static func function(_ name: String, _ arguments: [Value], _ keywords: [(String, Value)], now: Date) throws -> Value {
        switch name {
        case "raise_exception":
            throw TemplateError(arguments.first?.text ?? "raise_exception")
        case "namespace":
            var fields: [(String, Value)] = []
            if case .object(let pairs)? = arguments.first { fields = pairs }
            for (key, value) in keywords {
                if let index = fields.firstIndex(where: { $0.0 == key }) { fields[index].1 = value } else { fields.append((key, value)) }
            }
            return .namespace(Value.Namespace(fields))
        case "dict":
            return .object(keywords)
        case "range":
            let numbers = arguments.compactMap(\.integer)
            guard numbers.count == arguments.count, (1...3).contains(numbers.count) else { throw TemplateError("range() takes 1 to 3 integers") }
            let (start, stop, step) = numbers.count == 1 ? (0, numbers[0], 1) : (numbers[0], numbers[1], numbers.count == 3 ? numbers[2] : 1)
            guard step != 0 else { throw TemplateError("range() arg 3 must not be zero") }
            return .array(Array(stride(from: start, to: stop, by: step)).map { .integer($0) })
        case "strftime_now":
            return .string(strftime(arguments.first?.text ?? "", now))
        default:
            throw TemplateError("the function '\(name)' is not supported")
        }
    }

    /// C's strftime for the directives chat templates use, in the C locale.
    static func strftime(_ format: String, _ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        var out = ""
        var percent = false
        for character in format {
            guard percent else {
                if character == "%" { percent = true } else { out.append(character) }
                continue
            }
            percent = false
            switch character {
            case "d": out += String(format: "%02d", parts.day!)
            case "m": out += String(format: "%02d", parts.month!)
            case "Y": out += String(parts.year!)
            case "y": out += String(format: "%02d", parts.year! % 100)
            case "b": out += String(months[parts.month! - 1].prefix(3))
            case "B": out += months[parts.month! - 1]
            case "a": out += String(days[parts.weekday! - 1].prefix(3))
            case "A": out += days[parts.weekday! - 1]
            case "H": out += String(format: "%02d", parts.hour!)
            case "M": out += String(format: "%02d", parts.minute!)
            case "S": out += String(format: "%02d", parts.second!)
            case "%": out += "%"
            default: out += "%" + String(character)
            }
        }
        return out
    }

    static func method(_ receiver: Value, _ name: String, _ arguments: [Value]) throws -> Value {
        switch (receiver, name) {
        case (.string(let text), _): return try stringMethod(text, name, arguments)
        case (.object(let pairs), "items"): return .array(pairs.map { .array([.string($0.0), $0.1]) })
        case (.object(let pairs), "keys"): return .array(pairs.map { .string($0.0) })
        case (.object(let pairs), "values"): return .array(pairs.map(\.1))
        case (.object, "get"): return receiver.field(arguments.first?.text ?? "") ?? (arguments.count > 1 ? arguments[1] : .none)
        case (.array(let items), "count"): return .integer(items.filter { $0 == (arguments.first ?? .none) }.count)
        default: throw TemplateError("'\(receiver.repr)' has no method '\(name)'")
        }
    }

    static func stringMethod(_ text: String, _ name: String, _ arguments: [Value]) throws -> Value {
        let argument = arguments.first.flatMap { if case .string(let s) = $0 { return s } else { return nil } }
        switch name {
        case "strip": return .string(pythonStrip(text, argument, leading: true, trailing: true))
        case "lstrip": return .string(pythonStrip(text, argument, leading: true, trailing: false))
        case "rstrip": return .string(pythonStrip(text, argument, leading: false, trailing: true))
        case "lower": return .string(text.lowercased())
        case "upper": return .string(text.uppercased())
        case "title": return .string(pythonTitle(text))
        case "capitalize": return .string(text.prefix(1).uppercased() + text.dropFirst().lowercased())
        case "startswith": return .bool(try prefixes(arguments).contains { text.hasPrefix($0) })
        case "endswith": return .bool(try prefixes(arguments).contains { text.hasSuffix($0) })
        case "replace":
            guard arguments.count >= 2 else { throw TemplateError("replace() takes 2 arguments") }
            return .string(text.replacingOccurrences(of: arguments[0].text, with: arguments[1].text))
        case "split":
            if let separator = argument {
                return .array(text.components(separatedBy: separator).map { .string($0) })
            }
            return .array(text.split(whereSeparator: { $0.isWhitespace }).map { .string(String($0)) })
        case "splitlines": return .array(text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { .string(String($0)) }.dropLastEmpty())
        case "find": return .integer(argument.flatMap { text.range(of: $0) }.map { text.distance(from: text.startIndex, to: $0.lowerBound) } ?? -1)
        case "count": return .integer(argument.map { text.components(separatedBy: $0).count - 1 } ?? 0)
        case "join":
            guard case .array(let items)? = arguments.first else { throw TemplateError("join() takes a list") }
            return .string(items.map(\.text).joined(separator: text))
        default: throw TemplateError("str has no method '\(name)'")
        }
    }

    static func prefixes(_ arguments: [Value]) throws -> [String] {
        switch arguments.first {
        case .string(let one)?: return [one]
        case .array(let many)?: return many.map(\.text)
        default: throw TemplateError("startswith() and endswith() take a string or a tuple of strings")
        }
    }

    /// str.strip(): whitespace, or the characters given.
    static func pythonStrip(_ text: String, _ characters: String?, leading: Bool, trailing: Bool) -> String {
        let set = characters.map { Set($0.unicodeScalars) }
        func strips(_ scalar: Unicode.Scalar) -> Bool { set?.contains(scalar) ?? scalar.properties.isWhitespace }
        var scalars = Substring(text).unicodeScalars[...]
        if leading { while let first = scalars.first, strips(first) { scalars.removeFirst() } }
        if trailing { while let last = scalars.last, strips(last) { scalars.removeLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    /// str.title(): a letter after a non-letter is upper case, every other letter lower.
    static func pythonTitle(_ text: String) -> String {
        var out = ""
        var previousIsLetter = false
        for character in text {
            out += previousIsLetter ? character.lowercased() : character.uppercased()
            previousIsLetter = character.isLetter
        }
        return out
    }

    static func filter(_ name: String, _ value: Value, _ arguments: [Value], _ keywords: [(String, Value)], renderer: inout Renderer) throws -> Value {
        func keyword(_ key: String, at position: Int) -> Value? { keywords.first { $0.0 == key }?.1 ?? (arguments.count > position ? arguments[position] : nil) }
        switch name {
        case "default", "d":
            let fallback = keyword("default_value", at: 0) ?? .string("")
            let boolean = keyword("boolean", at: 1)?.truthy ?? false
            return value.isUndefined || (boolean && !value.truthy) ? fallback : value
        case "safe", "e", "escape": return value
        case "string": return .string(value.text)
        default: break
        }
        if case .undefined(let missing) = value, !["length", "count", "list", "items", "join", "tojson"].contains(name) {
            throw TemplateError("'\(missing)' is undefined")
        }
        switch name {
        case "trim", "strip": return .string(pythonStrip(value.text, keyword("chars", at: 0)?.text, leading: true, trailing: true))
        case "length", "count":
            switch value {
            case .string(let text): return .integer(text.count)
            case .array(let items): return .integer(items.count)
            case .object(let pairs): return .integer(pairs.count)
            case .undefined: return .integer(0)
            default: throw TemplateError("object of type '\(value.repr)' has no len()")
            }
        case "tojson":
            return .string(try value.json(indent: keyword("indent", at: 0)?.integer))
        case "items":
            guard case .object(let pairs) = value else { return value.isUndefined ? .array([]) : try { throw TemplateError("items needs a mapping") }() }
            return .array(pairs.map { .array([.string($0.0), $0.1]) })
        case "join":
            let items = try renderer.iterate(value)
            let attribute = keywords.first { $0.0 == "attribute" }?.1.text
            return .string(items.map { attribute.flatMap($0.field)?.text ?? $0.text }.joined(separator: keyword("d", at: 0)?.text ?? ""))
        case "list": return .array(try renderer.iterate(value))
        case "first": return try renderer.iterate(value).first ?? .undefined("first")
        case "last": return try renderer.iterate(value).last ?? .undefined("last")
        case "reverse":
            if case .string(let text) = value { return .string(String(text.reversed())) }
            return .array(try renderer.iterate(value).reversed())
        case "upper": return .string(value.text.uppercased())
        case "lower": return .string(value.text.lowercased())
        case "title": return .string(pythonTitle(value.text))
        case "capitalize": return .string(value.text.prefix(1).uppercased() + value.text.dropFirst().lowercased())
        case "replace":
            guard arguments.count >= 2 else { throw TemplateError("replace needs two arguments") }
            return .string(value.text.replacingOccurrences(of: arguments[0].text, with: arguments[1].text))
        case "int":
            if let number = value.number { return .integer(Int(number)) }
            return .integer(Int(value.text.trimmingCharacters(in: .whitespaces)) ?? 0)
        case "float":
            if let number = value.number { return .double(number) }
            return .double(Double(value.text.trimmingCharacters(in: .whitespaces)) ?? 0)
        case "abs":
            if case .integer(let number) = value { return .integer(abs(number)) }
            return .double(abs(value.number ?? 0))
        case "wordcount": return .integer(value.text.split(whereSeparator: { $0.isWhitespace }).count)
        case "indent":
            let width = keyword("width", at: 0)?.integer ?? 4
            let pad = String(repeating: " ", count: width)
            let first = keyword("first", at: 1)?.truthy ?? false
            let lines = value.text.components(separatedBy: "\n")
            return .string(lines.enumerated().map { index, line in
                (index == 0 && !first) || line.isEmpty ? line : pad + line
            }.joined(separator: "\n"))
        case "unique":
            var seen: [Value] = []
            for item in try renderer.iterate(value) where !seen.contains(item) { seen.append(item) }
            return .array(seen)
        case "selectattr", "rejectattr", "select", "reject":
            let byAttribute = name.hasSuffix("attr")
            let keep = name.hasPrefix("select")
            var remaining = arguments
            let attribute = byAttribute ? remaining.removeFirst().text : nil
            let testName = remaining.isEmpty ? nil : remaining.removeFirst().text
            return .array(try renderer.iterate(value).filter { item in
                let subject = attribute.map { item.field($0) ?? .undefined($0) } ?? item
                let passes = try testName.map { try test($0, subject, remaining) } ?? subject.truthy
                return passes == keep
            })
        case "map":
            let items = try renderer.iterate(value)
            if let attribute = keywords.first(where: { $0.0 == "attribute" })?.1.text {
                let fallback = keywords.first { $0.0 == "default" }?.1
                return .array(items.map { $0.field(attribute) ?? fallback ?? .undefined(attribute) })
            }
            guard let filterName = arguments.first?.text else { throw TemplateError("map needs a filter name or attribute=") }
            return .array(try items.map { try filter(filterName, $0, Array(arguments.dropFirst()), [], renderer: &renderer) })
        case "sort":
            let attribute = keywords.first { $0.0 == "attribute" }?.1.text
            let reverse = keywords.first { $0.0 == "reverse" }?.1.truthy ?? false
            let sorted = try renderer.iterate(value).sorted { a, b in
                let x = attribute.flatMap(a.field) ?? a, y = attribute.flatMap(b.field) ?? b
                if let p = x.number, let q = y.number { return p < q }
                return x.text < y.text
            }
            return .array(reverse ? sorted.reversed() : sorted)
        case "dictsort":
            guard case .object(let pairs) = value else { throw TemplateError("dictsort needs a mapping") }
            return .array(pairs.sorted { $0.0.lowercased() < $1.0.lowercased() }.map { .array([.string($0.0), $0.1]) })
        case "min", "max", "sum":
            let items = try renderer.iterate(value)
            if name == "sum" {
                let total = items.compactMap(\.number).reduce(0, +)
                return items.allSatisfy { if case .integer = $0 { return true } else { return false } } ? .integer(Int(total)) : .double(total)
            }
            let ordered = items.sorted { ($0.number ?? 0, $0.text) < ($1.number ?? 0, $1.text) }
            return (name == "min" ? ordered.first : ordered.last) ?? .undefined(name)
        case "batch":
            let size = max(1, arguments.first?.integer ?? 1)
            let items = try renderer.iterate(value)
            return .array(stride(from: 0, to: items.count, by: size).map { .array(Array(items[$0..<min($0 + size, items.count)])) })
        default:
            throw TemplateError("the filter '\(name)' is not supported")
        }
    }

    static func test(_ name: String, _ value: Value, _ arguments: [Value]) throws -> Bool {
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": if case .none = value { return true } else { return false }
        case "string": if case .string = value { return true } else { return false }
        case "boolean": if case .bool = value { return true } else { return false }
        case "integer": if case .integer = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "number":
            switch value { case .integer, .double, .bool: return true; default: return false }
        case "mapping":
            switch value { case .object: return true; default: return false }
        case "iterable":
            switch value { case .array, .object, .string: return true; default: return false }
        case "sequence":
            switch value { case .array, .object, .string: return true; default: return false }
        case "callable": if case .function = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "equalto", "eq", "==", "sameas": return value == (arguments.first ?? .none)
        case "ne", "!=": return value != (arguments.first ?? .none)
        case "gt", "lt", "ge", "le":
            let op = ["gt": ">", "lt": "<", "ge": ">=", "le": "<="][name]!
            return try binary(op, value, arguments.first ?? .none).truthy
        case "odd": return (value.integer ?? 0) % 2 != 0
        case "even": return (value.integer ?? 0) % 2 == 0
        case "divisibleby": return (arguments.first?.integer).map { $0 != 0 && (value.integer ?? 0) % $0 == 0 } ?? false
        case "lower": return value.text == value.text.lowercased()
        case "upper": return value.text == value.text.uppercased()
        case "in": return try binary("in", value, arguments.first ?? .none).truthy
        default: throw TemplateError("the test '\(name)' is not supported")
        }
    }

    static func binary(_ op: String, _ left: Value, _ right: Value) throws -> Value {
        switch op {
        case "==": return .bool(left == right)
        case "!=": return .bool(left != right)
        case "~": return .string(left.text + right.text)
        case "in":
            switch right {
            case .string(let text):
                guard case .string(let needle) = left else { throw TemplateError("'in <string>' requires a string on the left") }
                return .bool(needle.isEmpty || text.contains(needle))
            case .array(let items): return .bool(items.contains(left))
            case .object, .namespace: return .bool(right.field(left.text) != nil && { if case .string = left { return true } else { return false } }())
            case .undefined(let name): throw TemplateError("'\(name)' is undefined")
            default: throw TemplateError("argument of type '\(right.repr)' is not iterable")
            }
        default: break
        }
        if case .undefined(let name) = left { throw TemplateError("'\(name)' is undefined") }
        if case .undefined(let name) = right { throw TemplateError("'\(name)' is undefined") }
        switch (op, left, right) {
        case ("+", .string(let a), .string(let b)): return .string(a + b)
        case ("+", .array(let a), .array(let b)): return .array(a + b)
        case ("*", .string(let a), .integer(let b)): return .string(String(repeating: a, count: max(0, b)))
        case ("<", .string(let a), .string(let b)): return .bool(a < b)
        case (">", .string(let a), .string(let b)): return .bool(a > b)
        case ("<=", .string(let a), .string(let b)): return .bool(a <= b)
        case (">=", .string(let a), .string(let b)): return .bool(a >= b)
        default: break
        }
        guard let a = left.number, let b = right.number else {
            throw TemplateError("unsupported operand types for \(op): '\(left.repr)' and '\(right.repr)'")
        }
        let integers = left.integer != nil && right.integer != nil
        switch op {
        case "+": return integers ? .integer(left.integer! + right.integer!) : .double(a + b)
        case "-": return integers ? .integer(left.integer! - right.integer!) : .double(a - b)
        case "*": return integers ? .integer(left.integer! * right.integer!) : .double(a * b)
        case "/":
            guard b != 0 else { throw TemplateError("division by zero") }
            return .double(a / b)
        case "//":
            guard b != 0 else { throw TemplateError("integer division or modulo by zero") }
            return integers ? .integer(Int((a / b).rounded(.down))) : .double((a / b).rounded(.down))
        case "%":
            guard b != 0 else { throw TemplateError("integer division or modulo by zero") }
            let remainder = a - b * (a / b).rounded(.down)
            return integers ? .integer(Int(remainder)) : .double(remainder)
        case "**": return integers && b >= 0 ? .integer(Int(pow(a, b))) : .double(pow(a, b))
        case "<": return .bool(a < b)
        case ">": return .bool(a > b)
        case "<=": return .bool(a <= b)
        case ">=": return .bool(a >= b)
        default: throw TemplateError("unknown operator \(op)")
        }
    }
}

extension Value {
    /// The value as a Python int (bools are ints), if it is one.
    var integer: Int? {
        switch self {
        case .integer(let value): return value
        case .bool(let value): return value ? 1 : 0
        default: return nil
        }
    }
}

extension Array where Element == Value {
    /// str.splitlines() drops the empty string after a final line break.
    func dropLastEmpty() -> [Value] {
        if let last, last == .string("") { return Array(dropLast()) }
        return self
    }
}
