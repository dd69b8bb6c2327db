import Foundation
import Locking
import Models
import Seeding
import Tensors
import Tokenizers

/// Continuous batching: every sample of every request in flight advances in the same forward
/// pass, and a request joins or leaves between two steps. A request's prompt is computed once;
/// its n samples continue from that shared cache and take free slots as they open, so a server
/// with 64 slots can serve n = 200 and many small requests at once.
///
/// One thread runs the loop. Sample i of a request draws from SplitMix64(seed, stream: i), so a
/// request's completions are the same alone or among others, streamed or not.
public final class BatchScheduler: @unchecked Sendable {
    public struct Request: Sendable {
        public var prompt: [Int]
        public var n: Int
        public var parameters: SamplingParameters
        /// How many most likely tokens to report beside each token (0: none).
        public var topLogprobs: Int
        /// Report the prompt's own token log-probabilities.
        public var echo: Bool
        /// Sample indices start here (a resumed `generate` continues its streams).
        public var firstSample: Int
        /// When set, a prompt that leaves fewer than this many positions of the context is cut
        /// from the left to leave exactly that many (short-context models on long prompts).
        public var keepRoom: Int?
        /// Tokens besides the tokenizer's eos that end a sample, not part of its text (the end of a
        /// FIM middle, CodeLlama's <EOT>).
        public var stopTokens: Set<Int> = []
        /// Tokens never drawn (fill-in-the-middle sentinels in a left-to-right completion).
        public var bannedTokens: Set<Int> = []
        /// Reuse the scheduler's prompt cache for the prompt, and keep the prompt in it.
        public var cachePrompt = false

        public init(prompt: [Int], n: Int, parameters: SamplingParameters, topLogprobs: Int = 0, echo: Bool = false,
                    firstSample: Int = 0) {
            self.prompt = prompt
            self.n = n
            self.parameters = parameters
            self.topLogprobs = topLogprobs
            self.echo = echo
            self.firstSample = firstSample
        }
    }

    /// One token as reported: its id, text bytes, log-probability and the most likely alternatives.
    public struct TokenReport: Sendable {
        public let token: Int
        public let bytes: [UInt8]
        public let logprob: Float?
        public let top: [(token: Int, logprob: Float)]
    }

    public enum Event: Sendable {
        /// The prompt has been read: `cached` of its tokens came from the prompt cache, `computed`
        /// were run through the model, in `milliseconds`.
        case prefilled(cached: Int, computed: Int, milliseconds: Double)
        /// The prompt's tokens with their log-probabilities (the first has none), when echo was asked.
        case prompt([TokenReport])
        /// Newly settled tokens of sample `index` (0-based within the request) and their text:
        /// text that a stop sequence could still cut is held back until it cannot.
        case tokens(index: Int, text: String, tokens: [TokenReport])
        case finished(index: Int, completion: Completion)
        /// Every sample has finished (or the request failed).
        case done(Error?)
    }

    public final class Handle: Sendable {
        private let cancelled = LockedBox(false)
        /// Stops the request: its samples leave the batch before the next step.
        public func cancel() { cancelled.withLock { $0 = true } }
        var isCancelled: Bool { cancelled.withLock { $0 } }
    }

    public let model: any LanguageModel
    public let tokenizer: Tokenizer
    /// Samples decoding at once across all requests (bounds KV-cache memory).
    public let slots: Int
    /// Prompts kept across requests (nil: every prompt is computed whole).
    public let promptCache: PromptCache?
    /// Told once, when a prompt is larger than the whole cache budget.
    private let onCacheTooSmall: @Sendable (Int) -> Void
    /// Tokens generated since start, for throughput figures.
    public var generatedTokens: Int { generated.withLock { $0 } }
    /// Samples in the batch after the last step (slots in use).
    public var samplesRunning: Int { running.withLock { $0 } }

    private let generated = LockedBox(0)
    private let running = LockedBox(0)
    private let condition = NSCondition()
    private var pending: [Pending] = []
    private var stopping = false
    private var thread: Thread?

    private struct Pending {
        let request: Request
        let handle: Handle
        let onEvent: @Sendable (Event) -> Void
    }

    /// The end-of-document token, which ends a sample (not part of its text).
    let endOfText: Int?
    let prefillChunk: Int
    let cacheReuse: Int

