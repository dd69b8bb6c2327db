import Foundation
import Locking
import OpenAIAPI
import Sampling

/// A client of OpenAI's /v1/completions API (platform.openai.com/docs/api-reference/completions),
/// as vLLM, llama.cpp's server and Ollama serve it. Retries as OpenAIClient does, and reads token
/// log-probabilities when the server sends them.
public final class OpenAICompletionsBackend: CompletionBackend, Sendable {
    public let endpoint: String
    public let modelName: String
    let client: OpenAIClient
    /// Attempts that were retried, for reports and tests.
    public var retries: Int { client.retries }
    /// Whether the server was seen to answer fewer choices than n asked.
    private let ignoresN = LockedBox(false)

    /// `endpoint` is the server's base URL (with or without /v1); the key comes from
    /// $CODELOOP_API_KEY or $OPENAI_API_KEY unless given.
    public init(endpoint: String, modelName: String, apiKey: String? = nil, maxRetries: Int = 5, timeoutSeconds: Int64 = 600) {
        self.endpoint = OpenAIClient.url(base: endpoint, path: "/v1/completions")
        self.modelName = modelName
        client = OpenAIClient(url: self.endpoint, apiKey: OpenAIClient.key(given: apiKey), maxRetries: maxRetries, timeoutSeconds: timeoutSeconds)
    }

    public func shutdown() async throws { try await client.shutdown() }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func request(prompt: String, suffix: String?, n: Int, parameters: SamplingParameters, firstSample: Int) -> CompletionsRequest {
        var request = CompletionsRequest(model: modelName, prompt: .texts([prompt]))
        request.n = n
        request.maxTokens = parameters.maxTokens
        request.temperature = Double(parameters.temperature)
        request.topP = Double(parameters.topP)
        request.logprobs = 1
        // A distinct seed per request keeps the samples of a resumed run independent.
        request.seed = Int(truncatingIfNeeded: parameters.seed &+ UInt64(firstSample))
        if parameters.topK > 0 { request.topK = parameters.topK }
        if !parameters.stop.isEmpty { request.stop = parameters.stop }
        request.suffix = suffix
        return request
    }

    public func complete(prompt: String, suffix: String?, n: Int, parameters: SamplingParameters, firstSample: Int) async throws -> [Completion] {
        if n > 1 && ignoresN.withLock({ $0 }) {
            return try await oneRequestPerSample(prompt: prompt, suffix: suffix, from: 0, to: n, parameters: parameters, firstSample: firstSample)
        }
        let completions = try await send(request(prompt: prompt, suffix: suffix, n: n, parameters: parameters, firstSample: firstSample))
        guard completions.count != n else { return completions }
        guard completions.count < n, !completions.isEmpty else {
            throw Failure(description: "\(endpoint): asked for \(n) choices, got \(completions.count)")
        }
        // llama.cpp's server (llama-cpp-python's) and Ollama ignore n: draw the rest one by one.
        if ignoresN.firstTimeSet() {
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
            let answer = try await send(request(prompt: prompt, suffix: suffix, n: 1, parameters: parameters, firstSample: firstSample + sample))
            guard answer.count == 1 else { throw Failure(description: "\(endpoint): asked for 1 choice, got \(answer.count)") }
            completions += answer
        }
        return completions
    }

    private func send(_ request: CompletionsRequest) async throws -> [Completion] {
        try parse(try await client.post(JSONEncoder().encode(request)))
    }

    /// Echoes context + continuation with their log-probabilities (`echo`, as vLLM, llama.cpp's
    /// server and codeloop serve give them; one token is generated, for servers that refuse 0) and
    /// sums those of the tokens that start inside the continuation (`text_offset`, in characters).
    public func logprob(of continuation: String, after context: String) async throws -> Double {
        var request = CompletionsRequest(model: modelName, prompt: .texts([context + continuation]))
        request.maxTokens = 1
        request.temperature = 0
        request.echo = true
        request.logprobs = 0
        let data = try await client.post(JSONEncoder().encode(request))
        guard let answer = try? JSONDecoder().decode(TextCompletion.self, from: data), let logprobs = answer.choices.first?.logprobs,
              !logprobs.textOffset.isEmpty else {
            throw Failure(description: "\(endpoint): an echo request got no \"token_logprobs\" and \"text_offset\" (\(OpenAIClient.snippet(data))); the server must support echo with logprobs")
        }
        let start = context.unicodeScalars.count, end = start + continuation.unicodeScalars.count
        var total = 0.0
        for (value, offset) in zip(logprobs.tokenLogprobs, logprobs.textOffset) where offset >= start && offset < end {
            guard let logprob = value else { throw Failure(description: "\(endpoint): an echoed token has no log-probability") }
            total += logprob
        }
        return total
    }

    func parse(_ data: Data) throws -> [Completion] {
        let answer: TextCompletion
        do {
            answer = try JSONDecoder().decode(TextCompletion.self, from: data)
        } catch {
            throw Failure(description: "\(endpoint): the response is not a completion with \"choices\" and their \"text\" (\(OpenAIClient.snippet(data)))")
        }
        return answer.choices.sorted { $0.index < $1.index }.map { choice in
            // A server may give a token no log-probability (null); it still counts as a token.
            let logprobs = choice.logprobs?.tokenLogprobs.map { $0.map(Float.init) ?? .nan } ?? []
            return Completion(text: choice.text, tokens: [], logprobs: logprobs, finishReason: choice.finishReason == "length" ? .length : .stop)
        }
    }
}

extension LockedBox where Value == Bool {
    /// Sets the flag; true only for the call that set it first.
    func firstTimeSet() -> Bool {
        withLock { (flag: inout Bool) -> Bool in
            defer { flag = true }
            return !flag
        }
    }
}
