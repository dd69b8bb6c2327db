import Foundation
import Testing
@testable import Tokenizers

/// Inputs and golden ids written by scripts/fixtures/make_tokenizer_fixtures.py from tiktoken and HF tokenizers.
enum Golden {
    static func fixture(_ name: String) -> String {
        Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures")!
    }

    static let inputs: [String: String] = {
        var texts = try! JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture("inputs.json")))) as! [String: String]
        let directory = fixture("stdlib")
        for file in try! FileManager.default.contentsOfDirectory(atPath: directory) {
            texts["stdlib/" + file] = try! String(contentsOfFile: directory + "/" + file, encoding: .utf8)
        }
        return texts
    }()

    static func ids(_ table: String) -> [String: [Int]] {
        try! JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture("golden.\(table).json")))) as! [String: [Int]]
    }
}

@Suite struct ParityTests {
    func check(_ tokenizer: Tokenizer, against table: String, allowSpecial: Bool? = nil) throws {
        let golden = Golden.ids(table)
        #expect(golden.count > 0)
        var mismatches = 0
        for (name, expected) in golden.sorted(by: { $0.key < $1.key }) {
            let text = try #require(Golden.inputs[name], "no input \(name)")
            let ids = tokenizer.encode(text, allowSpecial: allowSpecial)
            if ids != expected {
                mismatches += 1
                if mismatches <= 5 {
                    let at = (0..<min(ids.count, expected.count)).first { ids[$0] != expected[$0] } ?? min(ids.count, expected.count)
                    Issue.record("\(table) \(name): first difference at token \(at): \(Array(ids[at...].prefix(6))) vs \(Array(expected[at...].prefix(6)))")
                }
            }
            // Round trip: decode(encode(x)) == x, for every input.
            #expect(try tokenizer.decode(ids) == (tokenizer.normalizesToNFC ? text.precomposedStringWithCanonicalMapping : text), "\(table) \(name) does not round-trip")
        }
        #expect(mismatches == 0, "\(mismatches) of \(golden.count) inputs differ from \(table)")
    }

    @Test func gpt2MatchesTiktoken() throws { try check(try Tokenizer.gpt2(), against: "gpt2") }

    @Test func codexMatchesTiktokenWithWhitespaceRuns() throws { try check(try Tokenizer.codex(), against: "codex") }

    @Test func gpt2SpecialTokensWhenAllowed() throws { try check(try Tokenizer.gpt2(), against: "gpt2_special", allowSpecial: true) }

    @Test func gpt2StyleTokenizerJSONMatchesHF() throws {
        try check(try Tokenizer.load(tokenizerJSON: Golden.fixture("gpt2-style.tokenizer.json")), against: "hf_gpt2_style")
    }

    @Test func codeloopTrainedTokenizerJSONMatchesHF() throws {
        // HF's own encoding of the vocabulary codeloop's trainer wrote: the trainer's output is valid HF.
        try check(try Tokenizer.load(tokenizerJSON: Golden.fixture("codeloop-trained.tokenizer.json")), against: "hf_codeloop_trained")
    }

    @Test func qwen2StyleTokenizerJSONMatchesHF() throws {
        try check(try Tokenizer.load(tokenizerJSON: Golden.fixture("qwen2-style.tokenizer.json")), against: "hf_qwen2_style")
    }
}
