/// Recognises Python literals in text, as `ast.literal_eval` accepts them (numbers with an
/// optional sign, strings, True/False/None, tuples, lists, sets and dicts of literals, in
/// parentheses too), so that examples read from prose can be told from prose.
enum PythonLiteral {
    static func isLiteral(_ text: Substring) -> Bool {
        var parser = Parser(Array(text))
        return parser.literal() && parser.atEnd
    }

    /// A call's argument list: literals and `name=literal`, comma-separated.
    static func isArguments(_ text: Substring) -> Bool {
        var parser = Parser(Array(text))
        repeat {
            parser.skipSpaces()
            if parser.atEnd { return true }  // a trailing comma
            parser.keyword()
            guard parser.literal() else { return false }
        } while parser.take(",")
        return parser.atEnd
    }

    /// Whether brackets pair up and every string closes.
    static func isBalanced(_ text: Substring) -> Bool {
        walk(text, from: text.startIndex).balanced
    }

    /// The index of the bracket that closes the one at `open`, skipping strings.
    static func matchingClose(_ text: Substring, open: Substring.Index) -> Substring.Index? {
        walk(text, from: open, stopAtClose: true).firstClose
    }

    /// Walks `text` from `start`, skipping strings: where the brackets opened so far first all
    /// close (where the walk ends, with `stopAtClose`), and whether the whole rest pairs up (a
    /// wrong closer or an open string ends the walk).
    static func walk(_ text: Substring, from start: Substring.Index, stopAtClose: Bool = false) -> (firstClose: Substring.Index?, balanced: Bool) {
        var depth: [Character] = []
        var firstClose: Substring.Index? = nil
        var index = start
        while index < text.endIndex {
            let character = text[index]
            if character == "\"" || character == "'" {
                guard let end = stringEnd(text, from: index) else { return (nil, false) }
                index = end
                continue
            }
            if let close = closers[character] { depth.append(close) }
            if closers.values.contains(character) {
                guard depth.popLast() == character else { return (nil, false) }
                if depth.isEmpty, firstClose == nil {
                    firstClose = index
                    if stopAtClose { return (index, true) }
                }
            }
            index = text.index(after: index)
        }
        return (firstClose, depth.isEmpty)
    }

    static let closers: [Character: Character] = ["(": ")", "[": "]", "{": "}"]

    /// The index after the string that starts at `start` (a quote), or nil when it does not close.
    static func stringEnd(_ text: Substring, from start: Substring.Index) -> Substring.Index? {
        let quote = text[start]
        var index = text.index(after: start)
        while index < text.endIndex {
            if text[index] == "\\" {
                index = text.index(after: index)
                if index < text.endIndex { index = text.index(after: index) }
                continue
            }
            if text[index] == quote { return text.index(after: index) }
            index = text.index(after: index)
        }
        return nil
    }

    private struct Parser {
        let characters: [Character]
        var position = 0

        init(_ characters: [Character]) { self.characters = characters }

        var atEnd: Bool {
            mutating get { skipSpaces(); return position == characters.count }
        }

        mutating func skipSpaces() {
            while position < characters.count, characters[position] == " " || characters[position] == "\t" { position += 1 }
        }

        mutating func take(_ character: Character) -> Bool {
            skipSpaces()
            guard position < characters.count, characters[position] == character else { return false }
            position += 1
            return true
        }

        /// Consumes `name=` (not `==`) if it comes next.
        mutating func keyword() {
            skipSpaces()
            var end = position
            while end < characters.count, characters[end].isLetter || characters[end] == "_" || (end > position && characters[end].isNumber) { end += 1 }
            var after = end
            while after < characters.count, characters[after] == " " { after += 1 }
            if end > position, after < characters.count, characters[after] == "=",
               after + 1 == characters.count || characters[after + 1] != "=" {
                position = after + 1
            }
        }

        mutating func literal() -> Bool {
            skipSpaces()
            guard position < characters.count else { return false }
            let character = characters[position]
            switch character {
            case "(": return sequence(close: ")")
            case "[": return sequence(close: "]")
            case "{": return mapping()
            case "\"", "'": return strings()
            case "-", "+":
                position += 1
                skipSpaces()
                return number()
            default:
                if character.isNumber || character == "." { return number() }
                if (character == "r" || character == "b" || character == "u" || character == "R" || character == "B"),
                   position + 1 < characters.count, characters[position + 1] == "\"" || characters[position + 1] == "'" {
                    position += 1
                    return strings()
                }
                for word in ["True", "False", "None"] where matches(word) {
                    position += word.count
                    return true
                }
                return false
            }
        }

        func matches(_ word: String) -> Bool {
            let end = position + word.count
            guard end <= characters.count, String(characters[position..<end]) == word else { return false }
            return end == characters.count || !(characters[end].isLetter || characters[end].isNumber || characters[end] == "_")
        }

        mutating func number() -> Bool {
            let start = position
            while position < characters.count, characters[position].isHexDigit || "._xXoObB".contains(characters[position]) { position += 1 }
            // An exponent's sign, and the j of a complex number.
            if position < characters.count, characters[position] == "+" || characters[position] == "-",
               position > start, "eE".contains(characters[position - 1]), !String(characters[start..<position]).lowercased().hasPrefix("0x") {
                position += 1
                while position < characters.count, characters[position].isNumber { position += 1 }
            }
            if position < characters.count, characters[position] == "j" || characters[position] == "J" { position += 1 }
            let text = String(characters[start..<position]).replacingOccurrences(of: "_", with: "").lowercased()
            guard !text.isEmpty, text.contains(where: \.isNumber) else { return false }
            if text.hasPrefix("0x") { return text.count > 2 && text.dropFirst(2).allSatisfy(\.isHexDigit) }
            if text.hasPrefix("0b") { return text.count > 2 && text.dropFirst(2).allSatisfy { $0 == "0" || $0 == "1" } }
            if text.hasPrefix("0o") { return text.count > 2 && text.dropFirst(2).allSatisfy { ("0"..."7").contains($0) } }
            let body = text.hasSuffix("j") ? String(text.dropLast()) : text
            return Double(body) != nil && !body.contains("x") && !body.hasPrefix("+") && !body.hasPrefix("-")
        }

        /// One or more adjacent string literals.
        mutating func strings() -> Bool {
            var any = false
            while position < characters.count, characters[position] == "\"" || characters[position] == "'" {
                let quote = characters[position]
                position += 1
                var closed = false
                while position < characters.count {
                    if characters[position] == "\\" { position += 2; continue }
                    if characters[position] == quote { position += 1; closed = true; break }
                    position += 1
                }
                guard closed else { return false }
                any = true
                skipSpaces()
            }
            return any
        }

        /// `( ... )` or `[ ... ]`: literals separated by commas.
        mutating func sequence(close: Character) -> Bool {
            position += 1
            if take(close) { return true }
            repeat {
                if take(close) { return true }  // a trailing comma
                guard literal() else { return false }
            } while take(",")
            return take(close)
        }

        /// `{ ... }`: a set of literals or a dict of literal: literal.
        mutating func mapping() -> Bool {
            position += 1
            if take("}") { return true }
            repeat {
                if take("}") { return true }
                guard literal() else { return false }
                if take(":") { guard literal() else { return false } }
            } while take(",")
            return take("}")
        }
    }
}
