import Foundation
import Testing
import TestScratch
@testable import Tokenizers

@Suite struct TrainerTests {
    static func stdlibSubset() throws -> [[UInt8]] {
        let directory = Golden.fixture("stdlib")
        return try FileManager.default.contentsOfDirectory(atPath: directory).sorted().map {
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/" + $0)))
        }
    }

    @Test func trainingIsRepeatableAndMatchesTheCommittedVocabulary() throws {
        // The committed file was written by `codeloop tokenizer train --vocab-size 1000` on the same
        // files, and HF's encodings of it are the golden ids of ParityTests.
        let vocabulary = try BPETrainer(vocabularySize: 1000, whitespaceRuns: true)
            .train(pieceCounts: BPETrainer.countPieces(try Self.stdlibSubset()))
        #expect(vocabulary.tokens.count + vocabulary.specialTokens.count == 1000)
        let committed = try Data(contentsOf: URL(fileURLWithPath: Golden.fixture("codeloop-trained.tokenizer.json")))
        #expect(try vocabulary.tokenizerJSON() == committed)
    }

    @Test func whitespaceRunsAreSingleTokens() throws {
        let vocabulary = try BPETrainer(vocabularySize: 600, whitespaceRuns: true)
            .train(pieceCounts: BPETrainer.countPieces(try Self.stdlibSubset()))
        let path = Scratch.path("trained") + ".json"
        try vocabulary.tokenizerJSON().write(to: URL(fileURLWithPath: path))
        let tokenizer = try Tokenizer.load(tokenizerJSON: path)
        for length in 2...25 {
            // A run of spaces before a word is pre-tokenized as (length - 1) spaces + " word".
            let ids = tokenizer.encode(String(repeating: " ", count: length) + "x")
            #expect(tokenizer.tokenText(ids[0]) == String(repeating: " ", count: length - 1), "run of \(length): \(ids)")
        }
        #expect(tokenizer.encode(String(repeating: " ", count: 25)).count == 1)
    }

    @Test func tooSmallAVocabularyIsAnError() {
        #expect(throws: TokenizerError("vocabulary size 100 is below the 281 tokens every byte-level vocabulary needs")) {
            try BPETrainer(vocabularySize: 100, whitespaceRuns: true).train(pieceCounts: [:])
        }
    }
}
