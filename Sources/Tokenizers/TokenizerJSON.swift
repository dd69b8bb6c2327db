import Foundation

/// Reading HF tokenizers' tokenizer.json (tokenizers/src/tokenizer/serialization.rs) for
/// byte-level BPE models: GPT-2 style (ByteLevel pre-tokenizer with its regex) and Qwen2 style
/// (NFC, a Split on Qwen2's pattern, then ByteLevel without regex).
extension Tokenizer {
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
            throw TokenizerError("\(path): unsupported tokenizer type \"\(type)\" (codeloop reads byte-level BPE)")
        }
        for option in ["continuing_subword_prefix", "end_of_word_suffix", "dropout"] {
            if let value = model[option], !(value is NSNull) {
                throw TokenizerError("\(path): unsupported BPE option \"\(option)\"")
            }
        }
        if model["byte_fallback"] as? Bool == true {
            throw TokenizerError("\(path): unsupported BPE option \"byte_fallback\" (not a byte-level model)")
        }
        let preTokenizer = try Self.preTokenizer(root["pre_tokenizer"], path: path)
        let normalizesToNFC = try Self.normalizer(root["normalizer"], path: path)
        guard let vocabulary = model["vocab"] as? [String: Int] else {
            throw TokenizerError("\(path): missing or malformed field \"model.vocab\"")
        }
        var table = TokenTable()
        var maxID = -1
        var tokenBytes: [Int: [UInt8]] = [:]
        for (token, id) in vocabulary {
            guard let bytes = ByteLevel.bytes(of: token) else {
                throw TokenizerError("\(path): vocab token \"\(token)\" is not in the byte-level alphabet")
            }
            table.insert(bytes, id: id)
            tokenBytes[id] = bytes
            maxID = max(maxID, id)
        }
        var special: [String: Int] = [:]
        for (index, entry) in ((root["added_tokens"] as? [[String: Any]]) ?? []).enumerated() {
            guard let content = entry["content"] as? String, let id = entry["id"] as? Int else {
                throw TokenizerError("\(path): added_tokens[\(index)] needs \"content\" and \"id\"")
            }
            special[content] = id
            tokenBytes[id] = Array(content.utf8)
            maxID = max(maxID, id)
        }
        var byteIDs = [Int](repeating: 0, count: 256)
        for byte in 0..<256 {
            guard let id = table.id([UInt8(byte)]) else {
                throw TokenizerError("\(path): vocab has no token for byte \(byte) (not a byte-level vocabulary)")
            }
            byteIDs[byte] = id
        }
        var merges: [UInt64: (rank: Int32, id: Int32)] = [:]
        for (rank, merge) in ((model["merges"] as? [Any]) ?? []).enumerated() {
            let pair: [String]
            if let text = merge as? String {
                pair = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else if let array = merge as? [String] {
                pair = array
            } else {
                throw TokenizerError("\(path): model.merges[\(rank)] is neither \"a b\" nor [a, b]")
            }
            guard pair.count == 2, let left = vocabulary[pair[0]], let right = vocabulary[pair[1]],
                  let merged = vocabulary[pair[0] + pair[1]] else {
                throw TokenizerError("\(path): model.merges[\(rank)] names tokens missing from the vocab")
            }
            let key = MergeRule.pairKey(left, right)
            if merges[key] == nil { merges[key] = (Int32(rank), Int32(merged)) }
        }
        var bytesByID = [[UInt8]](repeating: [], count: maxID + 1)
        for (id, bytes) in tokenBytes { bytesByID[id] = bytes }
        return Tokenizer(name: (path as NSString).lastPathComponent, preTokenizer: preTokenizer,
                         encoder: BytePairEncoder(table: table, rule: .mergeList(merges), byteIDs: byteIDs),
                         tokenBytes: bytesByID, specialTokens: special, specialTokensByDefault: true,
                         normalizesToNFC: normalizesToNFC, ignoreMerges: model["ignore_merges"] as? Bool ?? false)
    }

    static func preTokenizer(_ value: Any?, path: String) throws -> PreTokenizer {
        guard let object = value as? [String: Any], let type = object["type"] as? String else {
            throw TokenizerError("\(path): missing pre_tokenizer (codeloop reads byte-level BPE)")
        }
        switch type {
        case "ByteLevel":
            guard object["use_regex"] as? Bool ?? true else {
                throw TokenizerError("\(path): unsupported pre_tokenizer ByteLevel without its regex")
            }
            if object["add_prefix_space"] as? Bool == true {
                throw TokenizerError("\(path): unsupported pre_tokenizer option add_prefix_space")
            }
            return .gpt2
        case "Sequence":
            let steps = object["pretokenizers"] as? [[String: Any]] ?? []
            guard steps.count == 2, steps[0]["type"] as? String == "Split",
                  steps[1]["type"] as? String == "ByteLevel", steps[1]["use_regex"] as? Bool == false,
                  let pattern = (steps[0]["pattern"] as? [String: Any])?["Regex"] as? String else {
                throw TokenizerError("\(path): unsupported pre_tokenizer sequence (codeloop reads Split + ByteLevel)")
            }
            guard steps[0]["behavior"] as? String == "Isolated", steps[0]["invert"] as? Bool != true else {
                throw TokenizerError("\(path): unsupported Split behaviour in pre_tokenizer")
            }
            if pattern == PreTokenizer.qwen2Pattern { return .qwen2 }
            if pattern == PreTokenizer.gpt2Pattern { return .gpt2 }
            throw TokenizerError("\(path): unsupported pre-tokenizer pattern \(pattern)")
        default:
            throw TokenizerError("\(path): unsupported pre_tokenizer type \"\(type)\"")
        }
    }

    static func normalizer(_ value: Any?, path: String) throws -> Bool {
        guard let object = value as? [String: Any] else { return false }
        switch object["type"] as? String {
        case "NFC": return true
        case let other:
            throw TokenizerError("\(path): unsupported normalizer \"\(other ?? "?")\"")
        }
    }
}
