import Foundation
import Hummingbird
import Locking
import Logging
import Models
import NIOCore
import OpenAIAPI
import Sampling
import Tokenizers

/// OpenAI's /v1/completions (with `suffix` for fill-in-the-middle), /v1/chat/completions (with the
/// model's own chat template) and llama.cpp's /infill over
/// codeloop's engine (Hummingbird 2): every request's samples join one BatchScheduler, so requests
/// that arrive together decode in the same forward passes, and a request's n samples share its
/// prompt's computation. Also GET /v1/models and GET /health.
public final class CompletionServer: Sendable {
    public let scheduler: BatchScheduler
    public let modelName: String
    public let limits: ServerLimits
    let tokenizer: Tokenizer
    /// Reads bodies; it holds the model's chat template, for /v1/chat/completions.
    let reader: RequestReader
    let inFlight = InFlightCounter()

    public init(model: any LanguageModel, tokenizer: Tokenizer, modelName: String, limits: ServerLimits, chatTemplate: ChatTemplate? = nil) {
        let promptCache = limits.promptCacheBytes > 0 ? PromptCache(budgetBytes: limits.promptCacheBytes) : nil
        scheduler = BatchScheduler(model: model, tokenizer: tokenizer, slots: limits.slots, prefillChunk: limits.prefillChunk,
                                   promptCache: promptCache, cacheReuse: limits.cacheReuse) { bytes in
            FileHandle.standardError.write(Data("codeloop serve: a prompt needs \(bytes >> 20) MB of cache, over the prompt cache's \(limits.promptCacheBytes >> 20) MB (--cache-mb); such prompts run uncached\n".utf8))
        }
        self.modelName = modelName
        self.limits = limits
        self.tokenizer = tokenizer
        reader = RequestReader(tokenizer: tokenizer, chatTemplate: chatTemplate, limits: limits, contextLength: model.config.contextLength,
                               vocabulary: model.config.vocabularySize)
    }

    /// The application, bound to host:port (0: any free port); `onRunning` receives the bound port.
    public func application(host: String, port: Int, logger: Logger,
                            onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: ConnectionContext.self)
        router.get("/health") { [self] _, _ in jsonResponse(HealthStatus(scheduler: scheduler, requests: inFlight.current)) }
        router.get("/v1/models") { [modelName] _, _ in jsonResponse(ModelList(data: [.init(id: modelName)])) }
        router.post("/v1/completions") { [self] request, context in
            await self.answer(request, style: .completions, clientGone: await context.disconnectWatcher, logger: logger)
        }
        router.post("/v1/chat/completions") { [self] request, context in
            await self.answer(request, style: .chat, clientGone: await context.disconnectWatcher, logger: logger)
        }
        router.post("/infill") { [self] request, context in
            await self.answer(request, style: .infill, clientGone: await context.disconnectWatcher, logger: logger)
        }
        return Application(router: router, server: .http1(additionalChannelHandlers: [ClientDisconnectWatcher()]),
                           configuration: .init(address: .hostname(host, port: port), serverName: "codeloop"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// `clientGone`: the connection's watcher; when the client leaves, the request's samples stop
    /// and its place frees at once.
    func answer(_ incoming: Request, style: RequestReader.Endpoint, clientGone: ClientDisconnectWatcher? = nil, logger: Logger) async -> Response {
        let start = ContinuousClock.now
        let path = switch style { case .completions: "/v1/completions"; case .chat: "/v1/chat/completions"; case .infill: "/infill" }
        @Sendable func finish(_ response: Response, promptTokens: Int = 0, completionTokens: Int = 0, note: String = "") -> Response {
            let ms = milliseconds(since: start)
            logger.info("POST \(path) \(response.status.code) prompt_tokens=\(promptTokens) completion_tokens=\(completionTokens) ms=\(String(format: "%.1f", ms))\(note)")
            return response
        }
        guard await inFlight.acquire(limit: limits.concurrentRequests, patience: limits.queueSeconds) else {
            return finish(errorResponse(APIError(status: .tooManyRequests, message: "the server is answering \(limits.concurrentRequests) requests; retry later",
                                                 type: "rate_limit_error")))
        }
        // The place is freed when the answer is complete, when its client leaves, or (a stream whose
        // body never ran: the client went first) with the dropped response.
        let place = PlaceRelease(inFlight)
        var streaming = false
        defer { if !streaming { place.release() } }
        var incoming = incoming
        let body: ByteBuffer
        do {
            body = try await incoming.collectBody(upTo: limits.bodyBytes)
        } catch {
            return finish(errorResponse(APIError(status: .contentTooLarge, message: "the request body is over \(limits.bodyBytes) bytes",
                                                 type: "invalid_request_error")))
        }
        let request: CompletionRequest
        do {
            request = try reader.read(Data(buffer: body), at: style)
        } catch let error as APIError {
            return finish(errorResponse(error))
        } catch {
            return finish(errorResponse(.invalid("\(error)")))
        }
        // llama.vscode's n_predict 0 warms the cache: the prompt is read and kept, nothing drawn.
        let warming = request.parameters.maxTokens == 0
        var submitted = request
        if warming { submitted.n = 0 }
        let run = CompletionRun(server: self, request: submitted, style: style)
        let observation = clientGone?.onClientGone { run.cancel(); place.release() }
        if warming {
            defer { observation?.cancel() }
            _ = try? await run.collect()
            return finish(jsonResponse(run.llamaCppAnswer(content: "", finishReason: .length)), promptTokens: run.promptTokens)
        }
        if request.stream {
            streaming = true
            // The body owns the place: it frees it before its last write, so a client that sends its
            // next request on [DONE] finds it free. Logged when the stream ends, with what it sent.
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                            body: ResponseBody { writer in
                                defer {
                                    place.release()
                                    observation?.cancel()
                                }
                                do {
                                    try await run.stream(into: &writer, beforeLastWrite: place.release)
                                    _ = finish(Response(status: .ok), promptTokens: run.promptTokens, completionTokens: run.completionTokens, note: " stream")
                                } catch {
                                    _ = finish(Response(status: .ok), promptTokens: run.promptTokens, completionTokens: run.completionTokens,
                                               note: " stream ended early: the client left")
                                    throw error
                                }
                            })
        }
        defer { observation?.cancel() }
        do {
            let response = switch style {
            case .completions: jsonResponse(try await run.collect())
            case .chat: jsonResponse(try await run.collectChat())
            case .infill: jsonResponse(try await run.collectLlamaCpp())
            }
            return finish(response, promptTokens: run.promptTokens, completionTokens: run.completionTokens)
        } catch let error as APIError {
            return finish(errorResponse(error), promptTokens: run.promptTokens, note: run.cancelled ? " the client left" : "")
        } catch {
            return finish(errorResponse(APIError(status: .internalServerError, message: "\(error)", type: "server_error")))
        }
    }
}

/// Requests being answered, against the concurrency limit. A request that finds the limit reached
/// waits, first come first served, up to its patience for a place to free: a place held by a client
/// that has just left, or by a stream about to write its last event, frees milliseconds later, and
/// without the wait its next request got 429 although the server was about to have room.
final class InFlightCounter: Sendable {
    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Bool, Never>
        let patience: TimeLimit
    }

