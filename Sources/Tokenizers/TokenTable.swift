import Foundation

/// Token bytes → id: an open-addressing hash table over a byte arena, so that looking up a
/// slice of the input allocates nothing (BPE does millions of such lookups per megabyte).
struct TokenTable: Sendable {
    private var arena: [UInt8] = []
    /// Per slot: arena offset (-1: empty), length, id.
    private var offsets: [Int32] = []
    private var lengths: [Int32] = []
    private var ids: [Int32] = []
    private var hashes: [UInt64] = []
    private var mask = 0
    private(set) var count = 0

    init() { resize(to: 1 << 10) }

    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(end - start &+ 1)
        var i = start
        let raw = UnsafeRawPointer(bytes.baseAddress!)
        while i + 8 <= end {
            let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ word) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < end {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 29)
    }

    private mutating func resize(to capacity: Int) {
        let old = (offsets, lengths, ids, hashes)
        offsets = [Int32](repeating: -1, count: capacity)
        lengths = [Int32](repeating: 0, count: capacity)
        ids = [Int32](repeating: 0, count: capacity)
        hashes = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
        for slot in 0..<old.0.count where old.0[slot] >= 0 {
            place(hash: old.3[slot], offset: old.0[slot], length: old.1[slot], id: old.2[slot])
        }
    }

    private mutating func place(hash: UInt64, offset: Int32, length: Int32, id: Int32) {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while offsets[slot] >= 0 { slot = (slot + 1) & mask }
        offsets[slot] = offset
        lengths[slot] = length
        ids[slot] = id
        hashes[slot] = hash
    }

    mutating func insert(_ bytes: [UInt8], id: Int) {
        if let existing = bytes.withUnsafeBufferPointer({ slot($0, 0, bytes.count) }) {
            ids[existing] = Int32(id)
            return
        }
        if (count + 1) * 2 > offsets.count { resize(to: offsets.count * 2) }
        let hash = bytes.withUnsafeBufferPointer { Self.hash($0, 0, bytes.count) }
        place(hash: hash, offset: Int32(arena.count), length: Int32(bytes.count), id: Int32(id))
        arena += bytes
        count += 1
    }

    @inline(__always)
    private func slot(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        let hash = Self.hash(bytes, start, end)
        let length = end - start
        var slot = Int(truncatingIfNeeded: hash) & mask
        return arena.withUnsafeBufferPointer { stored -> Int? in
            while offsets[slot] >= 0 {
                if hashes[slot] == hash && Int(lengths[slot]) == length {
                    let offset = Int(offsets[slot])
                    if memcmp(stored.baseAddress! + offset, bytes.baseAddress! + start, length) == 0 { return slot }
                }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    @inline(__always)
    func id(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        guard end > start else { return nil }
        return slot(bytes, start, end).map { Int(ids[$0]) }
    }

    func id(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { id($0, 0, bytes.count) }
    }
}

/// Byte-pair encoding of one pre-tokenized piece.
///
/// Two rules exist in the field and differ on vocabularies with tokens no merge produces:
/// tiktoken merges the adjacent pair whose concatenation has the lowest token rank
/// (tiktoken/src/lib.rs, byte_pair_merge); HF tokenizers merges the adjacent pair listed
/// earliest in `merges` (tokenizers/src/models/bpe/word.rs). Both are implemented here.
enum MergeRule: Sendable {
    /// tiktoken: token ids are ranks.
    case tokenRank
    /// HF: (left id, right id) → (merge rank, merged id).
    case mergeList([UInt64: (rank: Int32, id: Int32)])

    static func pairKey(_ left: Int, _ right: Int) -> UInt64 { UInt64(left) << 32 | UInt64(right) }
}

struct BytePairEncoder: Sendable {
    let table: TokenTable
    let rule: MergeRule
    /// Id of each single byte (byte-level vocabularies have all 256).
    let byteIDs: [Int]

    /// Appends the ids of `bytes[start..<end]`.
    func encode(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into out: inout [Int]) {
        if end - start == 1 {
            out.append(byteIDs[Int(bytes[start])])
            return
        }
        switch rule {
        case .tokenRank:
            if let whole = table.id(bytes, start, end) {
                out.append(whole)
                return
            }
            encodeByTokenRank(bytes, start, end, into: &out)
        case .mergeList(let merges):
            encodeByMergeList(bytes, start, end, merges: merges, into: &out)
        }
    }

    /// tiktoken's rule over byte ranges: the pair whose concatenation is the token of lowest id,
    /// leftmost on a tie, through MergeQueue.
    private func encodeByTokenRank(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into out: inout [Int]) {
        guard end - start > MergeQueue.shortPiece else { return encodeByTokenRankScan(bytes, start, end, into: &out) }
        var queue = MergeQueue(count: end - start)
        // Symbol k spans bytes[start + k ..< ends[k]]: a symbol keeps its start when it absorbs its right neighbour.
        var ends = Array((start + 1)...end)
        func candidate(_ k: Int, _ right: Int) -> MergeQueue.Candidate? {
            table.id(bytes, start + k, ends[right]).map { .init(rank: Int32(truncatingIfNeeded: $0), left: k, right: right, mergedEnd: ends[right]) }
        }
        queue.run(initial: candidate, isCurrent: { ends[$0.right] == $0.mergedEnd }, merge: { ends[$0.left] = $0.mergedEnd })
        for k in queue.survivors() { out.append(table.id(bytes, start + k, ends[k])!) }
    }

    /// The same rule by rescanning the pairs after each merge: quadratic, but with nothing to
    /// allocate it is the faster for the short pieces most text is cut into.
    private func encodeByTokenRankScan(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into out: inout [Int]) {
        // Part k starts at starts[k]; ranks[k] is the rank of merging part k with part k+1.
        // Both live on the stack: this runs once per piece that is not itself a token.
        let n = end - start
        withUnsafeTemporaryAllocation(of: Int.self, capacity: n + 1) { starts in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: n + 1) { ranks in
                var parts = n + 1
                for k in 0...n {
                    starts[k] = start + k
                    ranks[k] = Int.max
                }
                @inline(__always) func rank(_ k: Int) -> Int {
                    k + 2 < parts ? (table.id(bytes, starts[k], starts[k + 2]) ?? Int.max) : Int.max
                }
                for k in 0..<(n - 1) { ranks[k] = rank(k) }
                while parts > 2 {
                    var best = Int.max, at = -1
                    for k in 0..<(parts - 2) where ranks[k] < best {
                        best = ranks[k]
                        at = k
                    }
                    if at < 0 { break }
                    // Drop part at+1 by shifting the tail left.
                    for k in (at + 1)..<(parts - 1) {
                        starts[k] = starts[k + 1]
                        ranks[k] = ranks[k + 1]
                    }
                    parts -= 1
                    ranks[at] = rank(at)
                    if at > 0 { ranks[at - 1] = rank(at - 1) }
                }
                for k in 0..<(parts - 1) {
                    out.append(table.id(bytes, starts[k], starts[k + 1])!)
                }
            }
        }
    }

    private func encodeByMergeList(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                                   merges: [UInt64: (rank: Int32, id: Int32)], into out: inout [Int]) {
        var ids = (start..<end).map { byteIDs[Int(bytes[$0])] }
        Self.merge(&ids, merges)
        out.append(contentsOf: ids)
    }

    /// Applies the merge list to symbols already looked up (SentencePiece-style BPE starts from characters).
    func merge(_ ids: inout [Int]) {
        if case .mergeList(let merges) = rule { Self.merge(&ids, merges) }
    }

    /// HF's rule: merge the adjacent pair listed earliest, leftmost first, until none is listed.
    private static func merge(_ ids: inout [Int], _ merges: [UInt64: (rank: Int32, id: Int32)]) {
        guard ids.count > MergeQueue.shortPiece else { return mergeByScan(&ids, merges) }
        var queue = MergeQueue(count: ids.count)
        var symbols = ids
        func candidate(_ k: Int, _ right: Int) -> MergeQueue.Candidate? {
            merges[MergeRule.pairKey(symbols[k], symbols[right])].map {
                .init(rank: $0.rank, left: k, right: right, mergedEnd: Int($0.id), leftSymbol: symbols[k], rightSymbol: symbols[right])
            }
        }
        queue.run(initial: candidate,
                  isCurrent: { symbols[$0.left] == $0.leftSymbol && symbols[$0.right] == $0.rightSymbol },
                  merge: { symbols[$0.left] = $0.mergedEnd })
        ids = queue.survivors().map { symbols[$0] }
    }

    /// The same by rescanning, for short pieces (as encodeByTokenRankScan).
    private static func mergeByScan(_ ids: inout [Int], _ merges: [UInt64: (rank: Int32, id: Int32)]) {
        while ids.count > 1 {
            var best = Int32.max, at = -1, merged: Int32 = 0
            for k in 0..<(ids.count - 1) {
                if let merge = merges[MergeRule.pairKey(ids[k], ids[k + 1])], merge.rank < best {
                    best = merge.rank
                    at = k
                    merged = merge.id
                }
            }
            if at < 0 { break }
            ids[at] = Int(merged)
            ids.remove(at: at + 1)
        }
    }
}
