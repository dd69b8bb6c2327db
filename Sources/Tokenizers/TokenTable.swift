/// Token bytes → id, tuned for the lookups BPE does on short byte strings: strings of up to
/// 7 bytes are packed into one integer key, longer ones use an array key.
struct TokenTable: Sendable {
    private var short: [UInt64: Int32] = [:]
    private var long: [[UInt8]: Int32] = [:]

    init() {}

    @inline(__always)
    static func key(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        var key = UInt64(end - start) << 56
        var shift: UInt64 = 0
        for i in start..<end {
            key |= UInt64(bytes[i]) << shift
            shift += 8
        }
        return key
    }

    mutating func insert(_ bytes: [UInt8], id: Int) {
        if bytes.count <= 7 {
            bytes.withUnsafeBufferPointer { short[Self.key($0, 0, bytes.count)] = Int32(id) }
        } else {
            long[bytes] = Int32(id)
        }
    }

    @inline(__always)
    func id(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        if end - start <= 7 {
            return short[Self.key(bytes, start, end)].map(Int.init)
        }
        return long[Array(bytes[start..<end])].map(Int.init)
    }

    func id(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { id($0, 0, bytes.count) }
    }

    var count: Int { short.count + long.count }
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

    private func encodeByTokenRank(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into out: inout [Int]) {
        // parts[k] = (offset where part k starts, rank of merging part k with part k+1).
        let n = end - start
        var starts = [Int](unsafeUninitializedCapacity: n + 1) { buffer, count in
            for k in 0...n { buffer[k] = start + k }
            count = n + 1
        }
        var ranks = [Int](repeating: Int.max, count: n + 1)
        func rank(_ k: Int) -> Int {
            k + 2 < starts.count ? (table.id(bytes, starts[k], starts[k + 2]) ?? Int.max) : Int.max
        }
        for k in 0..<(n - 1) { ranks[k] = rank(k) }
        while starts.count > 2 {
            var best = Int.max, at = -1
            for k in 0..<(starts.count - 2) where ranks[k] < best {
                best = ranks[k]
                at = k
            }
            if at < 0 { break }
            starts.remove(at: at + 1)
            ranks.remove(at: at + 1)
            ranks[at] = rank(at)
            if at > 0 { ranks[at - 1] = rank(at - 1) }
        }
        for k in 0..<(starts.count - 1) {
            out.append(table.id(bytes, starts[k], starts[k + 1])!)
        }
    }

    private func encodeByMergeList(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                                   merges: [UInt64: (rank: Int32, id: Int32)], into out: inout [Int]) {
        var ids = (start..<end).map { byteIDs[Int(bytes[$0])] }
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
        out.append(contentsOf: ids)
    }
}
