import Foundation
import NIOHTTP1
import Testing

/// The Codex paper's HumanEval stops: more than OpenAI's limit of 4, which servers must accept.
let codexStops = ["\nclass", "\ndef", "\n#", "\nif", "\nprint"]
@testable import Backends
import Sampling
import TestSupport

func choices(_ n: Int) -> [String: Any] {
    ["choices": (0..<n).reversed().map { i -> [String: Any] in
        ["index": i, "text": "    return \(i)\n", "finish_reason": i == 0 ? "length" : "stop",
         "logprobs": ["tokens": ["a", "b"], "token_logprobs": [-0.5, -1.5 - Double(i)]]]
    }]
}

@Suite(.serialized) struct OpenAIBackendTests {
    @Test func requestCarriesTheSamplingParametersAndTheKey() async throws {
        let server = try FakeCompletionsServer { body, _, _ in (.ok, choices(body["n"] as? Int ?? 1)) }
        defer { server.stop() }
        let backend = OpenAICompletionsBackend(endpoint: server.url + "/v1/", modelName: "tiny", apiKey: "sk-test", maxRetries: 0)
        var parameters = SamplingParameters()
        parameters.temperature = 0.2
        parameters.topP = 0.95
        parameters.maxTokens = 64
        parameters.stop = codexStops
        let completions = try await backend.complete(prompt: "def f():\n", n: 3, parameters: parameters, firstSample: 0)
        try await backend.shutdown()
        #expect(completions.map(\.text) == ["    return 0\n", "    return 1\n", "    return 2\n"])
        #expect(completions[1].logprobs == [-0.5, -2.5])
        #expect(completions[1].meanLogprob == -1.5)
        #expect(completions[0].finishReason == .length && completions[2].finishReason == .stop)
        let (body, headers) = try #require(server.requests.first)
        #expect(body["model"] as? String == "tiny")
        #expect(body["prompt"] as? String == "def f():\n")
        #expect(body["n"] as? Int == 3)
        #expect(body["max_tokens"] as? Int == 64)
        #expect(abs((body["temperature"] as? Double ?? 0) - 0.2) < 1e-6)
        #expect(body["stop"] as? [String] == codexStops)
        #expect(headers.first(name: "Authorization") == "Bearer sk-test")
    }

    @Test func nullLogprobsStillCountAsTokens() async throws {
        let server = try FakeCompletionsServer { _, _, _ in
            (.ok, ["choices": [["index": 0, "text": "abc", "finish_reason": "stop",
                                "logprobs": ["tokens": ["a", "b", "c"], "token_logprobs": [NSNull(), -1.0, -2.0]]]]])
        }
        defer { server.stop() }
        let backend = OpenAICompletionsBackend(endpoint: server.url, modelName: "tiny", maxRetries: 0)
        let completions = try await backend.complete(prompt: "x", n: 1, parameters: SamplingParameters(), firstSample: 0)
        try await backend.shutdown()
        #expect(completions[0].logprobs.count == 3)
        #expect(completions[0].logprobs[0].isNaN)
        #expect(completions[0].sumLogprob == -3 && completions[0].meanLogprob == -1.5)
    }

    /// llama.cpp's server (llama-cpp-python's) and Ollama ignore n and answer one choice.
    @Test func aServerThatIgnoresNGetsOneRequestPerSample() async throws {
        let server = try FakeCompletionsServer { body, _, _ in
            let seed = body["seed"] as? Int ?? -1
            return (.ok, ["choices": [["index": 0, "text": "seed \(seed)", "finish_reason": "stop"]]])
        }
        defer { server.stop() }
        let backend = OpenAICompletionsBackend(endpoint: server.url, modelName: "tiny", maxRetries: 0)
        var parameters = SamplingParameters()
        parameters.seed = 100
        let completions = try await backend.complete(prompt: "x", n: 3, parameters: parameters, firstSample: 10)
        #expect(completions.map(\.text) == ["seed 110", "seed 111", "seed 112"], "each sample keeps its own seed")
        #expect(server.requests.map { $0.0["n"] as? Int } == [3, 1, 1])
        // Known now: the next prompt goes one request per sample from the start.
        _ = try await backend.complete(prompt: "y", n: 2, parameters: parameters, firstSample: 0)
        #expect(server.requests.suffix(2).map { $0.0["n"] as? Int } == [1, 1])
        try await backend.shutdown()
    }

    @Test func retriesRateLimitsAndServerErrors() async throws {
        let server = try FakeCompletionsServer { body, _, number in
            switch number {
            case 1: return (.tooManyRequests, ["error": ["message": "slow down"]])
            case 2: return (.serviceUnavailable, ["error": ["message": "busy"]])
            default: return (.ok, choices(body["n"] as? Int ?? 1))
            }
        }
        defer { server.stop() }
        let backend = OpenAICompletionsBackend(endpoint: server.url, modelName: "tiny", maxRetries: 3)
        let completions = try await backend.complete(prompt: "x", n: 2, parameters: SamplingParameters(), firstSample: 0)
        try await backend.shutdown()
        #expect(completions.count == 2)
        #expect(backend.retries == 2)
        #expect(server.requests.count == 3)
    }

    @Test func clientErrorsAreNotRetriedAndNameTheMessage() async throws {
        let server = try FakeCompletionsServer { _, _, _ in (.badRequest, ["error": ["message": "n must be at most 8"]]) }
        defer { server.stop() }
        let backend = OpenAICompletionsBackend(endpoint: server.url, modelName: "tiny", maxRetries: 3)
        do {
            _ = try await backend.complete(prompt: "x", n: 20, parameters: SamplingParameters(), firstSample: 0)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "\(server.url)/v1/completions: HTTP 400: n must be at most 8")
        }
        try await backend.shutdown()
        #expect(server.requests.count == 1)
    }

    @Test func gaveUpAfterTheRetriesSaySo() async throws {
        let server = try FakeCompletionsServer { _, _, _ in (.internalServerError, ["error": ["message": "boom"]]) }
        defer { server.stop() }
        let backend = OpenAICompletionsBackend(endpoint: server.url, modelName: "tiny", maxRetries: 1)
        await #expect(throws: (any Error).self) {
            try await backend.complete(prompt: "x", n: 1, parameters: SamplingParameters(), firstSample: 0)
        }
        try await backend.shutdown()
        #expect(server.requests.count == 2)
    }
}