    /// `prefillChunk`: prompt positions read per forward pass. `cacheReuse`: with a prompt cache,
    /// the fewest tokens of a run after the shared prefix that are taken from a cached prompt at a
    /// new position (llama.cpp's n_cache_reuse; 0: the prefix only). Such a run's keys and values
    /// were computed after other tokens, so answers may differ from an uncached run's: off by default, as in llama.cpp.
    public init(model: any LanguageModel, tokenizer: Tokenizer, slots: Int, prefillChunk: Int = defaultPrefillChunk,
                promptCache: PromptCache? = nil, cacheReuse: Int = 0, onCacheTooSmall: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.cacheReuse = max(0, cacheReuse)
        self.model = model
        self.tokenizer = tokenizer
        self.slots = max(1, slots)
        self.prefillChunk = max(1, prefillChunk)
        self.promptCache = promptCache
        self.onCacheTooSmall = onCacheTooSmall
        endOfText = tokenizer.eos
    }

    /// Queues a request; `onEvent` is called on the scheduler's thread, in order, ending with `.done`.
    @discardableResult
    public func submit(_ request: Request, onEvent: @escaping @Sendable (Event) -> Void) -> Handle {
        let handle = Handle()
        condition.lock()
        if stopping {
            // The loop is gone or going: nothing would ever answer this request.
            condition.unlock()
            onEvent(.done(ModelError("the server is shutting down")))
            return handle
        }
        pending.append(Pending(request: request, handle: handle, onEvent: onEvent))
        if thread == nil {
            let thread = Thread { [unowned self] in self.loop() }
            thread.name = "codeloop-batch"
            thread.stackSize = 8 << 20
            self.thread = thread
            thread.start()
        }
        condition.signal()
        condition.unlock()
        return handle
    }

    /// Ends the loop after the current step; requests still queued or running get `.done(error)`.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    /// A request in flight.
    private final class Active {
        let request: Request
        let handle: Handle
        let onEvent: @Sendable (Event) -> Void
        let promptCache: KVCache
        let lastRow: [Float]
        let room: Int
        let stops: [[UInt8]]
        let longestStop: Int
        var nextSample: Int
        var running: [Running] = []
        var finishedCount = 0

        init(_ pending: Pending, promptCache: KVCache, lastRow: [Float], room: Int) {
            request = pending.request
            handle = pending.handle
            onEvent = pending.onEvent
            self.promptCache = promptCache
            self.lastRow = lastRow
            self.room = room
            stops = request.parameters.stop.filter { !$0.isEmpty }.map { Array($0.utf8) }
            longestStop = stops.map(\.count).max() ?? 0
            nextSample = 0
        }

        var allStarted: Bool { nextSample >= request.n }
        var complete: Bool { finishedCount >= request.n }
    }

    /// One sample in flight, and how much of it has been reported.
    private struct Running {
        var state: SampleState
        var reportedTokens = 0
        var tops: [[(token: Int, logprob: Float)]] = []
        var decoder: StreamingDecoder
    }

    private func loop() {
        var active: [Active] = []
        let vocabulary = model.config.vocabularySize
        let spellable = min(vocabulary, tokenizer.vocabularySize)
        while true {
            condition.lock()
            if pending.isEmpty && active.isEmpty { running.withLock { $0 = 0 } }
            while pending.isEmpty && active.isEmpty && !stopping { condition.wait() }
            if stopping {
                let queued = pending
                pending = []
                condition.unlock()
                let error = ModelError("the server is shutting down")
                for p in queued { p.onEvent(.done(error)) }
                for a in active { a.onEvent(.done(error)) }
                return
            }
            let arrived = pending
            pending = []
            condition.unlock()

            for p in arrived {
                // A request cancelled while queued (its client left) is not worth its prompt.
                if p.handle.isCancelled {
                    p.onEvent(.done(CancellationError()))
                    continue
                }
                do {
                    active.append(try prefill(p, vocabulary: vocabulary))
                } catch {
                    p.onEvent(.done(error))
                }
            }
            // Drop cancelled requests at once: their slots are free for this step.
            active.removeAll { a in
                if a.handle.isCancelled {
                    a.onEvent(.done(CancellationError()))
                    return true
                }
                return false
            }
            // Fill free slots, oldest request first.
            var used = active.reduce(0) { $0 + $1.running.count }
            for a in active where used < slots {
                while !a.allStarted && used < slots {
                    let index = a.request.firstSample + a.nextSample
                    let state = SampleState(index: a.nextSample, cache: KVCache(continuing: a.promptCache, extra: a.room),
                                            random: SplitMix64(seed: a.request.parameters.seed, stream: index),
                                            logits: a.lastRow)
                    a.running.append(Running(state: state, decoder: StreamingDecoder(tokenizer: tokenizer)))
                    a.nextSample += 1
                    used += 1
                }
            }
            let draws = drawAll(active, spellable: spellable)
            var steps: [Step] = []
            var owners: [(Active, Int)] = []
            var produced = 0
            for (a, first) in draws.firsts {
                var r = 0, index = first
                while r < a.running.count {
                    let keepsGoing = advance(a, &a.running[r], draw: draws.draws[index])
                    index += 1
                    produced += 1
                    if keepsGoing {
                        steps.append(Step(token: a.running[r].state.tokens.last!, cache: a.running[r].state.cache))
                        owners.append((a, r))
                        r += 1
                    } else {
                        a.running.remove(at: r)
                        a.finishedCount += 1
                    }
                }
            }
            generated.withLock { $0 += produced }
            running.withLock { $0 = steps.count }
            if !steps.isEmpty {
                do {
                    let logits = try model.forward(steps)
                    for (row, (a, r)) in owners.enumerated() {
                        a.running[r].state.logits = Array(logits[(row * vocabulary)..<((row + 1) * vocabulary)])
                    }
                } catch {
                    for a in active { a.onEvent(.done(error)) }
                    active = []
                    continue
                }
            }
            active.removeAll { a in
                if a.complete {
                    a.onEvent(.done(nil))
                    return true
                }
                return false
            }
        }
    }

