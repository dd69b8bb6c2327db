import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import Models
import NIOCore
@testable import Server
import Testing
import Tokenizers

/// A CompletionServer on a loopback port for one test, stopped at the end.
struct LiveServer {
    let url: String
    let task: Task<Void, Error>
    let server: CompletionServer

    static func start(limits: ServerLimits = ServerLimits(), model: String = "gpt2-tiny", chatTemplate: ChatTemplate? = nil) async throws -> LiveServer {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ModelsTests/Fixtures/\(model)").path
        let server = CompletionServer(model: try loadModel(directory: directory), tokenizer: try Tokenizer.named(directory),
                                      modelName: "tiny", limits: limits, chatTemplate: chatTemplate)
        var logger = Logger(label: "test")
        logger.logLevel = .critical  // Hummingbird logs the test's own shutdown as errors
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = server.application(host: "127.0.0.1", port: 0, logger: logger) { continuation.yield($0) }
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next()!
        return LiveServer(url: "http://127.0.0.1:\(port)", task: task, server: server)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
        server.scheduler.shutdown()
    }

    /// (status, body) of a request.
    func send(_ path: String, body: String? = nil) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url + path)
        request.method = body == nil ? .GET : .POST
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 24)
        return (Int(response.status.code), String(buffer: bytes))
    }

    func json(_ body: String, path: String = "/v1/completions") async throws -> [String: Any] {
        let (status, text) = try await send(path, body: body)
        #expect(status == 200, "\(text)")
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    /// The streamed events' JSON objects, and whether the stream ended with [DONE].
    func stream(_ body: String, path: String = "/v1/completions") async throws -> ([[String: Any]], Bool) {
        let (status, text) = try await send(path, body: body)
        #expect(status == 200)
        let events = text.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
        let objects = events.filter { $0 != "[DONE]" }.map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        return (objects, events.last == "[DONE]")
    }
}

func texts(_ response: [String: Any]) -> [String] {
    (response["choices"] as! [[String: Any]]).sorted { ($0["index"] as! Int) < ($1["index"] as! Int) }.map { $0["text"] as! String }
}

