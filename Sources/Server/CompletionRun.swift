import Foundation
import Hummingbird
import Locking
import NIOCore
import OpenAIAPI
import Sampling
import Tokenizers

/// One /v1/completions or /infill request on the scheduler: its prompts × n samples, their
/// events, the JSON of the answer (or of each streamed chunk), and its time limit.
final class CompletionRun: @unchecked Sendable {
    let server: CompletionServer
    let request: CompletionRequest
    let style: RequestReader.Endpoint
    let start = ContinuousClock.now
    let id = "cmpl-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    let created = Int(Date().timeIntervalSince1970)
    var promptTokens: Int { request.prompts.reduce(0) { $0 + $1.count } }
    private(set) var completionTokens = 0
    /// Prompt tokens taken from the prompt cache, those computed, and the milliseconds they took.
    private(set) var cachedTokens = 0, computedPromptTokens = 0, promptMilliseconds = 0.0

    private func record(prefilled cached: Int, _ computed: Int, _ milliseconds: Double) {
        cachedTokens += cached
        computedPromptTokens += computed
        promptMilliseconds += milliseconds
    }

    /// The scheduler's handles of the submitted prompts, and whether the run was cancelled first.
    private let submitted = LockedBox<(handles: [BatchScheduler.Handle], cancelled: Bool)>(([], false))

    /// Stops every sample (the client left): those running leave the batch before the next step,
    /// those not yet submitted are dropped before their prompt is read.
    func cancel() {
        let handles = submitted.withLock { submitted in
            submitted.cancelled = true
            return submitted.handles
        }
        handles.forEach { $0.cancel() }
    }

    /// Whether `cancel` was called: the client left before the answer was complete.
    var cancelled: Bool { submitted.withLock { $0.cancelled } }

    var usage: Usage { Usage(promptTokens: promptTokens, completionTokens: completionTokens, cachedTokens: cachedTokens) }

    init(server: CompletionServer, request: CompletionRequest, style: RequestReader.Endpoint = .completions) {
        self.server = server
        self.request = request
        self.style = style
    }

    /// Submits every prompt and yields (prompt index, event) until all are done; cancelling the
    /// consuming task, or the time limit, cancels the requests.
    func events() -> (AsyncStream<(Int, BatchScheduler.Event)>, TimeLimit) {
        let (stream, continuation) = AsyncStream<(Int, BatchScheduler.Event)>.makeStream()
        let remaining = RemainingCount(request.prompts.count)
        let handles = request.prompts.enumerated().map { index, prompt in
            var scheduled = BatchScheduler.Request(prompt: prompt, n: request.n, parameters: request.parameters,
                                                   topLogprobs: request.logprobs, echo: request.echo)
            scheduled.stopTokens = request.stopTokens
            scheduled.cachePrompt = request.cachePrompt
            return server.scheduler.submit(scheduled) { event in
                continuation.yield((index, event))
                if case .done = event, remaining.decrement() == 0 { continuation.finish() }
            }
        }
        let cancelledFirst = submitted.withLock { submitted in
            submitted.handles = handles
            return submitted.cancelled
        }
        if cancelledFirst { handles.forEach { $0.cancel() } }
        let limit = TimeLimit(seconds: server.limits.requestSeconds) { handles.forEach { $0.cancel() } }
        continuation.onTermination = { _ in handles.forEach { $0.cancel() } }
        return (stream, limit)
    }

