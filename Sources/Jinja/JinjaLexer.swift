// The subset of Jinja2's lexer (jinja2/lexer.py) that chat templates need, with the settings
// transformers renders them with: trim_blocks and lstrip_blocks on, newlines normalised to "\n",
// and one trailing newline of the template dropped (keep_trailing_newline off).

/// A mistake in a template, or one it raises while rendering: one line naming what and where.
public struct TemplateError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One piece of a template: text to copy, or the tokens of a `{{ ... }}` or `{% ... %}` tag.
enum Segment {
    case text(String)
    case output([Token], line: Int)
    case statement([Token], line: Int)
}

/// A token inside a tag.
enum Token: Equatable {
    case name(String)
    case string(String)
    case integer(Int)
    case number(Double)
    case symbol(String)
}

enum JinjaLexer {
    static func segments(_ template: String) throws -> [Segment] {
        // Jinja2 splits on \r\n, \r and \n and joins with \n, leaving off one final newline.
        var source = template.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        if source.hasSuffix("\n") { source.removeLast() }
        let text = Array(source.unicodeScalars)
        var segments: [Segment] = []
        var position = 0, line = 1
        var lineStarting = true
        var pendingText = ""
        func flushText() {
            if !pendingText.isEmpty { segments.append(.text(pendingText)) }
            pendingText = ""
        }
        while position < text.count {
            guard let open = findOpening(text, from: position) else {
                pendingText += String(String.UnicodeScalarView(text[position...]))
                break
            }
            var before = String(String.UnicodeScalarView(text[position..<open]))
            let kind = text[open + 1]  // "{", "%" or "#"
            var inner = open + 2
            var sign: Character? = nil
            if inner < text.count, text[inner] == "-" || text[inner] == "+" { sign = Character(text[inner]); inner += 1 }
            if sign == "-" {
                before = String(before.reversed().drop { $0.isWhitespace }.reversed())
            } else if sign != "+" && kind != "{" {
                // lstrip_blocks: spaces and tabs from the line's start to a block or comment tag go.
                let lastNewline = before.lastIndex(of: "\n")
                if lastNewline != nil || lineStarting {
                    let start = lastNewline.map { before.index(after: $0) } ?? before.startIndex
                    if before[start...].allSatisfy({ $0.isWhitespace }) { before = String(before[..<start]) }
                }
            }
            line += before.filter { $0 == "\n" }.count
            pendingText += before
            if kind == "#" {
                guard let close = find(text, "#}", from: inner) else { throw TemplateError("line \(line): missing end of comment tag") }
                let comment = String(String.UnicodeScalarView(text[inner..<close]))
                line += comment.filter { $0 == "\n" }.count
                let (after, endsLine) = tagEnd(text, close: close, stripSign: close > inner && text[close - 1] == "-" ? "-" : (close > inner && text[close - 1] == "+" ? "+" : nil), trims: true)
                position = after
                lineStarting = endsLine
                continue
            }
            flushText()
            let closing = kind == "{" ? "}}" : "%}"
            let (tokens, close, rightSign) = try tokenize(text, from: inner, closing: closing, line: line)
            let tagText = String(String.UnicodeScalarView(text[open..<close]))
            let startLine = line
            line += tagText.filter { $0 == "\n" }.count
            segments.append(kind == "{" ? .output(tokens, line: startLine) : .statement(tokens, line: startLine))
            let (after, endsLine) = tagEnd(text, close: close, stripSign: rightSign, trims: kind == "%")
            position = after
            lineStarting = endsLine
        }
        flushText()
        return segments
    }

    /// Where the next "{{", "{%" or "{#" starts.
    static func findOpening(_ text: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start
        while index + 1 < text.count {
            if text[index] == "{", text[index + 1] == "{" || text[index + 1] == "%" || text[index + 1] == "#" { return index }
            index += 1
        }
        return nil
    }

    static func find(_ text: [Unicode.Scalar], _ needle: String, from start: Int) -> Int? {
        let pattern = Array(needle.unicodeScalars)
        var index = start
        while index + pattern.count <= text.count {
            if Array(text[index..<index + pattern.count]) == pattern { return index }
            index += 1
        }
        return nil
    }

