import HeapModule

/// BPE's merge loop as HF tokenizers runs it (tokenizers/src/models/bpe/word.rs, merge_all):
/// symbols in a linked list, the candidate merges of adjacent symbols in a min-heap by (rank,
/// position), a popped candidate whose symbols changed since it was pushed skipped. It merges the
/// lowest-ranked pair, leftmost on a tie, as rescanning every pair after every merge does, in
/// O(n log n) where the rescan is O(n²): a long piece (SentencePiece-style tokenizers see whole
/// lines as one) no longer costs the square of its length.
struct MergeQueue {
    /// Pieces up to this many symbols are merged by rescanning instead: it allocates nothing, and
    /// at this length it is faster (GPT-2's pre-tokenizer cuts nearly all text this short).
    static let shortPiece = 24
    /// 32-bit fields: the heap moves these around, and a smaller one moves faster.
    struct Candidate: Comparable {
        let rank: Int32
        /// The left symbol's index (its position in the piece: it keeps it when it merges).
        private let leftIndex: Int32
        private let rightIndex: Int32
        /// What the merge makes: the merged id, or (byte ranges) where the merged symbol ends.
        private let merged: Int32
        /// The pair's symbols when the candidate was pushed, where symbols are ids.
        private let leftID: Int32, rightID: Int32

        init(rank: Int32, left: Int, right: Int, mergedEnd: Int, leftSymbol: Int = 0, rightSymbol: Int = 0) {
            self.rank = rank
            leftIndex = Int32(truncatingIfNeeded: left)
            rightIndex = Int32(truncatingIfNeeded: right)
            merged = Int32(truncatingIfNeeded: mergedEnd)
            leftID = Int32(truncatingIfNeeded: leftSymbol)
            rightID = Int32(truncatingIfNeeded: rightSymbol)
        }

        var left: Int { Int(leftIndex) }
        var right: Int { Int(rightIndex) }
        var mergedEnd: Int { Int(merged) }
        var leftSymbol: Int { Int(leftID) }
        var rightSymbol: Int { Int(rightID) }

        static func < (a: Candidate, b: Candidate) -> Bool { (a.rank, a.leftIndex) < (b.rank, b.leftIndex) }
        static func == (a: Candidate, b: Candidate) -> Bool { (a.rank, a.leftIndex) == (b.rank, b.leftIndex) }
    }

    private var next: [Int]
    private var previous: [Int]
    private var alive: [Bool]
    private var heap = Heap<Candidate>()

    init(count: Int) {
        next = Array(1...max(1, count))
        next[count - 1] = -1
        previous = Array(-1..<(count - 1))
        alive = Array(repeating: true, count: count)
    }

    /// Merges until no candidate is left: `candidate(k, right)` is the merge of adjacent symbols
    /// k and right, if any; `isCurrent` tells a candidate still valid; `merge` applies one to the
    /// left symbol (the right one then leaves the list).
    mutating func run(initial candidate: (Int, Int) -> Candidate?, isCurrent: (Candidate) -> Bool, merge: (Candidate) -> Void) {
        // Built in one O(n) pass rather than n insertions.
        heap = Heap((0..<(alive.count - 1)).compactMap { candidate($0, $0 + 1) })
        while let c = heap.popMin() {
            guard alive[c.left], alive[c.right], next[c.left] == c.right, isCurrent(c) else { continue }
            merge(c)
            alive[c.right] = false
            next[c.left] = next[c.right]
            if next[c.right] >= 0 { previous[next[c.right]] = c.left }
            if previous[c.left] >= 0, let before = candidate(previous[c.left], c.left) { heap.insert(before) }
            if next[c.left] >= 0, let after = candidate(c.left, next[c.left]) { heap.insert(after) }
        }
    }

    /// The symbols left, in order.
    func survivors() -> [Int] {
        var out: [Int] = []
        var k = alive.isEmpty ? -1 : 0
        while k >= 0 {
            out.append(k)
            k = next[k]
        }
        return out
    }
}