    private struct State {
        var count = 0
        var waiters: [Waiter] = []
        var nextID = 0
    }

    private let state = LockedBox(State())

    /// Takes a place under `limit`, waiting up to `patience` seconds for one; false when none came.
    func acquire(limit: Int, patience: Double) async -> Bool {
        let admitted = state.withLock { state in
            guard state.count < limit else { return false }
            state.count += 1
            return true
        }
        if admitted || patience <= 0 { return admitted }
        return await withCheckedContinuation { continuation in
            let admitted = state.withLock { state in
                if state.count < limit {
                    state.count += 1
                    return true
                }
                let id = state.nextID
                state.nextID += 1
                state.waiters.append(Waiter(id: id, continuation: continuation, patience: TimeLimit(seconds: patience) { [weak self] in
                    self?.giveUp(id)
                }))
                return false
            }
            if admitted { continuation.resume(returning: true) }
        }
    }

    /// Frees a place: the longest waiting request takes it, or the count goes down.
    func release() {
        let next = state.withLock { state -> Waiter? in
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.count -= 1
            return nil
        }
        next?.patience.cancel()
        next?.continuation.resume(returning: true)
    }

    private func giveUp(_ id: Int) {
        let waiter = state.withLock { state in
            state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
        }
        waiter?.continuation.resume(returning: false)
    }

    /// Requests holding a place now.
    var current: Int { state.withLock { $0.count } }
}

/// One request's place in the concurrency limit, released once: explicitly, or when the last reference goes.
final class PlaceRelease: Sendable {
    private let counter: InFlightCounter
    private let released = LockedBox(false)

    init(_ counter: InFlightCounter) { self.counter = counter }

    @Sendable func release() {
        let first = released.withLock { released in
            defer { released = true }
            return !released
        }
        if first { counter.release() }
    }

    deinit { release() }
}

/// Milliseconds from `start` to now, for the request log and llama.cpp's timings.
func milliseconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
}

func jsonResponse(_ object: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    let data = (try? JSONEncoder().encode(object)) ?? Data("{}".utf8)
    return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

func errorResponse(_ error: APIError) -> Response {
    jsonResponse(error.body, status: error.status)
}
