import Foundation
import Locking
import OpenAIAPI
import Sampling

/// A client of OpenAI's /v1/chat/completions (platform.openai.com/docs/api-reference/chat), as
/// OpenAI, vLLM, llama.cpp's server, Ollama and codeloop serve answer it. Retries as OpenAIClient
/// does. A server that refuses a field it was sent (o-series models refuse max_tokens and any
/// temperature but 1) is asked again without it, or with max_completion_tokens for max_tokens,
/// and later requests leave it out; it is said once on stderr. A server that answers fewer
/// choices than n gets one request per sample for the rest.
public final class OpenAIChatBackend: ChatBackend, Sendable {
    public let endpoint: String
    public let modelName: String
    let client: OpenAIClient
    public var retries: Int { client.retries }
    /// Requests whose 200 answer could not be read are asked again this many times.
    let malformedRetries: Int

    /// What the server was seen to refuse.
    struct Adjustments: Sendable {
        var maxCompletionTokens = false
        var dropped: Set<String> = []
        var ignoresN = false
    }
    private let adjustments = LockedBox(Adjustments())
    public var refusedFields: Set<String> { adjustments.withLock { $0.dropped.union($0.maxCompletionTokens ? ["max_tokens"] : []) } }

    public init(endpoint: String, modelName: String, apiKey: String? = nil, maxRetries: Int = 5, timeoutSeconds: Int64 = 600) {
        self.endpoint = OpenAIClient.url(base: endpoint, path: "/v1/chat/completions")
        self.modelName = modelName
        client = OpenAIClient(url: self.endpoint, apiKey: OpenAIClient.key(given: apiKey), maxRetries: maxRetries, timeoutSeconds: timeoutSeconds)
        malformedRetries = min(maxRetries, 2)
    }

    public func shutdown() async throws { try await client.shutdown() }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func request(messages: [ChatMessage], n: Int, parameters: SamplingParameters, sample: Int, _ adjusted: Adjustments) -> ChatCompletionsRequest {
        var request = ChatCompletionsRequest(model: modelName, messages: messages)
        func keep(_ field: String) -> Bool { !adjusted.dropped.contains(field) }
        if n > 1 { request.n = n }
        if keep("temperature") { request.temperature = Double(parameters.temperature) }
        if keep("top_p") { request.topP = Double(parameters.topP) }
        if adjusted.maxCompletionTokens { request.maxCompletionTokens = parameters.maxTokens } else { request.maxTokens = parameters.maxTokens }
        if keep("stop") && !parameters.stop.isEmpty { request.stop = parameters.stop }
        // A distinct seed per request keeps the samples of a resumed run independent.
        if keep("seed") { request.seed = Int(truncatingIfNeeded: parameters.seed &+ UInt64(sample)) }
        return request
    }

    public func answer(task: String, prompt: ChatPrompt, n: Int, parameters: SamplingParameters, firstSample: Int) async throws -> [ChatAnswer] {
        try await chat(messages: prompt.messages(for: task), n: n, parameters: parameters, firstSample: firstSample)
    }

    /// Answers firstSample..<firstSample+n of the conversation (the sample index picks the seed).
    public func chat(messages: [ChatMessage], n: Int, parameters: SamplingParameters, firstSample: Int) async throws -> [ChatAnswer] {
        if n > 1 && adjustments.withLock({ $0.ignoresN }) {
            return try await oneRequestPerSample(messages, from: 0, to: n, parameters: parameters, firstSample: firstSample)
        }
        let answers = try await send { self.request(messages: messages, n: n, parameters: parameters, sample: firstSample, $0) }
        guard answers.count < n, answers.allSatisfy({ $0.error == nil }) else { return Array(answers.prefix(n)) }
        if adjustments.withLock({ (state: inout Adjustments) -> Bool in defer { state.ignoresN = true }; return !state.ignoresN }) {
            say("\(endpoint) answered \(answers.count) of \(n) choices (it ignores n); drawing the rest with one request per sample")
        }
        return answers + (try await oneRequestPerSample(messages, from: answers.count, to: n, parameters: parameters, firstSample: firstSample))
    }

