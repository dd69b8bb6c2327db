import Foundation

/// Reading HF tokenizers' tokenizer.json (tokenizers/src/tokenizer/serialization.rs) for BPE models,
/// as transformers' converters and the tokenizers library write them: byte-level (GPT-2, CodeGen,
/// Qwen2, StarCoder, DeepSeek-Coder, Llama-3) and SentencePiece-style with byte fallback (Llama-2,
/// CodeLlama, Mistral), with their added tokens, post-processor and decoder, and the bos/eos of
/// tokenizer_config.json beside it. An option set to its no-op value is accepted; an option codeloop
/// does not implement is refused by name.
extension Tokenizer {
    /// A merge's parts: "a b" (tokenizers < 0.20) or ["a", "b"] (0.20 on, where a part may hold a space).
    static func mergeParts(_ merge: Any) -> [String]? {
        if let text = merge as? String { return text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) }
        return merge as? [String]
    }

    /// Token ids a tokenizer.json may use: below 2^24, far past any vocabulary (tables are sized by
    /// the largest id, and are 32-bit).
    static let idLimit = 1 << 24

    public static func load(tokenizerJSON path: String) throws -> Tokenizer {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError("\(path): cannot be read")
        }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TokenizerError("\(path): malformed JSON")
        }
        guard let model = root["model"] as? [String: Any] else {
            throw TokenizerError("\(path): missing field \"model\"")
        }
        let type = model["type"] as? String ?? (model["merges"] != nil ? "BPE" : "unknown")
        guard type == "BPE" else {
            throw TokenizerError("\(path): unsupported tokenizer type \"\(type)\" (codeloop reads BPE)")
        }
        for option in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = model[option], !(value is NSNull), value as? String != "" {
                throw TokenizerError("\(path): unsupported BPE option \"\(option)\"")
            }
        }
        if let dropout = model["dropout"], !(dropout is NSNull), (dropout as? Double).map({ $0 != 0 }) ?? true {
            throw TokenizerError("\(path): unsupported BPE option \"dropout\"")
        }
        let normalizer = try Normalizer.parse(root["normalizer"], path: path)
        let steps = try preTokenizerSteps(root["pre_tokenizer"], path: path)
        let decoding = try Decoding(root["decoder"], path: path)
        let byteLevel = decoding.byteLevel || steps.contains { if case .scanner = $0 { return true } else { return false } }
            || hasByteLevelStep(root["pre_tokenizer"])
        guard let vocabulary = model["vocab"] as? [String: Int] else {
            throw TokenizerError("\(path): missing or malformed field \"model.vocab\"")
        }
        var addedTokens: [AddedToken] = []
        for (index, entry) in ((root["added_tokens"] as? [[String: Any]]) ?? []).enumerated() {
            guard let content = entry["content"] as? String, let id = entry["id"] as? Int, (0..<Self.idLimit).contains(id) else {
                throw TokenizerError("\(path): added_tokens[\(index)] needs \"content\" and an \"id\" from 0 to \(Self.idLimit - 1)")
            }
            addedTokens.append(AddedToken(id: id, content: content, special: entry["special"] as? Bool ?? false,
                                          normalized: entry["normalized"] as? Bool ?? false, lstrip: entry["lstrip"] as? Bool ?? false,
                                          rstrip: entry["rstrip"] as? Bool ?? false, singleWord: entry["single_word"] as? Bool ?? false))
        }
        let addedContents = Set(addedTokens.map(\.content))

        var table = TokenTable()
        var tokenBytes: [Int: [UInt8]] = [:]
        for (token, id) in vocabulary {
            guard (0..<Self.idLimit).contains(id) else {
                throw TokenizerError("\(path): model.vocab gives \"\(token)\" the id \(id), not one from 0 to \(Self.idLimit - 1)")
            }
            if byteLevel {
                guard let bytes = ByteLevel.bytes(of: token) else {
                    if addedContents.contains(token) { continue }
                    throw TokenizerError("\(path): vocab token \"\(token)\" is not in the byte-level alphabet")
                }
                table.insert(bytes, id: id)
                tokenBytes[id] = bytes
            } else {
                table.insert(Array(token.utf8), id: id)
                tokenBytes[id] = decoding.bytes(ofPiece: token)
            }
        }
        for token in addedTokens { tokenBytes[token.id] = Array(token.content.utf8) }

        var byteIDs: [Int] = []
        var symbols = Symbols.bytes
        if byteLevel {
            for byte in 0..<256 {
                guard let id = table.id([UInt8(byte)]) else {
                    throw TokenizerError("\(path): vocab has no token for byte \(byte) (not a byte-level vocabulary)")
                }
                byteIDs.append(id)
            }
        } else {
            var fallback: [Int]? = nil
            if model["byte_fallback"] as? Bool == true {
                fallback = try (0..<256).map { byte in
                    let name = String(format: "<0x%02X>", byte)
                    guard let id = vocabulary[name] else {
                        throw TokenizerError("\(path): byte_fallback is on but the vocab has no token \(name)")
                    }
                    return id
                }
            }
            let unknown = (model["unk_token"] as? String).flatMap { vocabulary[$0] }
            symbols = .characters(byteFallback: fallback, unknown: unknown, fuseUnknown: model["fuse_unk"] as? Bool ?? false)
        }

        var merges: [UInt64: (rank: Int32, id: Int32)] = [:]
        for (rank, merge) in ((model["merges"] as? [Any]) ?? []).enumerated() {
            guard let pair = mergeParts(merge) else {
                throw TokenizerError("\(path): model.merges[\(rank)] is neither \"a b\" nor [a, b]")
            }
            guard pair.count == 2, let left = vocabulary[pair[0]], let right = vocabulary[pair[1]],
                  let merged = vocabulary[pair[0] + pair[1]] else {
                throw TokenizerError("\(path): model.merges[\(rank)] names tokens missing from the vocab")
            }
            let key = MergeRule.pairKey(left, right)
            if merges[key] == nil { merges[key] = (Int32(rank), Int32(merged)) }
        }
        let maxID = max(tokenBytes.keys.max() ?? -1, addedTokens.map(\.id).max() ?? -1)
        var bytesByID = [[UInt8]](repeating: [], count: maxID + 1)
        for (id, bytes) in tokenBytes { bytesByID[id] = bytes }

        let idOf: (String) -> Int? = { name in vocabulary[name] ?? addedTokens.first { $0.content == name }?.id }
        var (prefix, suffix) = try postProcessor(root["post_processor"], idOf: idOf, path: path)
        let config = try TokenizerConfig.load(beside: path)
        let bos = config?.bos.flatMap(idOf), eos = config?.eos.flatMap(idOf)
        if let config, config.appliesBOSAndEOSFlags {
            // LlamaTokenizerFast rebuilds its template from these flags when it loads (update_post_processor).
            if let addBOS = config.addBOS { prefix = addBOS ? bos.map { [$0] } ?? [] : [] }
            if let addEOS = config.addEOS { suffix = addEOS ? eos.map { [$0] } ?? [] : [] }
        }
        return Tokenizer(name: (path as NSString).lastPathComponent, normalizer: normalizer, steps: steps,
                         encoder: BytePairEncoder(table: table, rule: .mergeList(merges), byteIDs: byteIDs),
                         symbols: symbols, tokenBytes: bytesByID, addedTokens: addedTokens, specialTokensByDefault: true,
                         ignoreMerges: model["ignore_merges"] as? Bool ?? false, prefixIDs: prefix, suffixIDs: suffix,
                         bos: bos, eos: eos, stripsLeadingSpaces: decoding.strip)
    }

    private static func hasByteLevelStep(_ value: Any?) -> Bool {
        guard let object = value as? [String: Any] else { return false }
        if object["type"] as? String == "ByteLevel" { return true }
        return (object["pretokenizers"] as? [Any] ?? []).contains { hasByteLevelStep($0) }
    }

    static func preTokenizerSteps(_ value: Any?, path: String) throws -> [PreTokenizerStep] {
        guard let object = value as? [String: Any] else { return [] }
        let type = object["type"] as? String ?? "?"
        switch type {
        case "ByteLevel":
            if object["add_prefix_space"] as? Bool == true {
                throw TokenizerError("\(path): unsupported pre_tokenizer option add_prefix_space")
            }
            return object["use_regex"] as? Bool ?? true ? [.scanner(.gpt2)] : []
        case "Split":
            guard object["behavior"] as? String == "Isolated", object["invert"] as? Bool != true else {
                throw TokenizerError("\(path): unsupported Split behaviour \"\(object["behavior"] as? String ?? "?")\" in pre_tokenizer")
            }
            let pattern = object["pattern"] as? [String: Any]
            if let regex = pattern?["Regex"] as? String {
                if let scanner = PreTokenizer(pattern: regex) { return [.scanner(scanner)] }
                return [.regex(try RegexSplitter(pattern: regex, path: path))]
            }
            if let literal = pattern?["String"] as? String {
                return [.regex(try RegexSplitter(pattern: NSRegularExpression.escapedPattern(for: literal), path: path))]
            }
            throw TokenizerError("\(path): pre_tokenizer Split needs a pattern")
        case "Digits":
            return [.digits(individual: object["individual_digits"] as? Bool ?? false)]
        case "Metaspace":
            let replacement = object["replacement"] as? String ?? "▁"
            var scheme = PreTokenizerStep.PrependScheme(rawValue: object["prepend_scheme"] as? String ?? "always")
            if object["add_prefix_space"] as? Bool == false { scheme = .never }
            guard let scheme else {
                throw TokenizerError("\(path): unsupported Metaspace prepend_scheme \"\(object["prepend_scheme"] ?? "?")\"")
            }
            return [.metaspace(replacement: replacement, prepend: scheme, split: object["split"] as? Bool ?? true)]
        case "Sequence":
            return try (object["pretokenizers"] as? [Any] ?? []).flatMap { try preTokenizerSteps($0, path: path) }
        default:
            throw TokenizerError("\(path): unsupported pre_tokenizer type \"\(type)\"")
        }
    }

    /// The ids the post-processor's single-sequence template puts before and after the text.
    static func postProcessor(_ value: Any?, idOf: (String) -> Int?, path: String) throws -> (prefix: [Int], suffix: [Int]) {
        guard let object = value as? [String: Any] else { return ([], []) }
        let type = object["type"] as? String ?? "?"
        switch type {
        case "ByteLevel": return ([], [])
        case "TemplateProcessing":
            let specials = object["special_tokens"] as? [String: [String: Any]] ?? [:]
            var prefix: [Int] = [], suffix: [Int] = [], seenSequence = false
            for item in object["single"] as? [[String: Any]] ?? [] {
                if item["Sequence"] != nil {
                    seenSequence = true
                } else if let name = (item["SpecialToken"] as? [String: Any])?["id"] as? String {
                    guard let ids = specials[name]?["ids"] as? [Int] ?? idOf(name).map({ [$0] }) else {
                        throw TokenizerError("\(path): post_processor names special token \"\(name)\" it does not define")
                    }
                    if seenSequence { suffix += ids } else { prefix += ids }
                }
            }
            return (prefix, suffix)
        case "RobertaProcessing", "BertProcessing":
            guard let cls = (object["cls"] as? [Any])?.last as? Int, let sep = (object["sep"] as? [Any])?.last as? Int else {
                throw TokenizerError("\(path): post_processor \(type) needs \"cls\" and \"sep\"")
            }
            return ([cls], [sep])
        case "Sequence":
            var prefix: [Int] = [], suffix: [Int] = []
            for processor in object["processors"] as? [Any] ?? [] {
                let (p, s) = try postProcessor(processor, idOf: idOf, path: path)
                prefix += p
                suffix = s + suffix
            }
            return (prefix, suffix)
        default:
            throw TokenizerError("\(path): unsupported post_processor type \"\(type)\"")
        }
    }
}

