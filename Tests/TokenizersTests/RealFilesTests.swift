import Foundation
import Testing
@testable import Tokenizers

/// tokenizer.json files as transformers' converters and the tokenizers library write them, one per
/// model family, with HF's ids and decodes (scripts/fixtures/make_real_tokenizer_fixtures.py).
@Suite struct RealFilesTests {
    struct Family {
        let ids: [String: [Int]]
        let idsWithoutSpecial: [String: [Int]]
        let decoded: [String: String]
    }

    static let golden: (texts: [String: String], families: [String: Family]) = {
        let url = URL(fileURLWithPath: Golden.fixture("real/golden.json"))
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var texts = root["texts"] as! [String: String]
        for (name, text) in Golden.inputs where name.hasPrefix("stdlib/") { texts[name] = text }
        var families: [String: Family] = [:]
        for (name, entry) in root["families"] as! [String: [String: Any]] {
            families[name] = Family(ids: entry["ids"] as! [String: [Int]], idsWithoutSpecial: entry["ids_no_special"] as! [String: [Int]],
                                    decoded: entry["decoded"] as! [String: String])
        }
        return (texts, families)
    }()

    static let familyNames = ["gpt2", "codegen", "qwen2", "starcoder", "deepseek-coder", "llama3", "llama2-legacy",
                              "mistral-metaspace", "codellama"]

    @Test(arguments: familyNames)
    func idsAndDecodesMatchHF(family name: String) throws {
        let tokenizer = try Tokenizer.load(tokenizerJSON: Golden.fixture("real/\(name)/tokenizer.json"))
        let family = try #require(Self.golden.families[name])
        #expect(family.ids.count > 400)
        var mismatches: [String] = []
        func compare(_ key: String, _ ids: [Int], _ expected: [Int], _ what: String) {
            guard ids != expected else { return }
            let at = (0..<min(ids.count, expected.count)).first { ids[$0] != expected[$0] } ?? min(ids.count, expected.count)
            mismatches.append("\(what) \(key): at token \(at): \(Array(ids[at...].prefix(6))) vs HF \(Array(expected[at...].prefix(6)))")
        }
        for (key, expected) in family.ids.sorted(by: { $0.key < $1.key }) {
            let text = try #require(Self.golden.texts[key], "no text \(key)")
            compare(key, tokenizer.encodeForModel(text), expected, "with special tokens")
        }
        for (key, expected) in family.idsWithoutSpecial.sorted(by: { $0.key < $1.key }) {
            compare(key, tokenizer.encode(Self.golden.texts[key]!), expected, "without")
            if let decoded = family.decoded[key], let ids = family.ids[key], try tokenizer.decode(ids) != decoded {
                mismatches.append("decode \(key): \(try tokenizer.decode(ids).debugDescription) vs HF \(decoded.debugDescription)")
            }
        }
        #expect(mismatches.isEmpty, "\(name): \(mismatches.count) differences, first: \(mismatches.prefix(5).joined(separator: "; "))")
    }

    @Test func bosAndEOSComeFromTheFiles() throws {
        func load(_ name: String) throws -> Tokenizer { try Tokenizer.load(tokenizerJSON: Golden.fixture("real/\(name)/tokenizer.json")) }
        let llama = try load("llama2-legacy")
        #expect(llama.bos == 1 && llama.eos == 2 && llama.prefixIDs == [1] && llama.suffixIDs == [])
        let gpt2 = try load("gpt2")
        #expect(gpt2.prefixIDs.isEmpty && gpt2.eos == gpt2.specialTokens["<|endoftext|>"])
        let llama3 = try load("llama3")
        #expect(llama3.prefixIDs == [llama3.specialTokens["<|begin_of_text|>"]!] && llama3.eos == llama3.specialTokens["<|end_of_text|>"])
    }
}
