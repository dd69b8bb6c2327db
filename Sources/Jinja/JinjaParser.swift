// The subset of Jinja2's grammar (jinja2/parser.py) that chat templates use, with its operator
// precedence: conditional, or, and, not, comparisons, + -, ~, * / // %, **, unary, then postfix
// (attributes, subscripts, calls), filters and tests.

indirect enum Expression {
    case literal(Value)
    case variable(String)
    case list([Expression])
    case dictionary([(Expression, Expression)])
    case attribute(Expression, String)
    case item(Expression, Expression)
    case slice(Expression, Expression?, Expression?, Expression?)
    case call(Expression, [Expression], [(String, Expression)])
    case filter(Expression, String, [Expression], [(String, Expression)])
    case test(Expression, String, [Expression], negated: Bool)
    case unary(String, Expression)
    case binary(String, Expression, Expression)
    case conditional(Expression, condition: Expression, otherwise: Expression?)
}

indirect enum Node {
    case text(String)
    case output(Expression)
    case ifChain([(Expression, [Node])], otherwise: [Node])
    case forLoop(targets: [String], iterable: Expression, filter: Expression?, body: [Node], otherwise: [Node])
    case set(target: String, attribute: String?, value: Expression)
    case setBlock(target: String, body: [Node])
    case breakLoop
    case continueLoop
}

/// The names a template uses that the renderer must know, to refuse one it does not at load.
struct UsedNames {
    var filters: [(String, Int)] = []
    var tests: [(String, Int)] = []
    var calls: [(String, Int)] = []
    var methods: [(String, Int)] = []
}

struct JinjaParser {
    private var segments: [Segment]
    private var position = 0
    var used = UsedNames()
    /// Blocks open around the statement being read (bounded, as expressions are).
    private var blockDepth = 0

    init(_ segments: [Segment]) { self.segments = segments }

    static func parse(_ template: String) throws -> ([Node], UsedNames) {
        var parser = JinjaParser(try JinjaLexer.segments(template))
        let (nodes, end) = try parser.parseBody(until: [])
        if let end { throw TemplateError("line \(end.line): unexpected '\(end.keyword)'") }
        return (nodes, parser.used)
    }

    /// Nodes up to a statement whose keyword is in `terminators` (returned, not consumed further).
    mutating func parseBody(until terminators: Set<String>) throws -> ([Node], (keyword: String, tokens: [Token], line: Int)?) {
        var nodes: [Node] = []
        while position < segments.count {
            let segment = segments[position]
            position += 1
            switch segment {
            case .text(let text):
                nodes.append(.text(text))
            case .output(let tokens, let line):
                var stream = TokenStream(tokens: tokens, line: line, used: used)
                let expression = try stream.parseExpression()
                try stream.expectEnd()
                used = stream.used
                nodes.append(.output(expression))
            case .statement(let tokens, let line):
                guard case .name(let keyword) = tokens.first else { throw TemplateError("line \(line): a tag must start with a keyword") }
                if terminators.contains(keyword) { return (nodes, (keyword, Array(tokens.dropFirst()), line)) }
                nodes.append(try parseStatement(keyword, Array(tokens.dropFirst()), line: line))
            }
        }
        if !terminators.isEmpty { throw TemplateError("the template ends inside a block: missing \(terminators.sorted().joined(separator: " or "))") }
        return (nodes, nil)
    }

