import Foundation

/// Whether two tokenizer.json files define one tokenizer. HF tokenizers writes a BPE model's merges as
/// "a b" strings before 0.20 and as [a, b] pairs from 0.20 on: a model saved by one version and data
/// tokenized by another hold the same merges in different bytes.
extension Tokenizer {
    public static func sameDefinition(_ first: Data, _ second: Data) -> Bool {
        guard let one = mergesAsPairs(first), let other = mergesAsPairs(second) else { return first == second }
        // One serialisation with sorted keys: two JSON objects are equal when these bytes are.
        let canonical = { (root: [String: Any]) in try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]) }
        guard let one = canonical(one), let other = canonical(other) else { return false }
        return one == other
    }

    /// The file's JSON with every merge written as its parts, ["a", "b"]; nil when it is not a JSON object.
    private static func mergesAsPairs(_ data: Data) -> [String: Any]? {
        guard var root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        if var model = root["model"] as? [String: Any], let merges = model["merges"] as? [Any] {
            model["merges"] = merges.map { merge -> Any in mergeParts(merge) ?? merge }
            root["model"] = model
        }
        return root
    }
}