    /// The whole answer, as OpenAI's JSON.
    func collect() async throws -> TextCompletion {
        let (stream, limit) = events()
        defer { limit.cancel() }
        var prompts: [Int: [BatchScheduler.TokenReport]] = [:]
        var completions: [Int: Completion] = [:]
        var reports: [Int: [BatchScheduler.TokenReport]] = [:]
        var failure: Error?
        await withTaskCancellationHandler {
            for await (p, event) in stream {
                switch event {
                case .prefilled(let cached, let computed, let ms): record(prefilled: cached, computed, ms)
                case .prompt(let tokens): prompts[p] = tokens
                case .tokens(let index, _, let tokens): reports[p * request.n + index, default: []] += tokens
                case .finished(let index, let completion): completions[p * request.n + index] = completion
                case .done(let error): if let error, failure == nil { failure = error }
                }
            }
        } onCancel: {
            cancel()
        }
        if limit.fired { throw timeoutError }
        if let failure { throw APIError(status: .badRequest, message: "\(failure)", type: "invalid_request_error", parameter: "prompt") }
        var choices: [TextChoice] = []
        for p in request.prompts.indices {
            for i in 0..<request.n {
                let index = p * request.n + i
                let completion = completions[index]!
                completionTokens += completion.tokens.count
                let echoed = request.echo ? prompts[p] ?? [] : []
                // Chat carries its logprobs in its own shape: the text completion's are not worked out for it.
                let textLogprobs = style == .chat ? nil : logprobs(echoed + (reports[index] ?? []))
                choices.append(.init(index: index, text: (request.echo ? request.promptTexts[p] : "") + completion.text,
                                     finishReason: completion.finishReason.rawValue, logprobs: textLogprobs))
                if style == .chat && request.wantsLogprobs { chatLogprobs[index] = chatTokens(reports[index] ?? []) }
            }
        }
        var answer = chunk(choices: choices)
        answer.usage = usage
        return answer
    }

    /// Server-sent events: one chunk per settled piece of text, a last chunk with the finish
    /// reason per choice, the usage if asked, then [DONE]. A write that fails (the client left)
    /// cancels the samples, freeing their slots before the next step.
    func stream(into writer: inout any ResponseBodyWriter, beforeLastWrite: @Sendable () -> Void = {}) async throws {
        if style == .infill { return try await streamLlamaCpp(into: &writer, beforeLastWrite: beforeLastWrite) }
        if style == .chat { return try await streamChat(into: &writer, beforeLastWrite: beforeLastWrite) }
        let (stream, limit) = events()
        defer { limit.cancel() }
        do {
            for await (p, event) in stream {
                switch event {
                case .prefilled(let cached, let computed, let ms):
                    record(prefilled: cached, computed, ms)
                case .prompt(let tokens):
                    for i in 0..<request.n {
                        try await send(.init(index: p * request.n + i, text: request.promptTexts[p], finishReason: nil, logprobs: logprobs(tokens)),
                                       to: &writer)
                    }
                case .tokens(let index, let text, let tokens):
                    completionTokens += tokens.count
                    try await send(.init(index: p * request.n + index, text: text, finishReason: nil, logprobs: logprobs(tokens)), to: &writer)
                case .finished(let index, let completion):
                    try await send(.init(index: p * request.n + index, text: "", finishReason: completion.finishReason.rawValue, logprobs: nil),
                                   to: &writer)
                case .done(let error):
                    try await writeFailure(error, to: &writer)
                }
            }
        } catch {
            cancel()  // the write failed: the client left
            throw error
        }
        var usageChunk = chunk(choices: [])
        usageChunk.usage = usage
        try await endStream(timedOut: limit.fired, usage: usageChunk, into: &writer, beforeLastWrite: beforeLastWrite)
    }

    /// An OpenAI stream's end: the timeout's error event if it fired, the usage if asked, [DONE].
    private func endStream(timedOut: Bool, usage: some Encodable, into writer: inout any ResponseBodyWriter,
                           beforeLastWrite: @Sendable () -> Void) async throws {
        if timedOut { try await writeEvent(timeoutError.body, to: &writer) }
        if request.includeUsageInStream { try await writeEvent(usage, to: &writer) }
        beforeLastWrite()
        try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
        try await writer.finish(nil)
    }

    /// llama.cpp's answer to /infill (and /completion): the content, whether and why it stopped,
    /// token counts and timings.
    func llamaCppAnswer(content: String, finishReason: Completion.FinishReason?) -> LlamaCppAnswer {
        var answer = LlamaCppAnswer(content: content, stop: finishReason != nil, model: server.modelName)
        if let finishReason {
            let ms = milliseconds(since: start)
            answer.stopType = finishReason == .length ? "limit" : "eos"
            answer.tokensPredicted = completionTokens
            answer.tokensEvaluated = promptTokens
            answer.tokensCached = cachedTokens
            answer.truncated = false
            answer.timings = .init(promptN: computedPromptTokens, promptMS: promptMilliseconds, predictedN: completionTokens, predictedMS: ms,
                                   predictedPerSecond: ms > 0 ? Double(completionTokens) / ms * 1000 : 0)
        }
        return answer
    }

