import Foundation
import Locking
import Models

/// Prompts computed before, kept so that a new prompt computes only what follows the longest
/// prefix of token ids it shares with one of them (llama.cpp's `cache_prompt`; vLLM and SGLang
/// key their caches by token sequences too). Bounded by a memory budget, least recently used out.
/// Each entry owns its keys and values: a prompt reusing one copies the shared positions into a
/// cache of its own, so that evicting an entry never pulls memory from under another.
public final class PromptCache: Sendable {
    public let budgetBytes: Int
    private struct Entry {
        let tokens: [Int]
        let cache: KVCache
        var lastUsed: UInt64
    }
    private struct State {
        var entries: [Entry] = []
        var clock: UInt64 = 0
        var bytes = 0
        var saidTooSmall = false
    }
    private let state = LockedBox(State())

    public init(budgetBytes: Int) { self.budgetBytes = budgetBytes }

    /// How a new prompt reuses an entry: the entry's positions to copy and the prompt's to
    /// compute, in the prompt's order.
    struct ReusePlan {
        enum Piece: Equatable {
            /// These positions of the entry, landing at the prompt's next positions.
            case reuse(Range<Int>)
            /// These positions of the prompt, run through the model.
            case compute(Range<Int>)
        }
        let entry: KVCache
        let pieces: [Piece]
        /// Prompt positions that come from the entry.
        var reused: Int { pieces.reduce(0) { if case .reuse(let r) = $1 { $0 + r.count } else { $0 } } }
    }

    /// The plan for `prompt` over the entry sharing the longest prefix with it (the most recent on a
    /// tie): that prefix, then with `minimumChunk` above 0, every later run of at least that many
    /// tokens found again in the entry. Positions from `limit` on are always computed. Nil when
    /// nothing is reused.
    func plan(for prompt: [Int], limit: Int, minimumChunk: Int = 0) -> ReusePlan? {
        state.withLock { state in
            var best: (index: Int, length: Int)?
            for (index, entry) in state.entries.enumerated() {
                var length = 0
                let bound = min(entry.tokens.count, prompt.count, limit)
                while length < bound && entry.tokens[length] == prompt[length] { length += 1 }
                if best == nil || length > best!.length
                    || (length == best!.length && entry.lastUsed > state.entries[best!.index].lastUsed) {
                    best = (index, length)
                }
            }
            guard let best else { return nil }
            let pieces = Self.pieces(entry: state.entries[best.index].tokens, prompt: prompt, prefix: best.length, limit: limit,
                                     minimumChunk: minimumChunk)
            guard pieces.contains(where: { if case .reuse = $0 { true } else { false } }) else { return nil }
            state.clock += 1
            state.entries[best.index].lastUsed = state.clock
            return ReusePlan(entry: state.entries[best.index].cache, pieces: pieces)
        }
    }

    /// After the shared prefix, llama.cpp's n_cache_reuse walk, allowing insertions as well as
    /// deletions: at each prompt position, the first later place in the entry where the next
    /// `minimumChunk` tokens appear starts a reused run, as long as it goes on matching; positions
    /// no run covers are computed. Runs keep the entry's order.
    static func pieces(entry: [Int], prompt: [Int], prefix: Int, limit: Int, minimumChunk n: Int) -> [ReusePlan.Piece] {
        var pieces: [ReusePlan.Piece] = prefix > 0 ? [.reuse(0..<prefix)] : []
        var p = prefix, c = prefix, computing: Int?
        if n > 0 && entry.count - c >= n {
            var starts: [ArraySlice<Int>: [Int]] = [:]
            for i in c...(entry.count - n) { starts[entry[i..<(i + n)], default: []].append(i) }
            while p < limit {
                if p + n <= limit, let start = starts[prompt[p..<(p + n)]]?.first(where: { $0 >= c }) {
                    var length = n
                    while start + length < entry.count && p + length < limit && entry[start + length] == prompt[p + length] { length += 1 }
                    if let first = computing { pieces.append(.compute(first..<p)) }
                    computing = nil
                    pieces.append(.reuse(start..<(start + length)))
                    p += length
                    c = start + length
                } else {
                    if computing == nil { computing = p }
                    p += 1
                }
            }
        }
        pieces.append(.compute((computing ?? p)..<prompt.count))
        return pieces
    }

    /// Keeps a prompt's computed cache (frozen from now on); evicts the least recently used
    /// entries past the budget. A prompt larger than the whole budget is not kept, and the first
    /// time that happens `onTooSmall` is told.
    func insert(_ tokens: [Int], cache: KVCache, onTooSmall: () -> Void) {
        let bytes = cache.byteCount
        state.withLock { state in
            guard bytes <= budgetBytes else {
                if !state.saidTooSmall { onTooSmall() }
                state.saidTooSmall = true
                return
            }
            // An entry this prompt extends or repeats is no longer needed: the new one holds it all.
            state.entries.removeAll { entry in
                let covered = entry.tokens.count <= tokens.count && tokens.starts(with: entry.tokens)
                if covered { state.bytes -= entry.cache.byteCount }
                return covered
            }
            state.clock += 1
            state.entries.append(Entry(tokens: tokens, cache: cache, lastUsed: state.clock))
            state.bytes += bytes
            while state.bytes > budgetBytes, let oldest = state.entries.indices.min(by: { state.entries[$0].lastUsed < state.entries[$1].lastUsed }) {
                state.bytes -= state.entries[oldest].cache.byteCount
                state.entries.remove(at: oldest)
            }
        }
    }

    /// Entries held and their bytes, for logs and tests.
    public var usage: (entries: Int, bytes: Int) { state.withLock { ($0.entries.count, $0.bytes) } }
}