@Suite(.serialized) struct CompletionServerTests {
    @Test func streamedEqualsNonStreamedAndSeedsRepeat() async throws {
        let live = try await LiveServer.start()
        let body = #"{"prompt": "def add(a, b):\n", "max_tokens": 20, "n": 3, "temperature": 0.9, "seed": 7, "stop": ["\n\n"]"#
        let first = try await live.json(body + "}")
        let again = try await live.json(body + "}")
        #expect(texts(first) == texts(again))
        #expect(Set(texts(first)).count > 1, "n samples differ")
        let (events, done) = try await live.stream(body + #", "stream": true, "stream_options": {"include_usage": true}}"#)
        #expect(done)
        var streamed = ["", "", ""]
        var reasons: [Int: String] = [:]
        for event in events {
            for choice in event["choices"] as! [[String: Any]] {
                streamed[choice["index"] as! Int] += choice["text"] as! String
                if let reason = choice["finish_reason"] as? String { reasons[choice["index"] as! Int] = reason }
                // OpenAI's chunks carry finish_reason and logprobs as null until they apply.
                #expect(choice.keys.contains("finish_reason") && choice["logprobs"] is NSNull, "\(choice)")
            }
        }
        #expect(streamed == texts(first))
        #expect(reasons.count == 3)
        let usage = try #require(events.last?["usage"] as? [String: Any])
        #expect(usage["completion_tokens"] as? Int == (first["usage"] as? [String: Any])?["completion_tokens"] as? Int)
        await live.stop()
    }

    @Test func logprobsAndEcho() async throws {
        let live = try await LiveServer.start()
        let response = try await live.json(#"{"prompt": "import os", "max_tokens": 4, "n": 2, "logprobs": 3, "echo": true, "seed": 1}"#)
        for choice in response["choices"] as! [[String: Any]] {
            let logprobs = choice["logprobs"] as! [String: Any]
            let tokens = logprobs["tokens"] as! [String]
            let values = logprobs["token_logprobs"] as! [Any]
            let top = logprobs["top_logprobs"] as! [Any]
            #expect((choice["text"] as! String).hasPrefix("import os"))
            #expect(tokens.joined() == choice["text"] as! String)
            #expect(values.first is NSNull, "the first prompt token has no log-probability")
            #expect(values.dropFirst().allSatisfy { ($0 as! Double) < 0 })
            #expect(top.dropFirst().allSatisfy { ($0 as! [String: Double]).count >= 1 })
            #expect(values.count == tokens.count && (logprobs["text_offset"] as! [Int]).count == tokens.count)
        }
        let usage = try #require(response["usage"] as? [String: Any])
        #expect(usage["completion_tokens"] as? Int == 8)
        #expect((usage["prompt_tokens_details"] as? [String: Int])?["cached_tokens"] == 0, "echo reuses nothing")
        await live.stop()
    }

    @Test func concurrentRequestsGetWhatEachGetsAlone() async throws {
        var limits = ServerLimits()
        limits.slots = 4
        let live = try await LiveServer.start(limits: limits)
        let bodies = (0..<6).map { #"{"prompt": "x = \#($0)", "max_tokens": 12, "n": 2, "seed": \#($0)}"# }
        var alone: [[String]] = []
        for body in bodies { alone.append(texts(try await live.json(body))) }
        let together = try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
            for (i, body) in bodies.enumerated() { group.addTask { (i, texts(try await live.json(body))) } }
            var results = [[String]](repeating: [], count: bodies.count)
            for try await (i, t) in group { results[i] = t }
            return results
        }
        #expect(together == alone)
        await live.stop()
    }

    /// A streamed request whose client goes before its body runs still frees its slot.
    @Test func aStreamNeverStartedFreesItsSlot() async throws {
        var limits = ServerLimits()
        limits.concurrentRequests = 1
        let live = try await LiveServer.start(limits: limits)
        defer { Task { await live.stop() } }
        let server = live.server
        func streamRequest() -> Request {
            Request(head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/v1/completions"),
                    body: RequestBody(buffer: ByteBuffer(string: #"{"prompt": "def f():", "max_tokens": 4, "stream": true}"#)))
        }
        var response: Response? = await server.answer(streamRequest(), style: .completions, logger: Logger(label: "test"))
        #expect(response?.status == .ok)
        #expect(server.inFlight.current == 1)
        response = nil  // the client went: the body never runs
        #expect(server.inFlight.current == 0)
        let next = await server.answer(streamRequest(), style: .completions, logger: Logger(label: "test"))
        #expect(next.status == .ok, "the freed slot takes the next request")
    }

    @Test func modelsAndHealth() async throws {
        let live = try await LiveServer.start()
        let (status, models) = try await live.send("/v1/models")
        #expect(status == 200 && models.contains(#""id":"tiny""#))
        let (healthy, health) = try await live.send("/health")
        #expect(healthy == 200)
        let fields = try JSONSerialization.jsonObject(with: Data(health.utf8)) as! [String: Any]
        #expect(fields["status"] as? String == "ok" && fields["slots_idle"] as? Int == ServerLimits().slots, "\(health)")
        #expect(fields["slots_processing"] as? Int == 0 && fields["requests_processing"] as? Int == 0, "\(health)")
        await live.stop()
    }

    @Test func everyErrorIsOpenAIShapedAndNamesItsField() async throws {
        var limits = ServerLimits()
        limits.maxTokens = 50
        limits.maxN = 8
        limits.bodyBytes = 4096
        let live = try await LiveServer.start(limits: limits)
        let cases: [(String, Int, String?)] = [
            ("{broken", 400, nil),
            ("[1, 2]", 400, nil),
            (#"{"max_tokens": 5}"#, 400, "prompt"),
            (#"{"prompt": 5}"#, 400, "prompt"),
            (#"{"prompt": "x", "max_tokens": "5"}"#, 400, "max_tokens"),
            (#"{"prompt": "x", "max_tokens": 51}"#, 400, "max_tokens"),
            (#"{"prompt": "x", "n": 9}"#, 400, "n"),
            (#"{"prompt": "x", "temperature": 3}"#, 400, "temperature"),
            (#"{"prompt": "x", "stream": "yes"}"#, 400, "stream"),
            (#"{"prompt": "x", "logprobs": 50}"#, 400, "logprobs"),
            (#"{"prompt": "x", "stop": [\#((0..<17).map { "\"s\($0)\"" }.joined(separator: ", "))]}"#, 400, "stop"),
            (#"{"prompt": "x", "stop": 3}"#, 400, "stop"),
            (#"{"prompt": "x", "temprature": 0.5}"#, 400, "temprature"),
            (#"{"prompt": "x", "presence_penalty": 0.5}"#, 400, "presence_penalty"),
            (#"{"prompt": "x", "logit_bias": {"5": 1}}"#, 400, "logit_bias"),
            (#"{"prompt": "x", "n": true}"#, 400, "n"),
            (#"{"prompt": "x", "echo": 1}"#, 400, "echo"),
            (#"{"prompt": "x", "max_tokens": 2.5}"#, 400, "max_tokens"),
            (#"{"prompt": "x", "stream_options": true}"#, 400, "stream_options"),
            (#"{"prompt": []}"#, 400, "prompt"),
            (#"{"prompt": [99999]}"#, 400, "prompt"),
            (#"{"prompt": "\#(String(repeating: "ab ", count: 200))"}"#, 400, "prompt"),
            (#"{"prompt": "\#(String(repeating: "a", count: 5000))"}"#, 413, nil),
        ]
        // OpenAI's neutral values of what codeloop does not implement, and null for absent, are accepted.
        let neutral = #"{"prompt": "x", "max_tokens": 2, "presence_penalty": 0, "best_of": 1, "logit_bias": {}, "user": "u", "stop": null, "seed": null}"#
        let (accepted, answer) = try await live.send("/v1/completions", body: neutral)
        #expect(accepted == 200, "\(answer)")
        for (body, status, parameter) in cases {
            let (got, text) = try await live.send("/v1/completions", body: body)
            #expect(got == status, "\(body.prefix(60)) → \(got) \(text)")
            let error = try #require((try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["error"] as? [String: Any],
                                     "\(body.prefix(60)) → \(text)")
            #expect(error["message"] is String && error["type"] is String)
            // OpenAI's shape has param and code always, null when they do not apply.
            #expect(error.keys.contains("param") && error["code"] is NSNull, "\(text)")
            if let parameter { #expect(error["param"] as? String == parameter, "\(body.prefix(60)) → \(text)") }
        }
        await live.stop()
    }

    /// Over the limit, a request waits for a place (first come, first served) up to --queue-seconds
    /// rather than getting 429 while one is about to free; without a wait it gets 429 at once.
    @Test(arguments: [0.0, 60.0]) func overTheConcurrencyLimit(queueSeconds: Double) async throws {
        var limits = ServerLimits()
        limits.concurrentRequests = 1
        limits.queueSeconds = queueSeconds
        limits.slots = 1
        let live = try await LiveServer.start(limits: limits)
        // 16 samples through one slot keep the first request busy while the second arrives (a
        // second or more in a debug build), and end well inside the client's 30 s on a loaded machine.
        async let slow = live.send("/v1/completions", body: #"{"prompt": "y", "max_tokens": 30, "n": 16, "stop": []}"#)
        try await Task.sleep(for: .milliseconds(100))
        let (status, text) = try await live.send("/v1/completions", body: #"{"prompt": "z", "max_tokens": 4}"#)
        if queueSeconds == 0 {
            #expect(status == 429 && text.contains("rate_limit_error"), "\(status) \(text)")
        } else {
            #expect(status == 200, "the queued request waits for the place: \(status) \(text)")
        }
        #expect(try await slow.0 == 200)
        #expect(live.server.inFlight.current == 0)
        await live.stop()
    }

    /// The counter hands a freed place to the longest waiting request, and one whose wait runs out gets none.
    @Test func aFreedPlaceGoesToTheWaitingRequest() async throws {
        let counter = InFlightCounter()
        #expect(await counter.acquire(limit: 1, patience: 0))
        let started = ContinuousClock.now
        #expect(await counter.acquire(limit: 1, patience: 0.2) == false, "no place came: 429 after the wait")
        #expect(ContinuousClock.now - started >= .milliseconds(200))
        async let waiting = counter.acquire(limit: 1, patience: 60)
        try await Task.sleep(for: .milliseconds(50))
        counter.release()
        #expect(await waiting, "the freed place goes to the waiting request")
        #expect(counter.current == 1)
    }

    @Test func aRequestOverItsTimeIs408() async throws {
        var limits = ServerLimits()
        limits.requestSeconds = 0.000_001
        let live = try await LiveServer.start(limits: limits)
        let (status, text) = try await live.send("/v1/completions", body: #"{"prompt": "x", "max_tokens": 40, "n": 8}"#)
        #expect(status == 408 && text.contains("timeout_error"), "\(status) \(text)")
        await live.stop()
    }
}
