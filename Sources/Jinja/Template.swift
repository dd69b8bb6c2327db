import Foundation

/// A Jinja2 template of the subset chat templates use, parsed once. Every filter, test, function
/// and method it names must be one this renderer has: a template that needs more is refused at
/// load, by name, not at its first render. Rendering follows Jinja2 3.1 in transformers' sandboxed
/// environment: Undefined for missing names (printing nothing, false, an error when used further),
/// loop scopes (a `set` inside a loop stays there; namespace() escapes it), loopcontrols, and the
/// globals raise_exception and strftime_now.
public struct Template: Sendable {
    let nodes: [Node]

    static let filters: Set<String> = [
        "trim", "strip", "length", "count", "tojson", "items", "join", "list", "first", "last", "default", "d", "upper", "lower",
        "title", "capitalize", "replace", "string", "int", "float", "abs", "selectattr", "rejectattr", "select", "reject", "map",
        "unique", "reverse", "sort", "safe", "e", "escape", "indent", "wordcount", "min", "max", "sum", "dictsort", "batch",
    ]
    static let tests: Set<String> = [
        "defined", "undefined", "none", "string", "number", "integer", "float", "boolean", "mapping", "iterable", "sequence",
        "true", "false", "equalto", "eq", "==", "ne", "!=", "odd", "even", "divisibleby", "lower", "upper", "in", "sameas",
        "callable", "gt", "lt", "ge", "le",
    ]
    static let functions: Set<String> = ["raise_exception", "namespace", "range", "strftime_now", "dict"]
    static let methods: Set<String> = [
        "strip", "lstrip", "rstrip", "split", "startswith", "endswith", "lower", "upper", "title", "capitalize", "replace", "items",
        "keys", "values", "get", "find", "count", "join", "splitlines",
    ]

    public init(_ source: String) throws {
        let (nodes, used) = try JinjaParser.parse(source)
        for (name, line) in used.filters where !Self.filters.contains(name) { throw TemplateError("line \(line): the filter '\(name)' is not supported") }
        for (name, line) in used.tests where !Self.tests.contains(name) { throw TemplateError("line \(line): the test '\(name)' is not supported") }
        for (name, line) in used.methods where !Self.methods.contains(name) { throw TemplateError("line \(line): the method '\(name)' is not supported") }
        for (name, line) in used.calls where !Self.functions.contains(name) { throw TemplateError("line \(line): the function '\(name)' is not supported") }
        self.nodes = nodes
    }

    /// The text for `context`'s variables; `now` is what strftime_now formats.
    public func render(_ context: [String: Value], now: Date = Date()) throws -> String {
        var renderer = Renderer(scopes: [context], now: now)
        var output = ""
        try renderer.run(nodes, into: &output)
        return output
    }
}

extension Node: @unchecked Sendable {}

/// Why a loop body stopped early.
enum LoopControl: Error { case breakLoop, continueLoop }

struct Renderer {
    var scopes: [[String: Value]]
    let now: Date

    func lookup(_ name: String) -> Value {
        for scope in scopes.reversed() { if let value = scope[name] { return value } }
        return Template.functions.contains(name) ? .function(name) : .undefined(name)
    }

    mutating func assign(_ name: String, _ value: Value) { scopes[scopes.count - 1][name] = value }

    mutating func run(_ nodes: [Node], into output: inout String) throws {
        for node in nodes {
            switch node {
            case .text(let text): output += text
            case .output(let expression): output += try evaluate(expression).text
            case .ifChain(let branches, let otherwise):
                var taken = false
                for (condition, body) in branches where try evaluate(condition).truthy {
                    try run(body, into: &output)
                    taken = true
                    break
                }
                if !taken { try run(otherwise, into: &output) }
            case .forLoop(let targets, let iterable, let filter, let body, let otherwise):
                try runLoop(targets: targets, iterable: try evaluate(iterable), filter: filter, body: body, otherwise: otherwise, into: &output)
            case .set(let target, let attribute, let value):
                let result = try evaluate(value)
                if let attribute {
                    guard case .namespace(let namespace) = lookup(target) else { throw TemplateError("cannot set '\(attribute)' on '\(target)': it is not a namespace") }
                    if let index = namespace.fields.firstIndex(where: { $0.0 == attribute }) {
                        namespace.fields[index].1 = result
                    } else {
                        namespace.fields.append((attribute, result))
                    }
                } else {
                    assign(target, result)
                }
            case .setBlock(let target, let body):
                var captured = ""
                try run(body, into: &captured)
                assign(target, .string(captured))
            case .breakLoop: throw LoopControl.breakLoop
            case .continueLoop: throw LoopControl.continueLoop
            }
        }
    }

