import Foundation
import Testing
@testable import Models
@testable import Sampling
import Seeding
import Tokenizers

/// The prompt cache: a request that shares a prefix with an earlier prompt computes only the rest,
/// and gets exactly what it gets computing its whole prompt — greedy and seeded, across prefix
/// lengths, repeats, divergences, evictions and requests that arrive together.
@Suite(.serialized) struct PromptCacheTests {
    /// Tokens of a made-up document, the same on every run.
    static func tokens(_ count: Int, seed: UInt64, vocabulary: Int) -> [Int] {
        var random = SplitMix64(seed: seed, stream: 0)
        return (0..<count).map { _ in Int(random.next() % UInt64(vocabulary - 2)) + 1 }
    }

    struct Answer: Equatable {
        let texts: [String]
        let tokens: [[Int]]
    }

    /// Each request's completions, and the (cached, computed) its prefill reported.
    func run(_ scheduler: BatchScheduler, _ requests: [BatchScheduler.Request], together: Bool = false) -> [(Answer, cached: Int, computed: Int)] {
        final class Record: @unchecked Sendable {
            let lock = NSLock()
            var completions: [Int: Completion] = [:]
            var prefill = (0, 0)
            let done = DispatchSemaphore(value: 0)
        }
        let records = requests.map { _ in Record() }
        func submit(_ i: Int) {
            scheduler.submit(requests[i]) { event in
                records[i].lock.withLock {
                    switch event {
                    case .prefilled(let cached, let computed, _): records[i].prefill = (cached, computed)
                    case .finished(let index, let completion): records[i].completions[index] = completion
                    case .done: records[i].done.signal()
                    default: break
                    }
                }
            }
        }
        if together {
            for i in requests.indices { submit(i) }
            for record in records { record.done.wait() }
        } else {
            for i in requests.indices {
                submit(i)
                records[i].done.wait()
            }
        }
        return records.map { record in
            let ordered = record.completions.keys.sorted().map { record.completions[$0]! }
            return (Answer(texts: ordered.map(\.text), tokens: ordered.map(\.tokens)), record.prefill.0, record.prefill.1)
        }
    }

    func request(_ prompt: [Int], temperature: Float, n: Int = 3) -> BatchScheduler.Request {
        var parameters = SamplingParameters()
        parameters.temperature = temperature
        parameters.maxTokens = 8
        parameters.seed = 42
        var request = BatchScheduler.Request(prompt: prompt, n: n, parameters: parameters)
        request.cachePrompt = true
        return request
    }

    @Test(arguments: ["llama3-tiny", "gguf/qwen2-q8_0.gguf"])
    func answersFromTheCacheEqualComputedOnes(model name: String) throws {
        let directory = fixtureDirectory(name)
        let model = try loadModel(directory: directory)
        let tokenizer = try Tokenizer.named(name.hasSuffix(".gguf") ? directory : directory + "/tokenizer.json")
        let vocabulary = min(model.config.vocabularySize, tokenizer.vocabularySize)
        let base = Self.tokens(40, seed: 1, vocabulary: vocabulary)
        let prompts = [
            base,                                                          // computed whole
            base + Self.tokens(8, seed: 2, vocabulary: vocabulary),        // extends it: 40 cached
            Array(base.prefix(20)) + Self.tokens(20, seed: 3, vocabulary: vocabulary), // diverges at 20
            base,                                                          // repeats: all but the last token
            Array(base.prefix(5)),                                         // a prefix of an entry
        ]
        for temperature: Float in [0, 0.8] {
            let plain = BatchScheduler(model: model, tokenizer: tokenizer, slots: 8)
            let expected = run(plain, prompts.map { var r = request($0, temperature: temperature); r.cachePrompt = false; return r })
            plain.shutdown()
            let cache = PromptCache(budgetBytes: 64 << 20)
            let cached = BatchScheduler(model: model, tokenizer: tokenizer, slots: 8, promptCache: cache)
            let got = run(cached, prompts.map { request($0, temperature: temperature) })
            cached.shutdown()
            #expect(got.map(\.0) == expected.map(\.0), "\(name) at T=\(temperature): cached answers differ")
            #expect(got.map(\.cached) == [0, 40, 20, 39, 4], "\(name): cached tokens")
            #expect(zip(got, prompts).allSatisfy { $0.cached + $0.computed == $1.count })
            #expect(expected.allSatisfy { $0.cached == 0 })
        }
    }

    @Test func evictedEntriesAndRequestsArrivingTogetherStillGetTheirAnswers() throws {
        let directory = fixtureDirectory("llama3-tiny")
        let model = try loadModel(directory: directory)
        let tokenizer = try Tokenizer.named(directory + "/tokenizer.json")
        let vocabulary = min(model.config.vocabularySize, tokenizer.vocabularySize)
        let shared = Self.tokens(30, seed: 7, vocabulary: vocabulary)
        let prompts = (0..<6).map { shared + Self.tokens(6, seed: UInt64(10 + $0), vocabulary: vocabulary) }
        let plain = BatchScheduler(model: model, tokenizer: tokenizer, slots: 8)
        let expected = run(plain, prompts.map { var r = request($0, temperature: 0.8); r.cachePrompt = false; return r })
        plain.shutdown()
        // Room for about one prompt: every insertion evicts the one before.
        let oneEntry = KVCache(config: model.config, capacity: 36).byteCount
        let small = PromptCache(budgetBytes: oneEntry + oneEntry / 2)
        let evicting = BatchScheduler(model: model, tokenizer: tokenizer, slots: 8, promptCache: small)
        let sequential = run(evicting, prompts.map { request($0, temperature: 0.8) })
        #expect(sequential.map(\.0) == expected.map(\.0))
        #expect(sequential.dropFirst().allSatisfy { $0.cached == 30 }, "each shares 30 tokens with the one kept before it")
        #expect(small.usage.entries == 1)
        let together = run(evicting, prompts.map { request($0, temperature: 0.8) }, together: true)
        evicting.shutdown()
        #expect(together.map(\.0) == expected.map(\.0))
    }

