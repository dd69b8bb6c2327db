import Foundation
import Testing
@testable import Tokenizers
import TestScratch

func scratchFile(_ name: String, _ contents: String) -> String {
    Scratch.file("tokenizer", name, Array(contents.utf8))
}

@Suite struct BehaviourTests {
    @Test func specialTokensOnlyWhenAsked() throws {
        let gpt2 = try Tokenizer.gpt2()
        #expect(gpt2.encode("<|endoftext|>") == [27, 91, 437, 1659, 5239, 91, 29])
        #expect(gpt2.encode("<|endoftext|>", allowSpecial: true) == [50256])
        #expect(try gpt2.decode([50256]) == "<|endoftext|>")
    }

    @Test func codexIndentationCostsOneToken() throws {
        let codex = try Tokenizer.codex()
        #expect(codex.vocabularySize == 50281)
        // 8 spaces of indentation: the run "       " (7) and " return".
        #expect(codex.encode("        return") == [50262, 1441])
        #expect(try Tokenizer.gpt2().encode("        return").count == 8)
    }

    @Test func streamingHoldsBackIncompleteCharacters() throws {
        let gpt2 = try Tokenizer.gpt2()
        let text = "naïve 🙂 日本 done"
        let ids = gpt2.encode(text)
        var decoder = StreamingDecoder(tokenizer: gpt2)
        var pieces: [String] = []
        for id in ids { pieces.append(try decoder.append(id)) }
        pieces.append(decoder.finish())
        #expect(pieces.joined() == text)
        // The emoji spans several byte-level tokens: no piece may hold a replacement character.
        #expect(pieces.allSatisfy { !$0.contains("\u{FFFD}") })
        #expect(ids.count > pieces.filter { !$0.isEmpty }.count)
    }

    @Test func streamingFinishShowsATruncatedCharacter() throws {
        let gpt2 = try Tokenizer.gpt2()
        let emoji = gpt2.encode("🙂")
        var decoder = StreamingDecoder(tokenizer: gpt2)
        #expect(try decoder.append(emoji[0]) == "")
        #expect(decoder.finish() == "\u{FFFD}")
    }

    @Test func unknownIDsAreAnError() throws {
        let gpt2 = try Tokenizer.gpt2()
        #expect(throws: TokenizerError("unknown token id 50257 (gpt2 has ids 0..<50257)")) { try gpt2.decode([15496, 50257]) }
        #expect(throws: TokenizerError("unknown token id -1 (gpt2 has ids 0..<50257)")) { try gpt2.decode([-1]) }
    }

    @Test func rawBytesThatAreNotUTF8() throws {
        let gpt2 = try Tokenizer.gpt2()
        let bytes: [UInt8] = Array("ok ".utf8) + [0xFF, 0xC3] + Array(" fine".utf8)
        let ids = gpt2.encode(bytes: bytes)
        #expect(try gpt2.decodeBytes(ids) == bytes)
    }

    @Test func truncatedVocabularyIsAnError() throws {
        let source = try Tokenizer.bundledGPT2Files()
        let merges = try String(contentsOfFile: source.merges, encoding: .utf8).split(separator: "\n").prefix(1000).joined(separator: "\n")
        let truncated = scratchFile("vocab.bpe", merges)
        #expect(throws: TokenizerError("\(truncated): 999 merges, but \(source.encoder) needs 50000 (truncated or mismatched files)")) {
            try Tokenizer.gpt2(encoderJSON: source.encoder, vocabBPE: truncated)
        }
        let broken = scratchFile("encoder.json", "{\"a\": 1,")
        #expect(throws: TokenizerError("\(broken): malformed JSON (expected an object of token → id)")) {
            try Tokenizer.gpt2(encoderJSON: broken, vocabBPE: source.merges)
        }
    }

    @Test func unsupportedTokenizerJSONNamesTheType() throws {
        let wordPiece = scratchFile("tokenizer.json", #"{"model": {"type": "WordPiece", "vocab": {}}, "pre_tokenizer": null}"#)
        #expect(throws: TokenizerError("\(wordPiece): unsupported tokenizer type \"WordPiece\" (codeloop reads BPE)")) {
            try Tokenizer.load(tokenizerJSON: wordPiece)
        }
        let unigram = scratchFile("tokenizer.json", #"{"model": {"type": "Unigram"}}"#)
        #expect(throws: TokenizerError("\(unigram): unsupported tokenizer type \"Unigram\" (codeloop reads BPE)")) {
            try Tokenizer.load(tokenizerJSON: unigram)
        }
        let malformed = scratchFile("tokenizer.json", "{")
        #expect(throws: TokenizerError("\(malformed): malformed JSON")) { try Tokenizer.load(tokenizerJSON: malformed) }
    }

    @Test func preTokenizerSplitsLikeTheRegex() {
        func pieces(_ text: String, _ pattern: PreTokenizer) -> [String] {
            let scalars = Scalars(Array(text.utf8))
            var start = 0
            return pattern.split(scalars).map { end in
                defer { start = end }
                return String(decoding: Array(text.utf8)[scalars.offsets[start]..<scalars.offsets[end]], as: UTF8.self)
            }
        }
        #expect(pieces("I'm  here\n\n  x", .gpt2) == ["I", "'m", " ", " here", "\n\n ", " x"])
        #expect(pieces("I'M 123 ab\r\n  c", .qwen2) == ["I", "'M", " ", "1", "2", "3", " ab", "\r\n", " ", " c"])
    }
}