    /// The position after a tag's closing two characters at `close`, past the whitespace a "-"
    /// strips or the one newline trim_blocks removes; and whether that ends at a line's start.
    static func tagEnd(_ text: [Unicode.Scalar], close: Int, stripSign: Character?, trims: Bool) -> (Int, Bool) {
        var after = close + 2
        if stripSign == "-" {
            while after < text.count, Character(text[after]).isWhitespace { after += 1 }
        } else if stripSign != "+" && trims, after < text.count, text[after] == "\n" {
            after += 1
        }
        return (after, after > 0 && text[after - 1] == "\n")
    }

    /// The tokens of a tag up to its closing "}}" or "%}" (with an optional "-" or "+" before it).
    static func tokenize(_ text: [Unicode.Scalar], from start: Int, closing: String, line: Int) throws -> ([Token], close: Int, sign: Character?) {
        var tokens: [Token] = []
        var index = start
        let closeScalars = Array(closing.unicodeScalars)
        func at(_ offset: Int) -> Unicode.Scalar? { index + offset < text.count ? text[index + offset] : nil }
        while index < text.count {
            let scalar = text[index]
            if Character(scalar).isWhitespace { index += 1; continue }
            for sign in ["-", "+"] where scalar == Unicode.Scalar(sign)! && at(1) == closeScalars[0] && at(2) == closeScalars[1] {
                return (tokens, index + 1, Character(sign))
            }
            if scalar == closeScalars[0] && at(1) == closeScalars[1] { return (tokens, index, nil) }
            if scalar == "_" || scalar.properties.isAlphabetic && scalar.isASCII {
                var name = ""
                while let next = at(0), next == "_" || next.isASCII && (next.properties.isAlphabetic || next.properties.numericType != nil) {
                    name.unicodeScalars.append(next)
                    index += 1
                }
                tokens.append(.name(name))
            } else if scalar.isASCII && scalar.properties.numericType != nil {
                var digits = ""
                var isFloat = false
                while let next = at(0), next.isASCII && next.properties.numericType != nil || next == "_"
                        || (next == "." && !isFloat && at(1).map { $0.isASCII && $0.properties.numericType != nil } == true) {
                    if next == "." { isFloat = true }
                    if next != "_" { digits.unicodeScalars.append(next) }
                    index += 1
                }
                if let e = at(0), e == "e" || e == "E" {
                    isFloat = true
                    digits += "e"
                    index += 1
                    if let s = at(0), s == "+" || s == "-" { digits.unicodeScalars.append(s); index += 1 }
                    while let next = at(0), next.isASCII && next.properties.numericType != nil { digits.unicodeScalars.append(next); index += 1 }
                }
                if isFloat {
                    tokens.append(.number(Double(digits) ?? 0))
                } else {
                    guard let value = Int(digits) else { throw TemplateError("line \(line): integer \(digits) is too large") }
                    tokens.append(.integer(value))
                }
            } else if scalar == "'" || scalar == "\"" {
                index += 1
                var value = ""
                var closed = false
                while let next = at(0) {
                    index += 1
                    if next == scalar { closed = true; break }
                    if next == "\\", let escaped = at(0) {
                        index += 1
                        switch escaped {
                        case "n": value += "\n"
                        case "t": value += "\t"
                        case "r": value += "\r"
                        case "\\": value += "\\"
                        case "'": value += "'"
                        case "\"": value += "\""
                        case "0": value += "\0"
                        case "\n": break
                        case "u", "x", "U":
                            let count = escaped == "x" ? 2 : escaped == "u" ? 4 : 8
                            var hex = ""
                            for _ in 0..<count { if let h = at(0) { hex.unicodeScalars.append(h); index += 1 } }
                            guard let code = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(code) else {
                                throw TemplateError("line \(line): bad escape \\\(escaped)\(hex) in a string")
                            }
                            value.unicodeScalars.append(decoded)
                        default:
                            value += "\\"
                            value.unicodeScalars.append(escaped)
                        }
                    } else {
                        value.unicodeScalars.append(next)
                    }
                }
                guard closed else { throw TemplateError("line \(line): unterminated string") }
                tokens.append(.string(value))
            } else {
                let two = at(1).map { String(scalar) + String($0) } ?? ""
                if ["==", "!=", "<=", ">=", "//", "**"].contains(two) {
                    tokens.append(.symbol(two))
                    index += 2
                } else if "+-*/%~[](){}<>=.:|,;".unicodeScalars.contains(scalar) {
                    tokens.append(.symbol(String(scalar)))
                    index += 1
                } else {
                    throw TemplateError("line \(line): unexpected character '\(scalar)'")
                }
            }
        }
        throw TemplateError("line \(line): missing \(closing)")
    }
}
