import Foundation
import ModelFiles

/// The tokenizer a GGUF file carries in its metadata (llama.cpp's llama-vocab.cpp): byte-level BPE
/// (`tokenizer.ggml.model` "gpt2": tokens, merges, and the pre-tokenizer by name) or SentencePiece
/// BPE ("llama": tokens with scores, byte tokens <0xNN>), with token types, BOS/EOS and add_bos.
extension Tokenizer {
    public static func load(gguf path: String) throws -> Tokenizer {
        try load(gguf: try GGUFFile(path: path))
    }

    public static func load(gguf file: GGUFFile) throws -> Tokenizer {
        let path = file.path
        let model = try file.string("tokenizer.ggml.model")
        guard let tokens = file.metadata["tokenizer.ggml.tokens"]?.array?.compactMap(\.string), !tokens.isEmpty else {
            throw TokenizerError("\(path): metadata tokenizer.ggml.tokens is missing or not a list of strings")
        }
        let types = file.metadata["tokenizer.ggml.token_type"]?.array?.compactMap(\.int) ?? []
        guard types.isEmpty || types.count == tokens.count else {
            throw TokenizerError("\(path): tokenizer.ggml.token_type has \(types.count) entries for \(tokens.count) tokens")
        }
        // llama.cpp's token types: 2 unknown, 3 control, 4 user-defined, 6 byte.
        func type(_ id: Int) -> Int { types.isEmpty ? 1 : types[id] }
        var added: [AddedToken] = []
        for (id, token) in tokens.enumerated() where type(id) == 3 || type(id) == 4 {
            added.append(AddedToken(id: id, content: token, special: type(id) == 3))
        }
        let bos = file.metadata["tokenizer.ggml.bos_token_id"]?.int, eos = file.metadata["tokenizer.ggml.eos_token_id"]?.int
        let addBOS = { () -> Bool in
            if case .bool(let flag) = file.metadata["tokenizer.ggml.add_bos_token"] { return flag }
            return model == "llama"
        }()
        var table = TokenTable()
        var tokenBytes = [[UInt8]](repeating: [], count: tokens.count)
        var ids: [String: Int] = [:]
        for (id, token) in tokens.enumerated() { ids[token] = ids[token] ?? id }
        switch model {
        case "gpt2":
            for (id, token) in tokens.enumerated() {
                if type(id) == 3 || type(id) == 4 {
                    tokenBytes[id] = Array(token.utf8)
                    continue
                }
                // A token outside the byte-level alphabet (padding such as "<pad7>") no merge makes:
                // it decodes as its text and is never produced.
                guard let bytes = ByteLevel.bytes(of: token) else {
                    tokenBytes[id] = Array(token.utf8)
                    continue
                }
                table.insert(bytes, id: id)
                tokenBytes[id] = bytes
            }
            let byteIDs = try (0..<256).map { byte in
                guard let id = table.id([UInt8(byte)]) else { throw TokenizerError("\(path): no token for byte \(byte)") }
                return id
            }
            let merges = try (file.metadata["tokenizer.ggml.merges"]?.array ?? []).enumerated().map { rank, value -> (String, String) in
                let parts = value.string?.split(separator: " ", omittingEmptySubsequences: false) ?? []
                guard parts.count == 2 else { throw TokenizerError("\(path): tokenizer.ggml.merges[\(rank)] is not \"a b\"") }
                return (String(parts[0]), String(parts[1]))
            }
            let pre = file.metadata["tokenizer.ggml.pre"]?.string ?? "default"
            let (normalizer, steps) = try preTokenizer(named: pre, path: path)
            return Tokenizer(name: (path as NSString).lastPathComponent, normalizer: normalizer, steps: steps,
                             encoder: BytePairEncoder(table: table, rule: .mergeList(try mergeTable(merges, ids, path)), byteIDs: byteIDs),
                             tokenBytes: tokenBytes, addedTokens: added, specialTokensByDefault: true,
                             ignoreMerges: pre == "llama-bpe", prefixIDs: addBOS ? bos.map { [$0] } ?? [] : [], bos: bos, eos: eos)
        case "llama":
            let scores = file.metadata["tokenizer.ggml.scores"]?.array?.compactMap(\.double) ?? []
            guard scores.count == tokens.count else {
                throw TokenizerError("\(path): tokenizer.ggml.scores has \(scores.count) entries for \(tokens.count) tokens")
            }
            let decoding = Decoding(spaceSymbol: "▁", byteFallback: true, strip: 1)
            for (id, token) in tokens.enumerated() {
                table.insert(Array(token.utf8), id: id)
                tokenBytes[id] = type(id) == 3 || type(id) == 4 ? Array(token.utf8) : decoding.bytes(ofPiece: token)
            }
            let byteFallback = try (0..<256).map { byte in
                let name = String(format: "<0x%02X>", byte)
                guard let id = ids[name] else { throw TokenizerError("\(path): no byte token \(name)") }
                return id
            }
            // SentencePiece merges the pair whose merged piece scores highest; as a merge list (the
            // way transformers' converter makes one): every split of every normal piece into two pieces,
            // ranked by the merged piece's score.
            var merges: [(score: Double, id: Int, left: String, right: String)] = []
            for (id, token) in tokens.enumerated() where type(id) == 1 {
                let scalars = Array(token.unicodeScalars)
                for cut in 1..<max(scalars.count, 1) {
                    let left = String(String.UnicodeScalarView(scalars[..<cut])), right = String(String.UnicodeScalarView(scalars[cut...]))
                    if ids[left] != nil && ids[right] != nil { merges.append((scores[id], id, left, right)) }
                }
            }
            merges.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
            let addSpacePrefix = { () -> Bool in
                if case .bool(let flag) = file.metadata["tokenizer.ggml.add_space_prefix"] { return flag }
                return true
            }()
            let normalizer: Normalizer = addSpacePrefix ? .sequence([.prepend("▁"), .replace(" ", with: "▁")]) : .replace(" ", with: "▁")
            let unknown = file.metadata["tokenizer.ggml.unknown_token_id"]?.int ?? (0..<tokens.count).first { type($0) == 2 }
            return Tokenizer(name: (path as NSString).lastPathComponent, normalizer: normalizer, steps: [],
                             encoder: BytePairEncoder(table: table, rule: .mergeList(try mergeTable(merges.map { ($0.left, $0.right) }, ids, path)),
                                                      byteIDs: []),
                             symbols: .characters(byteFallback: byteFallback, unknown: unknown, fuseUnknown: true),
                             tokenBytes: tokenBytes, addedTokens: added, specialTokensByDefault: true,
                             prefixIDs: addBOS ? bos.map { [$0] } ?? [] : [], bos: bos, eos: eos,
                             stripsLeadingSpaces: addSpacePrefix ? 1 : 0)
        default:
            throw TokenizerError("\(path): unsupported tokenizer.ggml.model \"\(model)\" (codeloop reads gpt2 and llama)")
        }
    }