/// What the decoder chain does to token text, as far as a token's bytes go: ByteLevel maps the
/// byte alphabet back; Replace("▁", " ") or Metaspace spells spaces; ByteFallback turns `<0xNN>`
/// into its byte; Fuse joins; Strip (or Metaspace's prepend scheme) drops the leading space that
/// encoding prepended.
struct Decoding {
    var byteLevel = false
    var spaceSymbol: String?
    var byteFallback = false
    var strip = 0

    init(_ value: Any?, path: String) throws {
        try read(value, path: path)
    }

    init(spaceSymbol: String?, byteFallback: Bool, strip: Int) {
        self.spaceSymbol = spaceSymbol
        self.byteFallback = byteFallback
        self.strip = strip
    }

    private mutating func read(_ value: Any?, path: String) throws {
        guard let object = value as? [String: Any] else { return }
        let type = object["type"] as? String ?? "?"
        switch type {
        case "ByteLevel": byteLevel = true
        case "ByteFallback": byteFallback = true
        case "Fuse": break
        case "Replace":
            guard let pattern = (object["pattern"] as? [String: Any])?["String"] as? String, object["content"] as? String == " " else {
                throw TokenizerError("\(path): unsupported decoder Replace (codeloop reads a symbol replaced by a space)")
            }
            spaceSymbol = pattern
        case "Strip":
            guard object["content"] as? String == " ", object["stop"] as? Int ?? 0 == 0 else {
                throw TokenizerError("\(path): unsupported decoder Strip (codeloop reads leading spaces only)")
            }
            strip = object["start"] as? Int ?? 0
        case "Metaspace":
            spaceSymbol = object["replacement"] as? String ?? "▁"
            let scheme = object["prepend_scheme"] as? String ?? (object["add_prefix_space"] as? Bool == false ? "never" : "always")
            if scheme != "never" { strip = 1 }
        case "Sequence":
            for step in object["decoders"] as? [Any] ?? [] { try read(step, path: path) }
        default:
            throw TokenizerError("\(path): unsupported decoder type \"\(type)\"")
        }
    }