    /// Computes a request's prompt once and reports its log-probabilities if asked.
    private func prefill(_ p: Pending, vocabulary: Int) throws -> Active {
        let context = model.config.contextLength
        var prompt = p.request.prompt
        if let keepRoom = p.request.keepRoom, prompt.count > context - keepRoom {
            prompt = Array(prompt.suffix(max(1, context - keepRoom)))
        }
        guard !prompt.isEmpty else { throw ModelError("the prompt is empty") }
        guard prompt.count < context else {
            throw ModelError("prompt of \(prompt.count) tokens does not fit the model's context of \(context)")
        }
        let started = ContinuousClock.now
        let cache = KVCache(config: model.config, capacity: prompt.count)
        // A prompt's last token is always run: its logits start the samples. Echo needs every
        // position's logits, so it reuses nothing.
        var cached = 0
        var logits: [Float] = []
        if p.request.cachePrompt && !p.request.echo, let promptCache,
           let plan = promptCache.plan(for: prompt, limit: prompt.count - 1, minimumChunk: model.shiftsKeys ? cacheReuse : 0) {
            for piece in plan.pieces {
                switch piece {
                case .reuse(let positions):
                    let at = cache.length
                    cache.append(from: plan.entry, positions: positions)
                    if at != positions.lowerBound { model.shiftKeys(in: cache, positions: at..<cache.length, by: at - positions.lowerBound) }
                case .compute(let positions):
                    logits = try model.forward(Array(prompt[positions]), cache: cache, logits: positions.upperBound == prompt.count ? .last : .none,
                                               chunk: prefillChunk)
                }
            }
            cached = plan.reused
        } else {
            logits = try model.forward(prompt, cache: cache, logits: p.request.echo ? .all : .last, chunk: prefillChunk)
        }
        if p.request.cachePrompt, let promptCache {
            promptCache.insert(prompt, cache: cache) { onCacheTooSmall(cache.byteCount) }
        }
        let elapsed = ContinuousClock.now - started
        p.onEvent(.prefilled(cached: cached, computed: prompt.count - cached,
                             milliseconds: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15))
        if p.request.echo {
            var reports: [TokenReport] = []
            for (i, token) in prompt.enumerated() {
                let bytes = (try? tokenizer.decodeBytes([token])) ?? []
                if i == 0 {
                    reports.append(TokenReport(token: token, bytes: bytes, logprob: nil, top: []))
                    continue
                }
                let row = logits[((i - 1) * vocabulary)..<(i * vocabulary)]
                let (logprob, top) = row.withUnsafeBufferPointer { buffer in
                    (LogitProcessors.logprob(of: token, in: buffer), LogitProcessors.topLogprobs(buffer, count: p.request.topLogprobs))
                }
                reports.append(TokenReport(token: token, bytes: bytes, logprob: logprob, top: top))
            }
            p.onEvent(.prompt(reports))
        }
        let room = min(p.request.parameters.maxTokens, context - prompt.count)
        return Active(p, promptCache: cache, lastRow: Array(logits.suffix(vocabulary)), room: room)
    }

    /// A sample's next token, its log-probability and the most likely alternatives.
    private struct Draw {
        var token = 0
        var logprob: Float = 0
        var top: [(token: Int, logprob: Float)] = []
    }

