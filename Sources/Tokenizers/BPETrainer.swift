import Foundation

/// Learns a byte-level BPE vocabulary from text, as GPT-2's was learned (Sennrich et al. 2016,
/// on GPT-2's pre-tokenizer), and writes it as an HF tokenizer.json that HF `tokenizers` loads
/// and encodes identically.
public struct BPETrainer {
    public var vocabularySize: Int
    /// Seed tokens for runs of 2...25 spaces, as the Codex encoding has (Chen et al. 2021, 3.2).
    public var whitespaceRuns: Bool
    /// Pairs seen fewer times than this are never merged.
    public var minimumFrequency = 2
    public var specialTokens = ["<|endoftext|>"]

    public init(vocabularySize: Int, whitespaceRuns: Bool) {
        self.vocabularySize = vocabularySize
        self.whitespaceRuns = whitespaceRuns
    }

    /// The learned vocabulary: token bytes by id, and merges as (left id, right id) in rank order.
    public struct Vocabulary {
        public var tokens: [[UInt8]]
        public var merges: [(Int, Int)]
        public var specialTokens: [String]
    }

    /// Counts of each pre-tokenized piece over the texts.
    public static func countPieces<S: Sequence>(_ texts: S) -> [[UInt8]: Int] where S.Element == [UInt8] {
        var counts: [[UInt8]: Int] = [:]
        for bytes in texts {
            let scalars = Scalars(bytes)
            var start = 0
            for end in PreTokenizer.gpt2.split(scalars) {
                counts[Array(bytes[scalars.offsets[start]..<scalars.offsets[end]]), default: 0] += 1
                start = end
            }
        }
        return counts
    }

    public func train(pieceCounts: [[UInt8]: Int]) throws -> Vocabulary {
        let minimumSize = 256 + specialTokens.count + (whitespaceRuns ? 24 : 0)
        guard vocabularySize >= minimumSize else {
            throw TokenizerError("vocabulary size \(vocabularySize) is below the \(minimumSize) tokens every byte-level vocabulary needs")
        }
        var tokens: [[UInt8]] = (0..<256).map { [UInt8($0)] }
        var merges: [(Int, Int)] = []
        var idOf: [[UInt8]: Int] = [:]
        for (id, bytes) in tokens.enumerated() { idOf[bytes] = id }
        func addMerge(_ left: Int, _ right: Int) -> Int {
            let bytes = tokens[left] + tokens[right]
            let id: Int
            if let existing = idOf[bytes] {
                id = existing
            } else {
                id = tokens.count
                tokens.append(bytes)
                idOf[bytes] = id
            }
            merges.append((left, right))
            return id
        }
        // Words (distinct pieces) as symbol ids, most frequent first for determinism.
        let pieces = pieceCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.lexicographicallyPrecedes($1.key) }
        var words: [[Int32]] = pieces.map { $0.key.map { Int32($0) } }
        let counts: [Int] = pieces.map(\.value)

        if whitespaceRuns {
            // Every split of a run of 2...25 spaces merges back into one token, whatever order
            // HF's merge loop meets the pairs in: a merge for each (a, b) with a + b <= 25.
            var runID = [Int](repeating: 0, count: 26)
            runID[1] = 0x20
            for total in 2...25 {
                for left in 1..<total {
                    runID[total] = addMerge(runID[left], runID[total - left])
                }
            }
            var rank: [UInt64: (Int32, Int32)] = [:]
            for (index, merge) in merges.enumerated() {
                let key = UInt64(merge.0) << 32 | UInt64(merge.1)
                if rank[key] == nil { rank[key] = (Int32(index), Int32(idOf[tokens[merge.0] + tokens[merge.1]]!)) }
            }
            for w in words.indices where words[w].count > 1 && words[w].contains(0x20) {
                words[w] = Self.applyMerges(words[w], rank)
            }
        }

        // Pair statistics, a max-heap with lazy deletion, and where each pair occurs.
        var pairCounts: [UInt64: Int] = [:]
        var pairWords: [UInt64: [Int32]] = [:]
        for (w, word) in words.enumerated() where word.count > 1 {
            for k in 0..<(word.count - 1) {
                let key = UInt64(UInt32(word[k])) << 32 | UInt64(UInt32(word[k + 1]))
                pairCounts[key, default: 0] += counts[w]
                pairWords[key, default: []].append(Int32(w))
            }
        }
        var heap = PairHeap()
        for (key, count) in pairCounts { heap.push(count: count, key: key) }
        var stamp = [Int](repeating: -1, count: words.count)