    private func oneRequestPerSample(_ messages: [ChatMessage], from: Int, to: Int, parameters: SamplingParameters,
                                     firstSample: Int) async throws -> [ChatAnswer] {
        var answers: [ChatAnswer] = []
        for sample in from..<to {
            let answer = try await send { self.request(messages: messages, n: 1, parameters: parameters, sample: firstSample + sample, $0) }
            guard let first = answer.first else { throw Failure(description: "\(endpoint): asked for 1 choice, got none") }
            answers.append(first)
        }
        return answers
    }

    /// Posts the request `build` makes under the current adjustments; a 400 that names a field it
    /// sent adjusts and asks again, and a 200 that cannot be read is asked again, then answered
    /// with answers that carry the error.
    private func send(_ build: @Sendable (Adjustments) -> ChatCompletionsRequest) async throws -> [ChatAnswer] {
        var malformed = 0
        while true {
            let request = build(adjustments.withLock { $0 })
            let data: Data
            do {
                data = try await client.post(JSONEncoder().encode(request))
            } catch let failure as OpenAIClient.Failure where failure.status == 400 {
                guard let field = Self.refusedField(failure, request), adjust(for: field, failure) else { throw failure }
                continue
            }
            do {
                return try parse(data)
            } catch {
                guard malformed < malformedRetries else {
                    return [ChatAnswer(text: "", finishReason: nil, usage: nil, requestAnswers: request.n ?? 1, error: "\(error)")]
                }
                malformed += 1
                say("\(error); asking again")
            }
        }
    }

    /// The field of `request` that a 400 refuses: its `param`, else a field named in its message.
    static func refusedField(_ failure: OpenAIClient.Failure, _ request: ChatCompletionsRequest) -> String? {
        var sent: [String] = []
        if request.maxTokens != nil { sent.append("max_tokens") }
        if request.temperature != nil { sent.append("temperature") }
        if request.topP != nil { sent.append("top_p") }
        if request.seed != nil { sent.append("seed") }
        if request.stop != nil { sent.append("stop") }
        if let n = request.n, n > 1 { sent.append("n") }
        if let param = failure.error?.param, sent.contains(param) { return param }
        let message = failure.error?.message ?? failure.detail
        return sent.first { field in
            message.contains("'\(field)'") || message.contains("\"\(field)\"") || message.contains("`\(field)`")
        }
    }

    /// Records that the server refuses `field`; false when it was already adjusted for (the 400 stands).
    private func adjust(for field: String, _ failure: OpenAIClient.Failure) -> Bool {
        let changed = adjustments.withLock { state -> Bool in
            switch field {
            case "max_tokens":
                guard !state.maxCompletionTokens else { return false }
                state.maxCompletionTokens = true
            case "n":
                guard !state.ignoresN else { return false }
                state.ignoresN = true
            default:
                guard state.dropped.insert(field).inserted else { return false }
            }
            return true
        }
        guard changed else { return false }
        let instead = field == "max_tokens" ? "sending max_completion_tokens instead" : field == "n" ? "drawing one sample per request" : "sending requests without it"
        say("\(endpoint) refused \(field) (\(failure.error?.message ?? failure.detail)); \(instead)")
        return true
    }

    func parse(_ data: Data) throws -> [ChatAnswer] {
        let answer: ChatCompletion
        do {
            answer = try JSONDecoder().decode(ChatCompletion.self, from: data)
        } catch {
            throw Failure(description: "\(endpoint): the response is not a chat completion with \"choices\" and their \"message\" (\(OpenAIClient.snippet(data)))")
        }
        return answer.choices.sorted { $0.index < $1.index }.map {
            ChatAnswer(text: $0.message.content ?? "", finishReason: $0.finishReason, usage: answer.usage, requestAnswers: answer.choices.count)
        }
    }

    private func say(_ text: String) {
        FileHandle.standardError.write(Data("codeloop: \(text)\n".utf8))
    }
}
