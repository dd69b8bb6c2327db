import Foundation
import Models
import Synchronization

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
    private let state = Mutex(State())

    public init(budgetBytes: Int) { self.budgetBytes = budgetBytes }

    /// The entry sharing the longest prefix with `prompt`, and that length (at most `limit`).
    func longestPrefix(of prompt: [Int], limit: Int) -> (cache: KVCache, length: Int)? {
        state.withLock { state in
            var best: (index: Int, length: Int)?
            for (index, entry) in state.entries.enumerated() {
                var length = 0
                let bound = min(entry.tokens.count, prompt.count, limit)
                while length < bound && entry.tokens[length] == prompt[length] { length += 1 }
                if length > (best?.length ?? 0) { best = (index, length) }
            }
            guard let best else { return nil }
            state.clock += 1
            state.entries[best.index].lastUsed = state.clock
            return (state.entries[best.index].cache, best.length)
        }
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