        while tokens.count + specialTokens.count < vocabularySize {
            guard let (count, key) = heap.pop() else { break }
            guard pairCounts[key] == count else { continue }  // stale entry
            if count < minimumFrequency { break }
            let left = Int32(truncatingIfNeeded: key >> 32), right = Int32(truncatingIfNeeded: key & 0xFFFF_FFFF)
            let merged = Int32(addMerge(Int(left), Int(right)))
            var changed: Set<UInt64> = []
            func pairKey(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }
            for w32 in pairWords[key] ?? [] {
                let w = Int(w32)
                if stamp[w] == Int(merged) { continue }
                stamp[w] = Int(merged)
                let old = words[w]
                // Take the word's pairs out, rewrite it, put its pairs back: simple and exact.
                var rewritten: [Int32] = []
                rewritten.reserveCapacity(old.count)
                var k = 0
                while k < old.count {
                    if k + 1 < old.count && old[k] == left && old[k + 1] == right {
                        rewritten.append(merged)
                        k += 2
                    } else {
                        rewritten.append(old[k])
                        k += 1
                    }
                }
                if rewritten.count == old.count { continue }  // a stale entry: the pair is gone
                for k in 0..<(old.count - 1) {
                    let pair = pairKey(old[k], old[k + 1])
                    pairCounts[pair, default: 0] -= counts[w]
                    changed.insert(pair)
                }
                for k in 0..<max(0, rewritten.count - 1) {
                    let pair = pairKey(rewritten[k], rewritten[k + 1])
                    pairCounts[pair, default: 0] += counts[w]
                    changed.insert(pair)
                    if rewritten[k] == merged || rewritten[k + 1] == merged { pairWords[pair, default: []].append(Int32(w)) }
                }
                words[w] = rewritten
            }
            pairWords[key] = nil
            pairCounts[key] = nil
            for pair in changed where pair != key {
                if let value = pairCounts[pair], value > 0 {
                    heap.push(count: value, key: pair)
                } else {
                    pairCounts[pair] = nil
                }
            }
        }
        return Vocabulary(tokens: tokens, merges: merges, specialTokens: specialTokens)
    }

    /// HF's merge loop (lowest rank first, leftmost on ties) over one word.
    static func applyMerges(_ word: [Int32], _ rank: [UInt64: (Int32, Int32)]) -> [Int32] {
        var word = word
        while word.count > 1 {
            var best = Int32.max, at = -1, merged: Int32 = 0
            for k in 0..<(word.count - 1) {
                if let entry = rank[UInt64(UInt32(word[k])) << 32 | UInt64(UInt32(word[k + 1]))], entry.0 < best {
                    best = entry.0
                    at = k
                    merged = entry.1
                }
            }
            if at < 0 { break }
            word[at] = merged
            word.remove(at: at + 1)
        }
        return word
    }
}

extension BPETrainer.Vocabulary {
    /// HF tokenizer.json for this vocabulary with GPT-2's byte-level pre-tokenizer.
    public func tokenizerJSON() throws -> Data {
        var vocab: [String: Int] = [:]
        for (id, bytes) in tokens.enumerated() { vocab[ByteLevel.string(of: bytes)] = id }
        // "a b", not [a, b]: HF tokenizers before 0.20 (transformers before 4.45) read only the string
        // form, and byte-level tokens never hold a space (it is Ġ), so the split is unambiguous.
        let mergeList = merges.map { ByteLevel.string(of: tokens[$0.0]) + " " + ByteLevel.string(of: tokens[$0.1]) }
        let added: [[String: Any]] = specialTokens.enumerated().map { offset, content in
            ["id": tokens.count + offset, "content": content, "single_word": false, "lstrip": false,
             "rstrip": false, "normalized": false, "special": true]
        }
        let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]
        let root: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added,
            "normalizer": NSNull(), "pre_tokenizer": byteLevel, "post_processor": byteLevel, "decoder": byteLevel,
            "model": [
                "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                "vocab": vocab, "merges": mergeList,
            ] as [String: Any],
        ]
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}

/// A binary max-heap of (count, pair); ties go to the smaller pair key, for determinism.
struct PairHeap {
    private var items: [(count: Int, key: UInt64)] = []

    private static func above(_ a: (count: Int, key: UInt64), _ b: (count: Int, key: UInt64)) -> Bool {
        a.count != b.count ? a.count > b.count : a.key < b.key
    }

    mutating func push(count: Int, key: UInt64) {
        items.append((count, key))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.above(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (Int, UInt64)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < items.count && Self.above(items[l], items[best]) { best = l }
                if r < items.count && Self.above(items[r], items[best]) { best = r }
                if best == i { break }
                items.swapAt(i, best)
                i = best
            }
        }
        return (top.count, top.key)
    }
}
