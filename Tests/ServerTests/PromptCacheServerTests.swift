import Foundation
@testable import Server
import Testing

/// The prompt cache through the server: llama.vscode's keystroke pattern on /infill (warm with
/// n_predict 0, then ask), /v1/completions reporting OpenAI's cached_tokens, cache_prompt false,
/// and answers equal to a server that keeps nothing.
@Suite(.serialized) struct PromptCacheServerTests {
    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func infill(_ prefix: String, predict: Int, seed: Int = 3, cache: Bool = true) -> String {
        let object: [String: Any] = ["input_prefix": prefix, "input_suffix": "\n", "n_predict": predict, "seed": seed,
                                     "cache_prompt": cache, "temperature": 0.8]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func keystrokesReuseTheCacheAndAnswerAsWithout() async throws {
        var none = ServerLimits()
        none.promptCacheBytes = 0
        let cached = try await LiveServer.start(model: "starcoder2-tiny")
        let uncached = try await LiveServer.start(limits: none, model: "starcoder2-tiny")
        var typed = "def add(a, b):\n    "
        // Warm: n_predict 0 reads the prompt and keeps it.
        let (warmStatus, warmText) = try await cached.send("/infill", body: infill(typed, predict: 0))
        #expect(warmStatus == 200)
        #expect(try object(warmText)["tokens_cached"] as? Int == 0)
        for key in ["r", "e", "t"] {
            typed += key
            let (status, text) = try await cached.send("/infill", body: infill(typed, predict: 6))
            #expect(status == 200, "\(text)")
            let answer = try object(text)
            let reused = try #require(answer["tokens_cached"] as? Int)
            let timings = try #require(answer["timings"] as? [String: Any])
            #expect(reused > 0, "a keystroke reuses the prefix before the cursor")
            #expect((timings["prompt_n"] as? Int).map { $0 + reused } == answer["tokens_evaluated"] as? Int)
            #expect(timings["prompt_ms"] is Double)
            let (_, plain) = try await uncached.send("/infill", body: infill(typed, predict: 6))
            #expect(answer["content"] as? String == (try object(plain))["content"] as? String)
            #expect(try object(plain)["tokens_cached"] as? Int == 0)
        }
        let (_, off) = try await cached.send("/infill", body: infill(typed, predict: 2, cache: false))
        #expect(try object(off)["tokens_cached"] as? Int == 0, "cache_prompt: false reuses nothing")
        await cached.stop()
        await uncached.stop()
    }

    @Test func completionsReportCachedTokensAndStreamTheSameText() async throws {
        let server = try await LiveServer.start(model: "llama3-tiny")
        let prompt = "def fibonacci(n):\n    if n < 2:\n        return n\n"
        let body = #"{"prompt": \#(String(decoding: try JSONSerialization.data(withJSONObject: [prompt]), as: UTF8.self)), "max_tokens": 6, "temperature": 0.8, "seed": 9, "n": 2"#
        let first = try await server.json(body + "}")
        let second = try await server.json(body + "}")
        let firstUsage = try #require(first["usage"] as? [String: Any])
        let secondUsage = try #require(second["usage"] as? [String: Any])
        #expect((firstUsage["prompt_tokens_details"] as? [String: Int])?["cached_tokens"] == 0)
        let promptTokens = try #require(secondUsage["prompt_tokens"] as? Int)
        #expect((secondUsage["prompt_tokens_details"] as? [String: Int])?["cached_tokens"] == promptTokens - 1)
        let texts = { (answer: [String: Any]) in (answer["choices"] as? [[String: Any]])?.map { $0["text"] as? String } }
        #expect(texts(first) == texts(second))
        let (events, done) = try await server.stream(body + #", "stream": true}"#)
        #expect(done)
        var streamed = ["", ""]
        for event in events {
            for choice in event["choices"] as? [[String: Any]] ?? [] {
                streamed[choice["index"] as! Int] += choice["text"] as? String ?? ""
            }
        }
        #expect(texts(first) == streamed.map { Optional($0) })
        await server.stop()
    }
}