    /// The one sample of an /infill request, as llama.cpp's JSON.
    func collectLlamaCpp() async throws -> LlamaCppAnswer {
        let choice = try await collect().choices.first
        let finish = choice?.finishReason.flatMap(Completion.FinishReason.init(rawValue:)) ?? .stop
        return llamaCppAnswer(content: choice?.text ?? "", finishReason: finish)
    }

    /// llama.cpp's stream: `data: {"content": ..., "stop": false}` per settled piece of text, then one
    /// with "stop": true and the counts; no [DONE].
    private func streamLlamaCpp(into writer: inout any ResponseBodyWriter, beforeLastWrite: @Sendable () -> Void) async throws {
        let (stream, limit) = events()
        defer { limit.cancel() }
        var finish: Completion.FinishReason = .stop
        do {
            for await (_, event) in stream {
                switch event {
                case .tokens(_, let text, let tokens):
                    completionTokens += tokens.count
                    if !text.isEmpty { try await writeEvent(llamaCppAnswer(content: text, finishReason: nil), to: &writer) }
                case .finished(_, let completion):
                    finish = completion.finishReason
                case .done(let error):
                    try await writeFailure(error, to: &writer)
                case .prefilled(let cached, let computed, let ms):
                    record(prefilled: cached, computed, ms)
                case .prompt:
                    break
                }
            }
        } catch {
            cancel()  // the write failed: the client left
            throw error
        }
        beforeLastWrite()
        try await writeEvent(llamaCppAnswer(content: "", finishReason: limit.fired ? .length : finish), to: &writer)
        try await writer.finish(nil)
    }

    /// The whole answer as OpenAI's chat.completion.
    func collectChat() async throws -> ChatCompletion {
        let answer = try await collect()
        let choices = answer.choices.map { choice in
            ChatChoice(index: choice.index, message: ChatMessage(role: "assistant", content: choice.text),
                                  finishReason: choice.finishReason, logprobs: chatLogprobs[choice.index].map { ChatLogprobs(content: $0) })
        }
        return ChatCompletion(id: chatID, created: created, model: server.modelName, choices: choices, usage: answer.usage)
    }

    /// Chat's stream: per choice a first chunk with the role, then pieces of the content, then one
    /// with the finish reason; the usage if asked; then [DONE].
    private func streamChat(into writer: inout any ResponseBodyWriter, beforeLastWrite: @Sendable () -> Void) async throws {
        let (stream, limit) = events()
        defer { limit.cancel() }
        func send(_ index: Int, _ delta: ChatChunkChoice.Delta, finish: String? = nil, logprobs: [ChatLogprobs.Token]? = nil) async throws {
            let choice = ChatChunkChoice(index: index, delta: delta, finishReason: finish, logprobs: logprobs.map { ChatLogprobs(content: $0) })
            try await writeEvent(ChatCompletionChunk(id: chatID, created: created, model: server.modelName, choices: [choice]), to: &writer)
        }
        do {
            for i in 0..<request.n { try await send(i, .init(role: "assistant", content: "")) }
            for await (_, event) in stream {
                switch event {
                case .tokens(let index, let text, let tokens):
                    completionTokens += tokens.count
                    try await send(index, .init(content: text), logprobs: request.wantsLogprobs ? chatTokens(tokens) : nil)
                case .finished(let index, let completion):
                    try await send(index, .init(), finish: completion.finishReason.rawValue)
                case .done(let error):
                    try await writeFailure(error, to: &writer)
                case .prefilled(let cached, let computed, let ms):
                    record(prefilled: cached, computed, ms)
                case .prompt:
                    break
                }
            }
        } catch {
            cancel()  // the write failed: the client left
            throw error
        }
        try await endStream(timedOut: limit.fired, usage: ChatCompletionChunk(id: chatID, created: created, model: server.modelName, choices: [], usage: usage),
                            into: &writer, beforeLastWrite: beforeLastWrite)
    }

    var chatID: String { "chatcmpl-" + id.dropFirst("cmpl-".count) }

    /// Chat's logprobs of each choice's tokens, filled by collect().
    private(set) var chatLogprobs: [Int: [ChatLogprobs.Token]] = [:]

