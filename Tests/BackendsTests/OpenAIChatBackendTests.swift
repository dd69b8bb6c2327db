import Foundation
import NIOHTTP1
import OpenAIAPI
import Testing
@testable import Backends
import Sampling
import TestSupport

/// A chat.completion with `n` canned Markdown answers.
func chatChoices(_ n: Int, usage: Bool = true) -> [String: Any] {
    var object: [String: Any] = [
        "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "tiny",
        "choices": (0..<n).map { i -> [String: Any] in
            ["index": i, "message": ["role": "assistant", "content": "Here:\n```python\ndef f():\n    return \(i)\n```"], "finish_reason": "stop"]
        },
    ]
    if usage { object["usage"] = ["prompt_tokens": 10, "completion_tokens": 5 * n, "total_tokens": 10 + 5 * n] }
    return object
}

let userMessage = [ChatMessage(role: "user", content: "Write f.")]

@Suite(.serialized) struct OpenAIChatBackendTests {
    @Test func requestCarriesTheConversationAndTheSamplingParameters() async throws {
        let server = try FakeCompletionsServer { body, _, _ in (.ok, chatChoices(body["n"] as? Int ?? 1)) }
        defer { server.stop() }
        let backend = OpenAIChatBackend(endpoint: server.url + "/v1", modelName: "tiny", apiKey: "sk-chat", maxRetries: 0)
        var parameters = SamplingParameters.codex
        parameters.temperature = 0.2
        parameters.maxTokens = 768
        parameters.seed = 7
        parameters.stop = ["\n```\n"]
        let answers = try await backend.chat(messages: [ChatMessage(role: "system", content: "Be brief.")] + userMessage, n: 3,
                                             parameters: parameters, firstSample: 2)
        try await backend.shutdown()
        #expect(answers.map(\.text) == (0..<3).map { "Here:\n```python\ndef f():\n    return \($0)\n```" })
        #expect(answers.allSatisfy { $0.finishReason == "stop" && $0.usage == Usage(promptTokens: 10, completionTokens: 15) && $0.requestAnswers == 3 })
        let (body, headers) = try #require(server.requests.first)
        #expect(server.requests.count == 1)
        #expect((body["messages"] as? [[String: String]]) == [["role": "system", "content": "Be brief."], ["role": "user", "content": "Write f."]])
        #expect(body["n"] as? Int == 3 && body["max_tokens"] as? Int == 768 && body["seed"] as? Int == 9)
        #expect(abs((body["temperature"] as? Double ?? 0) - 0.2) < 1e-6 && abs((body["top_p"] as? Double ?? 0) - 0.95) < 1e-6)
        #expect(body["stop"] as? [String] == ["\n```\n"])
        #expect(body["max_completion_tokens"] == nil)
        #expect(headers.first(name: "Authorization") == "Bearer sk-chat")
    }

    /// o-series models: "Unsupported parameter: 'max_tokens' ... Use 'max_completion_tokens' instead",
    /// and only the default temperature. Each refusal is met once; later requests leave the field out.
    @Test func aRefusedFieldIsReplacedOrLeftOutAndStaysSo() async throws {
        let server = try FakeCompletionsServer { body, _, _ in
            if body["max_tokens"] != nil {
                return (.badRequest, ["error": ["message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
                                                "type": "invalid_request_error", "param": "max_tokens", "code": "unsupported_parameter"]])
            }
            if let t = body["temperature"] as? Double, t != 1 {
                return (.badRequest, ["error": ["message": "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.",
                                                "type": "invalid_request_error", "param": NSNull(), "code": "unsupported_value"]])
            }
            return (.ok, chatChoices(body["n"] as? Int ?? 1))
        }
        defer { server.stop() }
        let backend = OpenAIChatBackend(endpoint: server.url, modelName: "o1-mini", maxRetries: 0)
        var parameters = SamplingParameters.codex
        parameters.temperature = 0.2
        parameters.maxTokens = 100
        let first = try await backend.chat(messages: userMessage, n: 2, parameters: parameters, firstSample: 0)
        let second = try await backend.chat(messages: userMessage, n: 2, parameters: parameters, firstSample: 2)
        try await backend.shutdown()
        #expect(first.count == 2 && second.count == 2)
        #expect(backend.refusedFields == ["max_tokens", "temperature"])
        let bodies = server.requests.map(\.0)
        #expect(bodies.count == 4, "one 400 per refused field, then one request per call")
        #expect(bodies[2]["max_completion_tokens"] as? Int == 100 && bodies[2]["max_tokens"] == nil && bodies[2]["temperature"] == nil)
        #expect(bodies[3]["max_completion_tokens"] as? Int == 100 && bodies[3]["temperature"] == nil)
    }