    mutating func parseStatement(_ keyword: String, _ tokens: [Token], line: Int) throws -> Node {
        blockDepth += 1
        defer { blockDepth -= 1 }
        guard blockDepth <= TokenStream.maxDepth else { throw TemplateError("line \(line): blocks nest deeper than \(TokenStream.maxDepth) levels") }
        var stream = TokenStream(tokens: tokens, line: line, used: used)
        defer { used = stream.used }
        switch keyword {
        case "if":
            var branches: [(Expression, [Node])] = []
            var condition = try stream.parseExpression()
            try stream.expectEnd()
            while true {
                used = stream.used
                let (body, end) = try parseBody(until: ["elif", "else", "endif"])
                branches.append((condition, body))
                guard let end else { throw TemplateError("line \(line): missing endif") }
                switch end.keyword {
                case "elif":
                    stream = TokenStream(tokens: end.tokens, line: end.line, used: used)
                    condition = try stream.parseExpression()
                    try stream.expectEnd()
                case "else":
                    let (otherwise, close) = try parseBody(until: ["endif"])
                    guard close != nil else { throw TemplateError("line \(line): missing endif") }
                    stream = TokenStream(tokens: [], line: line, used: used)
                    return .ifChain(branches, otherwise: otherwise)
                default:
                    stream = TokenStream(tokens: [], line: line, used: used)
                    return .ifChain(branches, otherwise: [])
                }
            }
        case "for":
            var targets = [try stream.name()]
            while stream.accept(.symbol(",")) { targets.append(try stream.name()) }
            try stream.expect(.name("in"))
            let iterable = try stream.parseOr(allowConditional: false)
            let filter = stream.accept(.name("if")) ? try stream.parseExpression() : nil
            if stream.accept(.name("recursive")) { throw TemplateError("line \(line): recursive loops are not supported") }
            try stream.expectEnd()
            used = stream.used
            let (body, end) = try parseBody(until: ["else", "endfor"])
            var otherwise: [Node] = []
            if end?.keyword == "else" {
                let (rest, close) = try parseBody(until: ["endfor"])
                guard close != nil else { throw TemplateError("line \(line): missing endfor") }
                otherwise = rest
            } else if end == nil {
                throw TemplateError("line \(line): missing endfor")
            }
            stream = TokenStream(tokens: [], line: line, used: used)
            return .forLoop(targets: targets, iterable: iterable, filter: filter, body: body, otherwise: otherwise)
        case "set":
            let target = try stream.name()
            let attribute = stream.accept(.symbol(".")) ? try stream.name() : nil
            if stream.atEnd && attribute == nil {
                used = stream.used
                let (body, end) = try parseBody(until: ["endset"])
                guard end != nil else { throw TemplateError("line \(line): missing endset") }
                stream = TokenStream(tokens: [], line: line, used: used)
                return .setBlock(target: target, body: body)
            }
            try stream.expect(.symbol("="))
            let value = try stream.parseExpression()
            try stream.expectEnd()
            return .set(target: target, attribute: attribute, value: value)
        case "break":
            try stream.expectEnd()
            return .breakLoop
        case "continue":
            try stream.expectEnd()
            return .continueLoop
        case "generation":
            // transformers' AssistantTracker marks the assistant's tokens; the text is unchanged.
            try stream.expectEnd()
            used = stream.used
            let (body, end) = try parseBody(until: ["endgeneration"])
            guard end != nil else { throw TemplateError("line \(line): missing endgeneration") }
            stream = TokenStream(tokens: [], line: line, used: used)
            return .ifChain([(.literal(.bool(true)), body)], otherwise: [])
        default:
            throw TemplateError("line \(line): the tag '\(keyword)' is not supported")
        }
    }
}

/// The tokens of one tag, read by recursive descent.
struct TokenStream {
    let tokens: [Token]
    let line: Int
    var used: UsedNames
    var index = 0
    /// How deep the expression nests: a template is a downloaded file, and one that nests without
    /// end must be an error, not a stack overflow.
    var depth = 0
    static let maxDepth = 200

    init(tokens: [Token], line: Int, used: UsedNames) {
        self.tokens = tokens
        self.line = line
        self.used = used
    }

    var atEnd: Bool { index >= tokens.count }
    var current: Token? { atEnd ? nil : tokens[index] }

    mutating func accept(_ token: Token) -> Bool {
        guard current == token else { return false }
        index += 1
        return true
    }

    mutating func expect(_ token: Token) throws {
        guard accept(token) else { throw error("expected \(describe(token))") }
    }

    mutating func expectEnd() throws {
        guard atEnd else { throw error("unexpected \(describe(current!))") }
    }

    mutating func name() throws -> String {
        guard case .name(let name) = current else { throw error("expected a name") }
        index += 1
        return name
    }