    private static func mergeTable(_ merges: [(String, String)], _ ids: [String: Int], _ path: String) throws -> [UInt64: (rank: Int32, id: Int32)] {
        var table: [UInt64: (rank: Int32, id: Int32)] = [:]
        for (rank, (left, right)) in merges.enumerated() {
            guard let a = ids[left], let b = ids[right], let merged = ids[left + right] else {
                throw TokenizerError("\(path): merge \(rank) \"\(left) \(right)\" names tokens missing from the vocabulary")
            }
            let key = MergeRule.pairKey(a, b)
            if table[key] == nil { table[key] = (Int32(rank), Int32(merged)) }
        }
        return table
    }

    /// llama.cpp's pre-tokenizer names (tokenizer.ggml.pre) as the HF pipelines they stand for.
    static func preTokenizer(named name: String, path: String) throws -> (Normalizer?, [PreTokenizerStep]) {
        switch name {
        case "default", "gpt-2", "gpt2", "codeshell", "phi-2": return (nil, [.scanner(.gpt2)])
        case "qwen2": return (.nfc, [.scanner(.qwen2)])
        case "llama-bpe", "llama3", "smaug-bpe": return (nil, [.scanner(.llama3)])
        case "starcoder", "refact", "smollm": return (nil, [.digits(individual: true), .scanner(.gpt2)])
        case "deepseek-coder":
            let splits = try [#"[\r\n]"#, #"\s?\p{L}+"#, #"\s?\p{P}+"#, "[一-龥ࠀ-一가-퟿]+"].map {
                PreTokenizerStep.regex(try RegexSplitter(pattern: $0, path: path))
            }
            return (nil, splits + [.digits(individual: true)])
        default:
            throw TokenizerError("\(path): unsupported tokenizer.ggml.pre \"\(name)\"")
        }
    }
}