    /// The bytes a SentencePiece-style vocabulary piece stands for.
    func bytes(ofPiece piece: String) -> [UInt8] {
        if byteFallback, piece.count == 6, piece.hasPrefix("<0x"), piece.hasSuffix(">"),
           let byte = UInt8(piece.dropFirst(3).prefix(2), radix: 16) {
            return [byte]
        }
        guard let spaceSymbol else { return Array(piece.utf8) }
        return Array(piece.replacingScalars(spaceSymbol, with: " ").utf8)
    }
}

/// The fields of transformers' tokenizer_config.json that change what a model is fed.
struct TokenizerConfig {
    var bos: String?
    var eos: String?
    var addBOS: Bool?
    var addEOS: Bool?
    var tokenizerClass: String?
    /// `chat_template`: its text and where in the file it came from (the "default" of named templates).
    var chatTemplate: (text: String, source: String)?

    /// Classes whose fast tokenizer rebuilds its template from add_bos_token / add_eos_token.
    var appliesBOSAndEOSFlags: Bool {
        guard let tokenizerClass else { return false }
        return ["LlamaTokenizer", "CodeLlamaTokenizer", "GemmaTokenizer"].contains { tokenizerClass.hasPrefix($0) }
    }

    static func load(beside tokenizerJSON: String) throws -> TokenizerConfig? {
        let path = (tokenizerJSON as NSString).deletingLastPathComponent + "/tokenizer_config.json"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TokenizerError("\(path): malformed JSON")
        }
        func token(_ key: String) throws -> String? {
            switch json[key] {
            case nil, is NSNull: return nil
            case let text as String: return text
            case let object as [String: Any]:
                guard let content = object["content"] as? String else {
                    throw TokenizerError("\(path): field \"\(key)\" has no \"content\"")
                }
                return content
            default: throw TokenizerError("\(path): field \"\(key)\" is neither a string nor a token object")
            }
        }
        func flag(_ key: String) throws -> Bool? {
            guard let value = json[key], !(value is NSNull) else { return nil }
            guard let flag = value as? Bool else { throw TokenizerError("\(path): field \"\(key)\" is not true or false") }
            return flag
        }
        func chatTemplate() throws -> (text: String, source: String)? {
            switch json["chat_template"] {
            case nil, is NSNull:
                return nil
            case let text as String:
                return (text, path + " chat_template")
            case let named as [[String: Any]]:
                guard let entry = named.first(where: { $0["name"] as? String == "default" }), let text = entry["template"] as? String else {
                    throw TokenizerError("\(path): chat_template lists templates but none named \"default\"")
                }
                return (text, path + " chat_template (default)")
            default:
                throw TokenizerError("\(path): chat_template is neither a string nor a list of named templates")
            }
        }
        return TokenizerConfig(bos: try token("bos_token"), eos: try token("eos_token"), addBOS: try flag("add_bos_token"),
                               addEOS: try flag("add_eos_token"), tokenizerClass: json["tokenizer_class"] as? String,
                               chatTemplate: try chatTemplate())
    }
}

extension Tokenizer {
    /// A tokenizer.json with `names` appended as special added tokens, after every id it uses (as
    /// HF's `tokenizer.add_special_tokens` saves them); names it has already are left alone.
    public static func tokenizerJSON(_ data: Data, path: String, addingSpecial names: [String]) throws -> Data {
        guard var root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TokenizerError("\(path): malformed JSON")
        }
        var added = (root["added_tokens"] as? [[String: Any]]) ?? []
        let vocabulary = ((root["model"] as? [String: Any])?["vocab"] as? [String: Int]) ?? [:]
        var next = max(vocabulary.values.max() ?? -1, added.compactMap { $0["id"] as? Int }.max() ?? -1) + 1
        let present = Set(added.compactMap { $0["content"] as? String })
        for name in names where !present.contains(name) && vocabulary[name] == nil {
            added.append(["id": next, "content": name, "single_word": false, "lstrip": false, "rstrip": false,
                          "normalized": false, "special": true])
            next += 1
        }
        root["added_tokens"] = added
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
    }
}
