import Foundation
import Seeding
import Testing
import TestScratch
import Tokenizers
@testable import Training

/// codeloop's bundled tokenizer with FIM's sentinels added the way `train --fim-rate` adds them.
func fimTokenizer() throws -> (Tokenizer, FIMTransformation) {
    let path = Repository.path("Sources/Models/Resources/codeloop-small/tokenizer.json")
    let extended = try Tokenizer.tokenizerJSON(try Data(contentsOf: URL(fileURLWithPath: path)), path: path,
                                               addingSpecial: FIMTokens.codeloopNames)
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("fim-tokenizer-\(UUID().uuidString).json").path
    try extended.write(to: URL(fileURLWithPath: file))
    defer { try? FileManager.default.removeItem(atPath: file) }
    let tokenizer = try Tokenizer.load(tokenizerJSON: file)
    let tokens = try #require(FIMTokens(tokenizer: tokenizer))
    return (tokenizer, FIMTransformation(rate: 1, tokens: tokens, endOfText: tokenizer.specialTokens["<|endoftext|>"]!, tokenizer: tokenizer))
}

@Suite struct FIMTransformationTests {
    let documents = [
        "def add(x, y):\n    \"\"\"Add two numbers.\"\"\"\n    return x + y\n",
        "# naïve café — ünïcödé 日本語 and emoji 🐍 split anywhere\nprint('ok')\n",
        "",
        "x",
    ]

    @Test func sentinelsAreAddedAfterTheVocabularyAndAreSingleTokens() throws {
        let (tokenizer, fim) = try fimTokenizer()
        #expect(fim.tokens.family == "StarCoder")
        #expect([fim.tokens.prefix, fim.tokens.suffix, fim.tokens.middle] as [Int] == [8192, 8193, 8194])
        #expect(tokenizer.vocabularySize == 8195)
        for name in FIMTokens.codeloopNames {
            #expect(tokenizer.encode(name, allowSpecial: true).count == 1, "\(name) is one token")
        }
        // In a document's text the sentinel's spelling is ordinary text, never the sentinel itself.
        let inText = tokenizer.encode(bytes: Array("a <fim_middle> b <fim_prefix>".utf8))
        #expect(!inText.contains(fim.tokens.middle) && !inText.contains(fim.tokens.prefix))
    }

    @Test(arguments: [FIMTransformation.Order.prefixSuffixMiddle, .suffixPrefixMiddle])
    func rearrangingAndRestoringGivesTheDocumentBack(order: FIMTransformation.Order) throws {
        let (_, fim) = try fimTokenizer()
        for document in documents {
            let bytes = Array(document.utf8)
            var boundaries = bytes.indices.filter { bytes[$0] & 0xC0 != 0x80 }
            boundaries.append(bytes.count)
            // Every span, empty prefixes, middles and suffixes included.
            for a in boundaries {
                for b in boundaries where b >= a {
                    let ids = fim.rearrange(bytes, span: .init(start: a, end: b), order: order)
                    #expect(try fim.restore(ids) == bytes, "span \(a)..<\(b) of \(document.debugDescription)")
                    let sentinels = ids.filter { [fim.tokens.prefix, fim.tokens.suffix, fim.tokens.middle].contains(Int($0)) }
                    #expect(sentinels.count == 3)
                }
            }
        }
    }

    @Test func spansAreDrawnOverTheWholeRangeOnCharacterBoundaries() throws {
        let text = Array("héllo wörld".utf8)
        let boundaries = Set(text.indices.filter { text[$0] & 0xC0 != 0x80 } + [text.count])
        var random = SplitMix64(seed: 7)
        var starts = Set<Int>(), ends = Set<Int>(), emptyMiddles = 0
        for _ in 0..<4000 {
            let span = FIMTransformation.drawSpan(text, using: &random)
            #expect(span.start <= span.end && boundaries.contains(span.start) && boundaries.contains(span.end))
            starts.insert(span.start)
            ends.insert(span.end)
            if span.start == span.end { emptyMiddles += 1 }
        }
        #expect(starts.contains(0) && ends.contains(text.count), "empty prefixes and suffixes occur")
        #expect(starts == boundaries && ends == boundaries, "every boundary starts and ends a span")
        #expect(emptyMiddles > 0)
        #expect(FIMTransformation.drawSpan([], using: &random) == .init(start: 0, end: 0))
    }

    @Test func aWindowKeepsItsLengthAndEachDocumentIsTransformedAlone() throws {
        let (tokenizer, fim) = try fimTokenizer()
        let eot = Int32(tokenizer.specialTokens["<|endoftext|>"]!)
        let window = documents.map { tokenizer.encode(bytes: Array($0.utf8)).map(Int32.init) }.joined(separator: [eot]).map { $0 }
        var random = SplitMix64(seed: 1)
        let out = fim.apply(window[...], using: &random)
        #expect(out.count == window.count)
        // Whatever was kept of each document before the cut restores to a prefix of that document.
        let pieces = out.split(separator: eot, omittingEmptySubsequences: false)
        #expect(pieces.count >= 2)
        let first = try fim.restore(Array(pieces[0]))
        #expect(first == Array(documents[0].utf8))
        // At rate 0 the window is unchanged.
        let none = FIMTransformation(rate: 0, tokens: fim.tokens, endOfText: Int(eot), tokenizer: tokenizer)
        #expect(none.apply(window[...], using: &random) == window)
    }
}
