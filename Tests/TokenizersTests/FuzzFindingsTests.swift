import Foundation
import Testing
@testable import Tokenizers

/// tokenizer.json inputs the fuzz target (Fuzz/TokenizerTargets.swift) found crashing codeloop,
/// each kept as libFuzzer wrote it and now a one-line error.
@Suite struct TokenizerFuzzFindingsTests {
    /// A vocabulary id past 32 bits trapped when the token table stored it.
    @Test func idPast32Bits() throws {
        let path = Golden.fixture("fuzz/tokenizer-id-past-32-bits.json")
        #expect(throws: TokenizerError("\(path): model.vocab gives \"ĉ\" the id 19444444448, not one from 0 to 16777215")) {
            try Tokenizer.load(tokenizerJSON: path)
        }
    }
}