    /// Chat's per-token entries: the token's text and bytes, its log-probability, the top alternatives.
    func chatTokens(_ reports: [BatchScheduler.TokenReport]) -> [ChatLogprobs.Token] {
        reports.compactMap { report in
            guard let logprob = report.logprob else { return nil }
            let top = report.top.map { token, logprob in
                let bytes = (try? server.tokenizer.decodeBytes([token])) ?? []
                return ChatLogprobs.Alternative(token: String(decoding: bytes, as: UTF8.self), logprob: Double(logprob), bytes: bytes)
            }
            return ChatLogprobs.Token(token: String(decoding: report.bytes, as: UTF8.self), logprob: Double(logprob), bytes: report.bytes,
                                      topLogprobs: Array(top.prefix(request.logprobs)))
        }
    }

    private func chunk(choices: [TextChoice]) -> TextCompletion {
        TextCompletion(id: id, created: created, model: server.modelName, choices: choices)
    }

    private func send(_ choice: TextChoice, to writer: inout any ResponseBodyWriter) async throws {
        try await writeEvent(chunk(choices: [choice]), to: &writer)
    }

    var timeoutError: APIError {
        APIError(status: .requestTimeout, message: "the request took over \(server.limits.requestSeconds) s and was stopped", type: "timeout_error")
    }

    /// A stream's failure as an error event; a cancelled request (the client left) writes none.
    private func writeFailure(_ error: (any Error)?, to writer: inout any ResponseBodyWriter) async throws {
        guard let error, !(error is CancellationError) else { return }
        try await writeEvent(APIError(status: .badRequest, message: "\(error)", type: "invalid_request_error").body, to: &writer)
    }

    private func writeEvent(_ object: some Encodable, to writer: inout any ResponseBodyWriter) async throws {
        let data = try JSONEncoder().encode(object)
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        try await writer.write(buffer)
    }

    /// OpenAI's logprobs object: tokens, their log-probabilities, the top alternatives, and the
    /// offset of each token in the choice's text, in characters (code points) as OpenAI and vLLM
    /// count them; a token that starts inside a character counts from that character's start.
    func logprobs(_ reports: [BatchScheduler.TokenReport]) -> TextChoice.Logprobs? {
        guard request.wantsLogprobs else { return nil }
        var offsets: [Int] = []
        var characters = 0, pending: [UInt8] = []
        for report in reports {
            offsets.append(characters)
            pending += report.bytes
            // Whole characters leave `pending`; an incomplete one waits for the next token's bytes.
            let complete = Self.completeUTF8Prefix(pending)
            characters += String(decoding: pending[..<complete], as: UTF8.self).unicodeScalars.count
            pending.removeFirst(complete)
        }
        return .init(
            tokens: reports.map { String(decoding: $0.bytes, as: UTF8.self) },
            tokenLogprobs: reports.map { $0.logprob.map(Double.init) },
            topLogprobs: reports.map { report in
                guard report.logprob != nil else { return nil }
                var top: [String: Double] = [:]
                for (token, logprob) in report.top {
                    let text = String(decoding: (try? server.tokenizer.decodeBytes([token])) ?? [], as: UTF8.self)
                    top[text] = max(top[text] ?? -.infinity, Double(logprob))
                }
                return top
            },
            textOffset: offsets)
    }

    /// How many leading bytes of `bytes` form whole UTF-8 sequences (invalid bytes count as whole:
    /// they decode to one replacement character each).
    static func completeUTF8Prefix(_ bytes: [UInt8]) -> Int {
        var index = bytes.count
        // Back up over at most three continuation bytes to the lead byte of the last sequence.
        var back = 0
        while back < 3, index > 0, bytes[index - 1] & 0xC0 == 0x80 { index -= 1; back += 1 }
        guard index > 0 else { return bytes.count }
        let lead = bytes[index - 1]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        return length > back + 1 ? index - 1 : bytes.count
    }
}

/// Prompts still running.
final class RemainingCount: Sendable {
    private let value: LockedBox<Int>
    init(_ value: Int) { self.value = LockedBox(value) }
    func decrement() -> Int { value.withLock { $0 -= 1; return $0 } }
}