    @Test func aPromptLargerThanTheBudgetRunsUncachedAndIsSaidOnce() throws {
        let directory = fixtureDirectory("llama3-tiny")
        let model = try loadModel(directory: directory)
        let tokenizer = try Tokenizer.named(directory + "/tokenizer.json")
        let said = NSLock()
        nonisolated(unsafe) var told = 0
        let tiny = PromptCache(budgetBytes: 1024)
        let scheduler = BatchScheduler(model: model, tokenizer: tokenizer, slots: 4, promptCache: tiny) { _ in said.withLock { told += 1 } }
        let prompt = Self.tokens(20, seed: 5, vocabulary: 500)
        let answers = run(scheduler, [request(prompt, temperature: 0), request(prompt, temperature: 0)])
        scheduler.shutdown()
        #expect(answers.map(\.cached) == [0, 0])
        #expect(answers[0].0 == answers[1].0)
        #expect(said.withLock { told } == 1)
        #expect(tiny.usage.entries == 0)
    }

    @Test func chunkReuseFindsRunsAfterDeletionsAndInsertions() {
        typealias Piece = PromptCache.ReusePlan.Piece
        let entry = Array(1...10)
        // 4, 5, 6 deleted: 7...10 move 3 positions back; the last token is always computed.
        let deleted = [1, 2, 3, 7, 8, 9, 10, 11]
        #expect(PromptCache.pieces(entry: entry, prompt: deleted, prefix: 3, limit: 7, minimumChunk: 3)
                == [Piece.reuse(0..<3), .reuse(6..<10), .compute(7..<8)])
        // A run shorter than the minimum is computed.
        #expect(PromptCache.pieces(entry: entry, prompt: deleted, prefix: 3, limit: 7, minimumChunk: 5)
                == [Piece.reuse(0..<3), .compute(3..<8)])
        // 50, 51 inserted: computed, then 4...8 reused 2 positions on.
        let inserted = [1, 2, 3, 50, 51, 4, 5, 6, 7, 8, 99]
        #expect(PromptCache.pieces(entry: entry, prompt: inserted, prefix: 3, limit: 10, minimumChunk: 3)
                == [Piece.reuse(0..<3), .compute(3..<5), .reuse(3..<8), .compute(10..<11)])
        // Off: the prefix only.
        #expect(PromptCache.pieces(entry: entry, prompt: inserted, prefix: 3, limit: 10, minimumChunk: 0)
                == [Piece.reuse(0..<3), .compute(3..<11)])
    }

    /// A layer's keys depend on the tokens before it except in the first layer, where a key is its
    /// own token's projection rotated for its position: there, shifted keys equal keys computed at
    /// the new positions.
    @Test(arguments: ["llama3-tiny", "starcoder2-tiny", "gguf/qwen2-q8_0.gguf"])
    func shiftedKeysEqualKeysComputedAtTheNewPosition(model name: String) throws {
        let model = try loadModel(directory: fixtureDirectory(name))
        #expect(model.shiftsKeys)
        let text = Self.tokens(8, seed: 3, vocabulary: 200), before = Self.tokens(5, seed: 4, vocabulary: 200)
        let alone = model.makeCache(), after = model.makeCache()
        _ = try model.forward(text, cache: alone, logits: .none)
        _ = try model.forward(before + text, cache: after, logits: .none)
        let moved = model.makeCache()
        moved.append(from: after, positions: 0..<5)
        moved.append(from: alone, positions: 0..<8)
        model.shiftKeys(in: moved, positions: 5..<13, by: 5)
        // Half-precision caches round each key twice more than the reference's once.
        let tolerance: Float = model.config.keyValuePrecision == .float32 ? 1e-4 : 2e-2
        var worst: Float = 0
        for position in 5..<13 {
            for head in 0..<model.config.keyValueHeads {
                let got = moved.key(layer: 0, kvHead: head, position: position), want = after.key(layer: 0, kvHead: head, position: position)
                worst = max(worst, zip(got, want).map { abs($0 - $1) }.max()!)
            }
        }
        #expect(worst < tolerance, "\(name): shifted keys differ by \(worst)")
    }

    @Test func aRunFoundAgainAfterTheEditIsReusedByRotaryModelsOnly() throws {
        for (name, reuses) in [("llama3-tiny", true), ("gpt2-tiny", false)] {
            let directory = fixtureDirectory(name)
            let model = try loadModel(directory: directory)
            let tokenizer = try Tokenizer.named(directory + "/tokenizer.json")
            let vocabulary = min(model.config.vocabularySize, tokenizer.vocabularySize)
            let base = Self.tokens(40, seed: 1, vocabulary: vocabulary)
            let edited = Array(base[0..<10] + base[16...])  // 6 tokens deleted
            let scheduler = BatchScheduler(model: model, tokenizer: tokenizer, slots: 4, promptCache: PromptCache(budgetBytes: 64 << 20),
                                           cacheReuse: 4)
            let answers = run(scheduler, [request(base, temperature: 0, n: 1), request(edited, temperature: 0, n: 1)])
            scheduler.shutdown()
            // The prefix (10), then base[16..<39] at positions 10..<33; the last token is computed.
            #expect(answers[1].cached == (reuses ? 33 : 10), "\(name)")
            #expect(answers[1].cached + answers[1].computed == edited.count)
            #expect(answers[1].0.tokens[0].count == 8)
        }
    }
}