    mutating func runLoop(targets: [String], iterable: Value, filter: Expression?, body: [Node], otherwise: [Node], into output: inout String) throws {
        var items = try iterate(iterable)
        if let filter {
            items = try items.filter { item in
                scopes.append(try bind(targets, item))
                defer { scopes.removeLast() }
                return try evaluate(filter).truthy
            }
        }
        if items.isEmpty { return try run(otherwise, into: &output) }
        for (index, item) in items.enumerated() {
            var scope = try bind(targets, item)
            scope["loop"] = .object([
                ("index", .integer(index + 1)), ("index0", .integer(index)), ("revindex", .integer(items.count - index)),
                ("revindex0", .integer(items.count - index - 1)), ("first", .bool(index == 0)), ("last", .bool(index == items.count - 1)),
                ("length", .integer(items.count)), ("previtem", index > 0 ? items[index - 1] : .undefined("previtem")),
                ("nextitem", index + 1 < items.count ? items[index + 1] : .undefined("nextitem")),
            ])
            scopes.append(scope)
            defer { scopes.removeLast() }
            do {
                try run(body, into: &output)
            } catch LoopControl.continueLoop {
                continue
            } catch LoopControl.breakLoop {
                break
            }
        }
    }

    func bind(_ targets: [String], _ item: Value) throws -> [String: Value] {
        if targets.count == 1 { return [targets[0]: item] }
        let parts = try iterate(item)
        guard parts.count == targets.count else { throw TemplateError("cannot unpack \(parts.count) values into \(targets.count) names") }
        return Dictionary(uniqueKeysWithValues: zip(targets, parts))
    }

    /// What a for loop walks: a list's items, a string's characters, a dict's keys.
    func iterate(_ value: Value) throws -> [Value] {
        switch value {
        case .array(let items): return items
        case .string(let text): return text.map { .string(String($0)) }
        case .object(let pairs): return pairs.map { .string($0.0) }
        case .undefined: return []
        default: throw TemplateError("'\(value.repr)' is not iterable")
        }
    }

    mutating func evaluate(_ expression: Expression) throws -> Value {
        switch expression {
        case .literal(let value): return value
        case .variable(let name): return lookup(name)
        case .list(let items): return .array(try items.map { try evaluate($0) })
        case .dictionary(let pairs):
            return .object(try pairs.map { key, value in
                guard case .string(let name) = try evaluate(key) else { throw TemplateError("dictionary keys must be strings") }
                return (name, try evaluate(value))
            })
        case .attribute(let base, let name):
            let value = try evaluate(base)
            if case .undefined(let missing) = value { throw TemplateError("'\(missing)' is undefined") }
            return value.field(name) ?? .undefined(name)
        case .item(let base, let key):
            return try Builtins.item(try evaluate(base), try evaluate(key))
        case .slice(let base, let start, let stop, let step):
            return try Builtins.slice(try evaluate(base), try start.map { try evaluate($0) }, try stop.map { try evaluate($0) },
                                      try step.map { try evaluate($0) })
        case .call(let callee, let positional, let named):
            let arguments = try positional.map { try evaluate($0) }
            let keywords = try named.map { ($0.0, try evaluate($0.1)) }
            switch callee {
            case .variable(let name): return try Builtins.function(name, arguments, keywords, now: now)
            case .attribute(let base, let method):
                let receiver = try evaluate(base)
                if case .undefined(let missing) = receiver { throw TemplateError("'\(missing)' is undefined") }
                return try Builtins.method(receiver, method, arguments)
            default: throw TemplateError("only functions and methods can be called")
            }
        case .filter(let base, let name, let positional, let named):
            let value = try evaluate(base)
            return try Builtins.filter(name, value, try positional.map { try evaluate($0) }, try named.map { ($0.0, try evaluate($0.1)) }, renderer: &self)
        case .test(let base, let name, let arguments, let negated):
            let result = try Builtins.test(name, try evaluate(base), try arguments.map { try evaluate($0) })
            return .bool(result != negated)
        case .unary(let op, let operand):
            let value = try evaluate(operand)
            if op == "not" { return .bool(!value.truthy) }
            switch value {
            case .integer(let number): return .integer(-number)
            case .double(let number): return .double(-number)
            case .bool(let flag): return .integer(flag ? -1 : 0)
            default: throw TemplateError("bad operand for unary -: '\(value.repr)'")
            }
        case .binary(let op, let left, let right):
            if op == "and" {
                let first = try evaluate(left)
                return first.truthy ? try evaluate(right) : first
            }
            if op == "or" {
                let first = try evaluate(left)
                return first.truthy ? first : try evaluate(right)
            }
            return try Builtins.binary(op, try evaluate(left), try evaluate(right))
        case .conditional(let value, let condition, let otherwise):
            if try evaluate(condition).truthy { return try evaluate(value) }
            return try otherwise.map { try evaluate($0) } ?? .undefined("conditional")
        }
    }
}
