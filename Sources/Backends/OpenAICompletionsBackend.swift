import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Sampling
import Synchronization

/// A client of OpenAI's /v1/completions API (platform.openai.com/docs/api-reference/completions),
/// as vLLM, llama.cpp's server and Ollama serve it. Retries 429 and 5xx with exponential backoff
/// (honouring Retry-After), and reads token log-probabilities when the server sends them.
public final class OpenAICompletionsBackend: CompletionBackend, @unchecked Sendable {
    public let endpoint: String
    public let modelName: String
    let apiKey: String?
    let maxRetries: Int
    let timeout: TimeAmount
    let client: HTTPClient
    /// Attempts that were retried, for reports and tests.
    public var retries: Int { retryCount.withLock { $0 } }
    private let retryCount = Mutex(0)

    /// `endpoint` is the server's base URL (with or without /v1); the key comes from
    /// $CODELOOP_API_KEY or $OPENAI_API_KEY unless given.
    public init(endpoint: String, modelName: String, apiKey: String? = nil, maxRetries: Int = 5, timeoutSeconds: Int64 = 600) {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/v1/completions") { base.removeLast("/v1/completions".count) }
        if base.hasSuffix("/v1") { base.removeLast(3) }
        self.endpoint = base + "/v1/completions"
        self.modelName = modelName
        let environment = ProcessInfo.processInfo.environment
        self.apiKey = apiKey ?? environment["CODELOOP_API_KEY"] ?? environment["OPENAI_API_KEY"]
        self.maxRetries = maxRetries
        self.timeout = .seconds(timeoutSeconds)
        self.client = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    deinit { try? client.syncShutdown() }

    public func shutdown() async throws { try await client.shutdown() }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func body(prompt: String, suffix: String?, n: Int, parameters: SamplingParameters, firstSample: Int) throws -> Data {
        var object: [String: Any] = [
            "model": modelName, "prompt": prompt, "n": n, "max_tokens": parameters.maxTokens,
            "temperature": parameters.temperature, "top_p": parameters.topP, "logprobs": 1,
            // A distinct seed per request keeps the samples of a resumed run independent.
            "seed": Int(truncatingIfNeeded: parameters.seed &+ UInt64(firstSample)),
        ]
        if parameters.topK > 0 { object["top_k"] = parameters.topK }
        if !parameters.stop.isEmpty { object["stop"] = parameters.stop }
        if let suffix { object["suffix"] = suffix }
        return try JSONSerialization.data(withJSONObject: object)
    }

    public func complete(prompt: String, suffix: String?, n: Int, parameters: SamplingParameters, firstSample: Int) async throws -> [Completion] {
        if n > 1 && ignoresN.withLock({ $0 }) {
            return try await oneRequestPerSample(prompt: prompt, suffix: suffix, from: 0, to: n, parameters: parameters, firstSample: firstSample)
        }
        let completions = try parse(try await post(body(prompt: prompt, suffix: suffix, n: n, parameters: parameters, firstSample: firstSample)))
        guard completions.count != n else { return completions }
        guard completions.count < n, !completions.isEmpty else {
            throw Failure(description: "\(endpoint): asked for \(n) choices, got \(completions.count)")
        }
        // llama.cpp's server (llama-cpp-python's) and Ollama ignore n: draw the rest one by one.
        let first = ignoresN.withLock { (ignores: inout Bool) -> Bool in
            defer { ignores = true }
            return !ignores
        }
        if first {
            FileHandle.standardError.write(Data("codeloop: \(endpoint) answered \(completions.count) of \(n) choices (it ignores n); drawing the rest with one request per sample\n".utf8))
        }
        return completions + (try await oneRequestPerSample(prompt: prompt, suffix: suffix, from: completions.count, to: n,
                                                            parameters: parameters, firstSample: firstSample))
    }

    /// Samples `from..<to` of a prompt, one request each (each with its own sample's seed).
    private func oneRequestPerSample(prompt: String, suffix: String?, from: Int, to: Int, parameters: SamplingParameters,
                                     firstSample: Int) async throws -> [Completion] {
        var completions: [Completion] = []
        for sample in from..<to {
            let answer = try parse(try await post(body(prompt: prompt, suffix: suffix, n: 1, parameters: parameters, firstSample: firstSample + sample)))
            guard answer.count == 1 else { throw Failure(description: "\(endpoint): asked for 1 choice, got \(answer.count)") }
            completions += answer
        }
        return completions
    }

    /// Echoes context + continuation with their log-probabilities (`echo`, as vLLM, llama.cpp's
    /// server and codeloop serve give them; one token is generated, for servers that refuse 0) and
    /// sums those of the tokens that start inside the continuation (`text_offset`, in characters).
    public func logprob(of continuation: String, after context: String) async throws -> Double {
        let payload = try JSONSerialization.data(withJSONObject: [
            "model": modelName, "prompt": context + continuation, "max_tokens": 1, "temperature": 0, "echo": true, "logprobs": 0,
        ] as [String: Any])
        let data = try await post(payload)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let choice = (object["choices"] as? [[String: Any]])?.first,
              let logprobs = choice["logprobs"] as? [String: Any],
              let values = logprobs["token_logprobs"] as? [Any], let offsets = logprobs["text_offset"] as? [Int] else {
            throw Failure(description: "\(endpoint): an echo request got no \"token_logprobs\" and \"text_offset\" (\(Self.errorMessage(data))); the server must support echo with logprobs")
        }
        let start = context.unicodeScalars.count, end = start + continuation.unicodeScalars.count
        var total = 0.0
        for (value, offset) in zip(values, offsets) where offset >= start && offset < end {
            guard let logprob = value as? Double else { throw Failure(description: "\(endpoint): an echoed token has no log-probability") }
            total += logprob
        }
        return total
    }

    /// Whether the server was seen to answer fewer choices than n asked.
    private let ignoresN = Mutex(false)

    /// POSTs a request body, retrying as the class says; the response body of a 200.
    private func post(_ payload: Data) async throws -> Data {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(bytes: payload))
        var attempt = 0
        while true {
            let status: HTTPResponseStatus
            let data: Data
            var retryAfter: Double?
            do {
                let response = try await client.execute(request, timeout: timeout)
                status = response.status
                retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init)
                let collected = try await response.body.collect(upTo: 64 << 20)
                data = Data(collected.readableBytesView)
            } catch {
                guard attempt < maxRetries else {
                    throw Failure(description: "\(endpoint): \(error) (after \(attempt + 1) attempts)")
                }
                try await backoff(attempt: attempt, retryAfter: nil)
                attempt += 1
                continue
            }
            if status == .ok { return data }
            let retryable = status == .tooManyRequests || status.code >= 500
            if retryable && attempt < maxRetries {
                try await backoff(attempt: attempt, retryAfter: retryAfter)
                attempt += 1
                continue
            }
            throw Failure(description: "\(endpoint): HTTP \(status.code): \(Self.errorMessage(data))")
        }
    }

    private func backoff(attempt: Int, retryAfter: Double?) async throws {
        retryCount.withLock { $0 += 1 }
        let base = min(8.0, 0.25 * pow(2, Double(attempt)))
        let delay = retryAfter.map { min($0, 60) } ?? base * Double.random(in: 0.5...1.0)
        try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
    }

    static func errorMessage(_ data: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let error = object["error"] as? [String: Any], let message = error["message"] as? String {
            return message
        }
        return String(decoding: data.prefix(300), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
    }

    func parse(_ data: Data) throws -> [Completion] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let choices = object["choices"] as? [[String: Any]] else {
            throw Failure(description: "\(endpoint): the response has no \"choices\" (\(Self.errorMessage(data)))")
        }
        return try choices.sorted { ($0["index"] as? Int ?? 0) < ($1["index"] as? Int ?? 0) }.map { choice in
            guard let text = choice["text"] as? String else {
                throw Failure(description: "\(endpoint): a choice has no \"text\"")
            }
            // A server may give a token no log-probability (null); it still counts as a token.
            let logprobs = ((choice["logprobs"] as? [String: Any])?["token_logprobs"] as? [Any])?.map { ($0 as? Double).map(Float.init) ?? .nan } ?? []
            let reason: Completion.FinishReason = (choice["finish_reason"] as? String) == "length" ? .length : .stop
            return Completion(text: text, tokens: [], logprobs: logprobs, finishReason: reason)
        }
    }
}
