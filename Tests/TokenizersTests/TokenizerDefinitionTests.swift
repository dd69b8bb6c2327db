import Foundation
import Testing
@testable import Tokenizers

/// A tokenizer.json that transformers saved (merges as "a b") against the same file with its merges
/// rewritten as tokenizers 0.20 writes them ([a, b]): one definition; a changed merge is another.
@Suite struct TokenizerDefinitionTests {
    func file(_ family: String) throws -> (data: Data, root: [String: Any]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: Golden.fixture("real/\(family)/tokenizer.json")))
        return (data, try JSONSerialization.jsonObject(with: data) as! [String: Any])
    }

    func rewritten(_ root: [String: Any], merges transform: ([[String]]) -> [[String]]) throws -> Data {
        var root = root, model = root["model"] as! [String: Any]
        let pairs = (model["merges"] as! [String]).map { $0.split(separator: " ").map(String.init) }
        model["merges"] = transform(pairs)
        root["model"] = model
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
    }

    @Test(arguments: ["gpt2", "codellama"])
    func mergesAsPairsAreTheSameTokenizer(family: String) throws {
        let (data, root) = try file(family)
        let pairs = try rewritten(root) { $0 }
        #expect(data != pairs)
        #expect(Tokenizer.sameDefinition(data, pairs))
        #expect(Tokenizer.sameDefinition(pairs, data))
    }

    @Test func anotherMergeOrderIsAnotherTokenizer() throws {
        let (data, root) = try file("gpt2")
        let swapped = try rewritten(root) { pairs in [pairs[1], pairs[0]] + pairs.dropFirst(2) }
        #expect(!Tokenizer.sameDefinition(data, swapped))
        #expect(!Tokenizer.sameDefinition(data, try file("starcoder").data))
    }
}