    /// llama.cpp's server and Ollama answer one choice whatever n asks.
    @Test func aServerThatIgnoresNGetsOneRequestPerSample() async throws {
        let server = try FakeCompletionsServer { _, _, _ in (.ok, chatChoices(1)) }
        defer { server.stop() }
        let backend = OpenAIChatBackend(endpoint: server.url, modelName: "tiny", maxRetries: 0)
        var parameters = SamplingParameters.codex
        parameters.seed = 100
        let answers = try await backend.chat(messages: userMessage, n: 3, parameters: parameters, firstSample: 10)
        #expect(answers.count == 3)
        #expect(server.requests.map { $0.0["n"] as? Int } == [3, nil, nil])
        #expect(server.requests.map { $0.0["seed"] as? Int } == [110, 111, 112], "each sample keeps its own seed")
        _ = try await backend.chat(messages: userMessage, n: 2, parameters: parameters, firstSample: 0)
        #expect(server.requests.count == 5)
        try await backend.shutdown()
    }

    /// 429 with retry-after-ms, 500, 408 and 409 are retried; the wait is the server's when it gives one.
    @Test func retriesHonourRetryAfter() async throws {
        let server = try FakeCompletionsServer(reply: { body, _, number in
            switch number {
            case 1: return .init(status: .tooManyRequests, json: ["error": ["message": "slow down"]], headers: [("retry-after-ms", "300")])
            case 2: return .init(status: .internalServerError, json: ["error": ["message": "boom"]], headers: [("retry-after", "1")])
            case 3: return .init(status: .requestTimeout, json: ["error": ["message": "late"]], headers: [("retry-after-ms", "10")])
            case 4: return .init(status: .conflict, json: ["error": ["message": "lock"]], headers: [("retry-after-ms", "10")])
            default: return .init(status: .ok, json: chatChoices(body["n"] as? Int ?? 1))
            }
        })
        defer { server.stop() }
        let backend = OpenAIChatBackend(endpoint: server.url, modelName: "tiny", maxRetries: 5)
        let answers = try await backend.chat(messages: userMessage, n: 1, parameters: .codex, firstSample: 0)
        try await backend.shutdown()
        #expect(answers.count == 1)
        #expect(backend.retries == 4)
        let arrivals = server.arrivals
        #expect(arrivals.count == 5)
        #expect(arrivals[1].timeIntervalSince(arrivals[0]) >= 0.3, "retry-after-ms: 300")
        #expect(arrivals[2].timeIntervalSince(arrivals[1]) >= 1.0, "retry-after: 1")
    }

    @Test func backoffWithoutRetryAfterIsExponentialWithJitterAndCapped() {
        #expect(OpenAIClient.delay(attempt: 0, headers: [:], jitter: 0) == 0.5)
        #expect(OpenAIClient.delay(attempt: 3, headers: [:], jitter: 0) == 4)
        #expect(OpenAIClient.delay(attempt: 10, headers: [:], jitter: 0.25) == 6)
        #expect(OpenAIClient.delay(attempt: 0, headers: ["retry-after": "500"], jitter: 0) == 0.5, "over 120 s is not honoured")
        let soon = Date().addingTimeInterval(30)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let delay = OpenAIClient.delay(attempt: 0, headers: ["retry-after": formatter.string(from: soon)], jitter: 0)
        #expect(delay > 27 && delay <= 30, "an HTTP date")
    }

    /// A 200 that is not a chat completion is asked again, then recorded as an answer with its error.
    @Test func anUnreadableResponseIsAskedAgainThenRecorded() async throws {
        let server = try FakeCompletionsServer(reply: { _, _, _ in .init(status: .ok, raw: Data("{\"choices\": \"nope\"}".utf8)) })
        defer { server.stop() }
        let backend = OpenAIChatBackend(endpoint: server.url, modelName: "tiny", maxRetries: 5)
        let answers = try await backend.chat(messages: userMessage, n: 2, parameters: .codex, firstSample: 0)
        try await backend.shutdown()
        #expect(server.requests.count == 3)
        #expect(answers.count == 1 && answers[0].requestAnswers == 2)
        #expect(answers[0].error == "\(server.url)/v1/chat/completions: the response is not a chat completion with \"choices\" and their \"message\" ({\"choices\": \"nope\"})")
    }

    @Test func otherClientErrorsStandAndNameTheMessage() async throws {
        let server = try FakeCompletionsServer { _, _, _ in (.unauthorized, ["error": ["message": "Incorrect API key provided", "type": "invalid_request_error"]]) }
        defer { server.stop() }
        let backend = OpenAIChatBackend(endpoint: server.url, modelName: "tiny", maxRetries: 3)
        do {
            _ = try await backend.chat(messages: userMessage, n: 1, parameters: .codex, firstSample: 0)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "\(server.url)/v1/chat/completions: HTTP 401: Incorrect API key provided")
        }
        try await backend.shutdown()
        #expect(server.requests.count == 1)
    }
}