    func error(_ message: String) -> TemplateError { TemplateError("line \(line): \(message)") }

    func describe(_ token: Token) -> String {
        switch token {
        case .name(let name): return "'\(name)'"
        case .string(let text): return "the string '\(text)'"
        case .integer(let value): return "\(value)"
        case .number(let value): return "\(value)"
        case .symbol(let symbol): return "'\(symbol)'"
        }
    }

    mutating func parseExpression() throws -> Expression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw error("expressions nest deeper than \(Self.maxDepth) levels") }
        return try parseOr(allowConditional: true)
    }

    mutating func parseOr(allowConditional: Bool) throws -> Expression {
        var left = try parseAnd()
        while accept(.name("or")) { left = .binary("or", left, try parseAnd()) }
        if allowConditional && accept(.name("if")) {
            let condition = try parseOr(allowConditional: false)
            let otherwise = accept(.name("else")) ? try parseOr(allowConditional: true) : nil
            return .conditional(left, condition: condition, otherwise: otherwise)
        }
        return left
    }

    mutating func parseAnd() throws -> Expression {
        var left = try parseNot()
        while accept(.name("and")) { left = .binary("and", left, try parseNot()) }
        return left
    }

    mutating func parseNot() throws -> Expression {
        if accept(.name("not")) {
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw error("expressions nest deeper than \(Self.maxDepth) levels") }
            return .unary("not", try parseNot())
        }
        return try parseCompare()
    }

    mutating func parseCompare() throws -> Expression {
        var left = try parseMath1()
        while true {
            if case .symbol(let op) = current, ["==", "!=", "<", ">", "<=", ">="].contains(op) {
                index += 1
                left = .binary(op, left, try parseMath1())
            } else if accept(.name("in")) {
                left = .binary("in", left, try parseMath1())
            } else if current == .name("not"), index + 1 < tokens.count, tokens[index + 1] == .name("in") {
                index += 2
                left = .unary("not", .binary("in", left, try parseMath1()))
            } else {
                return left
            }
        }
    }

    mutating func parseMath1() throws -> Expression {
        var left = try parseConcat()
        while case .symbol(let op) = current, op == "+" || op == "-" {
            index += 1
            left = .binary(op, left, try parseConcat())
        }
        return left
    }

    mutating func parseConcat() throws -> Expression {
        var left = try parseMath2()
        while accept(.symbol("~")) { left = .binary("~", left, try parseMath2()) }
        return left
    }

    mutating func parseMath2() throws -> Expression {
        var left = try parsePow()
        while case .symbol(let op) = current, ["*", "/", "//", "%"].contains(op) {
            index += 1
            left = .binary(op, left, try parsePow())
        }
        return left
    }

    mutating func parsePow() throws -> Expression {
        var left = try parseUnary()
        while accept(.symbol("**")) { left = .binary("**", left, try parseUnary()) }
        return left
    }

    mutating func parseUnary() throws -> Expression {
        if accept(.symbol("-")) { return try parseFilters(.unary("-", try parseUnary(withFilters: false))) }
        if accept(.symbol("+")) { return try parseFilters(try parseUnary(withFilters: false)) }
        return try parseFilters(try parsePostfix(try parsePrimary()))
    }

    mutating func parseUnary(withFilters: Bool) throws -> Expression {
        if accept(.symbol("-")) {
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw error("expressions nest deeper than \(Self.maxDepth) levels") }
            return .unary("-", try parseUnary(withFilters: false))
        }
        let node = try parsePostfix(try parsePrimary())
        return withFilters ? try parseFilters(node) : node
    }

    mutating func parsePrimary() throws -> Expression {
        guard let token = current else { throw error("expected an expression") }
        index += 1
        switch token {
        case .name(let name):
            switch name {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .variable(name)
            }
        case .string(var text):
            while case .string(let more) = current { text += more; index += 1 }
            return .literal(.string(text))
        case .integer(let value): return .literal(.integer(value))
        case .number(let value): return .literal(.double(value))
        case .symbol("("):
            if accept(.symbol(")")) { return .list([]) }
            let first = try parseExpression()
            if accept(.symbol(",")) {
                var items = [first]
                while !accept(.symbol(")")) {
                    items.append(try parseExpression())
                    if !accept(.symbol(",")) { try expect(.symbol(")")); break }
                }
                return .list(items)
            }
            try expect(.symbol(")"))
            return first
        case .symbol("["):
            var items: [Expression] = []
            while !accept(.symbol("]")) {
                items.append(try parseExpression())
                if !accept(.symbol(",")) { try expect(.symbol("]")); break }
            }
            return .list(items)
        case .symbol("{"):
            var pairs: [(Expression, Expression)] = []
            while !accept(.symbol("}")) {
                let key = try parseExpression()
                try expect(.symbol(":"))
                pairs.append((key, try parseExpression()))
                if !accept(.symbol(",")) { try expect(.symbol("}")); break }
            }
            return .dictionary(pairs)
        default:
            throw error("unexpected \(describe(token))")
        }
    }

    mutating func parsePostfix(_ base: Expression) throws -> Expression {
        var node = base
        while true {
            if accept(.symbol(".")) {
                if case .integer(let value) = current {
                    index += 1
                    node = .item(node, .literal(.integer(value)))
                } else {
                    node = .attribute(node, try name())
                }
            } else if accept(.symbol("[")) {
                node = try parseSubscript(node)
            } else if current == .symbol("(") {
                node = try parseCall(node)
            } else {
                return node
            }
        }
    }

    mutating func parseSubscript(_ base: Expression) throws -> Expression {
        var parts: [Expression?] = [nil]
        var isSlice = false
        while !accept(.symbol("]")) {
            if accept(.symbol(":")) {
                isSlice = true
                parts.append(nil)
            } else {
                parts[parts.count - 1] = try parseExpression()
            }
        }
        guard isSlice else {
            guard let key = parts[0] else { throw error("an empty subscript") }
            return .item(base, key)
        }
        while parts.count < 3 { parts.append(nil) }
        return .slice(base, parts[0], parts[1], parts[2])
    }

    mutating func parseArguments() throws -> ([Expression], [(String, Expression)]) {
        try expect(.symbol("("))
        var positional: [Expression] = []
        var named: [(String, Expression)] = []
        while !accept(.symbol(")")) {
            if case .name(let key) = current, index + 1 < tokens.count, tokens[index + 1] == .symbol("=") {
                index += 2
                named.append((key, try parseExpression()))
            } else {
                positional.append(try parseExpression())
            }
            if !accept(.symbol(",")) { try expect(.symbol(")")); break }
        }
        return (positional, named)
    }

    mutating func parseCall(_ callee: Expression) throws -> Expression {
        let (positional, named) = try parseArguments()
        switch callee {
        case .variable(let function): used.calls.append((function, line))
        case .attribute(_, let method): used.methods.append((method, line))
        default: break
        }
        return .call(callee, positional, named)
    }

    mutating func parseFilters(_ base: Expression) throws -> Expression {
        var node = base
        while true {
            if accept(.symbol("|")) {
                var filterName = try name()
                while accept(.symbol(".")) { filterName += "." + (try name()) }
                used.filters.append((filterName, line))
                let (positional, named) = current == .symbol("(") ? try parseArguments() : ([], [])
                node = .filter(node, filterName, positional, named)
            } else if accept(.name("is")) {
                let negated = accept(.name("not"))
                let testName = try name()
                used.tests.append((testName, line))
                var arguments: [Expression] = []
                if current == .symbol("(") {
                    arguments = try parseArguments().0
                } else if let token = current, !isEndOfTestArgument(token) {
                    arguments = [try parsePostfix(try parsePrimary())]
                }
                node = .test(node, testName, arguments, negated: negated)
            } else if current == .symbol("(") {
                node = try parseCall(node)
            } else {
                return node
            }
        }
    }

    func isEndOfTestArgument(_ token: Token) -> Bool {
        switch token {
        case .name(let name): return ["else", "or", "and", "if", "in", "not", "is"].contains(name)
        case .symbol(let symbol): return !["(", "[", "{", "-"].contains(symbol)
        default: return false
        }
    }
}