    /// Draws the next token of every running sample, the samples spread over the cores (each
    /// reads a whole vocabulary row, and has its own random stream). Draws are in the order of
    /// `active` and its samples; `firsts` says where each request's begin.
    private func drawAll(_ active: [Active], spellable: Int) -> (draws: [Draw], firsts: [(Active, Int)]) {
        var firsts: [(Active, Int)] = []
        var rows: [(logits: [Float], parameters: SamplingParameters, topLogprobs: Int)] = []
        var randoms: [SplitMix64] = []
        for a in active {
            firsts.append((a, rows.count))
            for r in a.running.indices {
                // In the sample's own row (a fresh array each step), so that banning copies nothing.
                for token in a.request.bannedTokens where token < a.running[r].state.logits.count {
                    a.running[r].state.logits[token] = -.infinity
                }
                rows.append((a.running[r].state.logits, a.request.parameters, a.request.topLogprobs))
                randoms.append(a.running[r].state.random)
            }
        }
        var draws = [Draw](repeating: Draw(), count: rows.count)
        draws.withUnsafeMutableBufferPointer { draws in
            randoms.withUnsafeMutableBufferPointer { randoms in
                parallelFor(rows.count) { i in
                    let row = rows[i]
                    row.logits.withUnsafeBufferPointer { buffer in
                        let token = LogitProcessors.sample(UnsafeBufferPointer(rebasing: buffer[0..<spellable]), parameters: row.parameters,
                                                           random: &randoms[i])
                        draws[i] = Draw(token: token, logprob: LogitProcessors.logprob(of: token, in: buffer),
                                        top: LogitProcessors.topLogprobs(buffer, count: row.topLogprobs))
                    }
                }
            }
        }
        var index = 0
        for a in active {
            for r in a.running.indices {
                a.running[r].state.random = randoms[index]
                index += 1
            }
        }
        return (draws, firsts)
    }

    /// Takes a sample's drawn token, reports what is settled, and says whether it goes on.
    private func advance(_ a: Active, _ running: inout Running, draw: Draw) -> Bool {
        let (token, logprob, top) = (draw.token, draw.logprob, draw.top)
        if token == endOfText || a.request.stopTokens.contains(token) {
            // The model ended the document: the completion stops before this token, as Codex's did.
            running.state.finish(.stop)
        } else {
            let bytes = (try? tokenizer.decodeBytes([token])) ?? []
            running.state.accept(token: token, logprob: logprob, bytes: bytes)
            running.tops.append(top)
            if running.state.hitStop(a.stops, longestStop: a.longestStop) {
                running.state.finish(.stop)
            } else if running.state.tokens.count >= a.room {
                running.state.finish(.length)
            }
        }
        let finished = running.state.finished
        // Settled: tokens that begin before the cut when finished; otherwise tokens whose bytes
        // end where no stop sequence could still begin.
        let state = running.state
        let settled: Int
        if finished {
            let end = state.cut ?? state.bytes.count
            settled = state.starts.filter { $0 < end }.count
        } else {
            let safe = state.bytes.count - max(0, a.longestStop - 1)
            var count = running.reportedTokens
            while count < state.tokens.count && (count + 1 < state.starts.count ? state.starts[count + 1] : state.bytes.count) <= safe {
                count += 1
            }
            settled = count
        }
        if settled > running.reportedTokens {
            let end = finished ? (state.cut ?? state.bytes.count) : (settled < state.starts.count ? state.starts[settled] : state.bytes.count)
            let text = running.decoder.append(bytes: Array(state.bytes[state.starts[running.reportedTokens]..<max(end, state.starts[running.reportedTokens])]))
                + (finished ? running.decoder.finish() : "")
            let reports = (running.reportedTokens..<settled).map { i -> TokenReport in
                let from = state.starts[i], to = i + 1 < state.starts.count ? state.starts[i + 1] : state.bytes.count
                return TokenReport(token: state.tokens[i], bytes: Array(state.bytes[from..<to]), logprob: state.logprobs[i], top: running.tops[i])
            }
            running.reportedTokens = settled
            a.onEvent(.tokens(index: state.index, text: text, tokens: reports))
        } else if finished {
            let rest = running.decoder.finish()
            if !rest.isEmpty { a.onEvent(.tokens(index: state.index, text: rest, tokens: [])) }
        }
        if finished { a.onEvent(.finished(index: state.index, completion: state.completion())) }
        return !finished
    }
}
