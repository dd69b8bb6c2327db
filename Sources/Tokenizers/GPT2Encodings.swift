import BundledData
import Foundation

extension Tokenizer {
    /// GPT-2's encoding (tiktoken's r50k_base): 50,257 tokens, <|endoftext|> = 50256.
    public static func gpt2() throws -> Tokenizer {
        let files = try bundledGPT2Files()
        return try gpt2(encoderJSON: files.encoder, vocabBPE: files.merges)
    }

    /// The Codex encoding (as tiktoken's p50k_base): GPT-2's tokens plus one token for each run
    /// of 2 to 25 spaces, ids 50257-50280; indentation costs far fewer tokens (Chen et al. 2021, 3.2).
    public static func codex() throws -> Tokenizer {
        let files = try bundledGPT2Files()
        return try gpt2(encoderJSON: files.encoder, vocabBPE: files.merges, whitespaceRuns: 2...25, name: "codex")
    }

    /// Runs of spaces that the Codex encoding has tokens for.
    public static let codexWhitespaceRuns = 2...25

    /// GPT-2 style vocabulary files: encoder.json (token → id, byte-level spelling) and
    /// vocab.bpe (the merges, one "a b" per line after a "#version" line).
    public static func gpt2(encoderJSON: String, vocabBPE: String, whitespaceRuns: ClosedRange<Int>? = nil,
                            name: String = "gpt2") throws -> Tokenizer {
        guard let data = FileManager.default.contents(atPath: encoderJSON) else {
            throw TokenizerError("\(encoderJSON): cannot be read")
        }
        guard let vocabulary = try? JSONSerialization.jsonObject(with: data) as? [String: Int] else {
            throw TokenizerError("\(encoderJSON): malformed JSON (expected an object of token → id)")
        }
        guard let mergesData = FileManager.default.contents(atPath: vocabBPE) else {
            throw TokenizerError("\(vocabBPE): cannot be read")
        }
        let mergeLines = String(decoding: mergesData, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
            .filter { !$0.hasPrefix("#version") }
        var table = TokenTable()
        var special: [String: Int] = [:]
        var maxID = -1
        for (token, id) in vocabulary {
            guard id >= 0 else { throw TokenizerError("\(encoderJSON): negative id for \(token)") }
            maxID = max(maxID, id)
            if token.hasPrefix("<|") && token.hasSuffix("|>") {
                special[token] = id
                continue
            }
            guard let bytes = ByteLevel.bytes(of: token) else {
                throw TokenizerError("\(encoderJSON): token \"\(token)\" is not in GPT-2's byte-level alphabet")
            }
            table.insert(bytes, id: id)
        }
        var tokenBytes = [[UInt8]](repeating: [], count: maxID + 1)
        for (token, id) in vocabulary {
            tokenBytes[id] = special[token] != nil ? Array(token.utf8) : ByteLevel.bytes(of: token)!
        }
        // tiktoken's loader rebuilds the ranks from the merges and checks them against
        // encoder.json; a truncated or foreign vocab.bpe is caught the same way here.
        let expectedMerges = vocabulary.count - 256 - special.count
        guard mergeLines.count == expectedMerges else {
            throw TokenizerError("\(vocabBPE): \(mergeLines.count) merges, but \(encoderJSON) needs \(expectedMerges) (truncated or mismatched files)")
        }
        for (number, line) in mergeLines.enumerated() {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let left = ByteLevel.bytes(of: String(parts[0])), let right = ByteLevel.bytes(of: String(parts[1])),
                  table.id(left + right) == 256 + number else {
                throw TokenizerError("\(vocabBPE):\(number + 2): merge \"\(line)\" does not match \(encoderJSON)")
            }
        }
        var byteIDs = [Int](repeating: 0, count: 256)
        for byte in 0..<256 {
            guard let id = table.id([UInt8(byte)]) else {
                throw TokenizerError("\(encoderJSON): no token for byte \(byte)")
            }
            byteIDs[byte] = id
        }
        if let runs = whitespaceRuns {
            for length in runs {
                let id = tokenBytes.count
                let spaces = [UInt8](repeating: 0x20, count: length)
                table.insert(spaces, id: id)
                tokenBytes.append(spaces)
            }
        }
        return Tokenizer(name: name, steps: [.scanner(.gpt2)],
                         encoder: BytePairEncoder(table: table, rule: .tokenRank, byteIDs: byteIDs),
                         tokenBytes: tokenBytes, addedTokens: special.map { AddedToken(id: $0.value, content: $0.key, special: true) },
                         specialTokensByDefault: false)
    }

    static func bundledGPT2Files() throws -> (encoder: String, merges: String) {
        guard let encoder = BundledData.path(for: "encoder.json", target: "Tokenizers") else {
            throw TokenizerError(BundledData.missing("encoder.json"))
        }
        return (encoder, (encoder as NSString).deletingLastPathComponent + "/vocab.bpe")
    }

    /// "gpt2", "codex", or a path to a tokenizer.json file or to a directory holding one (or
    /// GPT-2's encoder.json and vocab.bpe).
    public static func named(_ nameOrPath: String) throws -> Tokenizer {
        switch nameOrPath.lowercased() {
        case "gpt2", "r50k_base": return try gpt2()
        case "codex", "p50k_base": return try codex()
        default: break
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDirectory) else {
            throw TokenizerError("\(nameOrPath): no such tokenizer (use gpt2, codex, or a tokenizer.json path)")
        }
        if isDirectory.boolValue {
            let json = nameOrPath + "/tokenizer.json"
            if FileManager.default.fileExists(atPath: json) { return try load(tokenizerJSON: json) }
            // GPT-2's original file names, or the ones HF's GPT-2 checkpoints use.
            for (vocabulary, merges) in [("encoder.json", "vocab.bpe"), ("vocab.json", "merges.txt")]
            where FileManager.default.fileExists(atPath: nameOrPath + "/" + vocabulary) {
                return try gpt2(encoderJSON: nameOrPath + "/" + vocabulary, vocabBPE: nameOrPath + "/" + merges,
                                name: (nameOrPath as NSString).lastPathComponent)
            }
            throw TokenizerError("\(nameOrPath): no tokenizer.json, encoder.json + vocab.bpe, or vocab.json + merges.txt")
        }
        if nameOrPath.hasSuffix(".gguf") { return try load(gguf: nameOrPath) }
        return try load(tokenizerJSON: nameOrPath)
    }
}
