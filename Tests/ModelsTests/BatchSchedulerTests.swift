import Foundation
import Testing
@testable import Models
@testable import Sampling
import Tensors
import Tokenizers

/// Collects one request's events from the scheduler's thread.
final class Collected: @unchecked Sendable {
    let lock = NSLock()
    let done = DispatchSemaphore(value: 0)
    var streamed: [Int: String] = [:]
    var streamedTokens: [Int: [Int]] = [:]
    var completions: [Int: Completion] = [:]
    var prompt: [BatchScheduler.TokenReport] = []
    var error: Error?
    var finished = false

    func handle(_ event: BatchScheduler.Event) {
        lock.withLock {
            switch event {
            case .prompt(let reports): prompt = reports
            case .prefilled: break
            case .tokens(let index, let text, let tokens):
                streamed[index, default: ""] += text
                streamedTokens[index, default: []] += tokens.map(\.token)
            case .finished(let index, let completion): completions[index] = completion
            case .done(let error):
                self.error = error
                finished = true
                done.signal()
            }
        }
    }
}

@Suite struct BatchSchedulerTests {
    func parameters(seed: UInt64, stop: [String] = ["\n"]) -> SamplingParameters {
        var p = SamplingParameters()
        p.temperature = 1.0
        p.topP = 0.95
        p.maxTokens = 12
        p.stop = stop
        p.seed = seed
        return p
    }

    @Test func requestsInOneBatchGetWhatEachGetsAlone() throws {
        let alone = try generator("gpt2-tiny")
        let model = alone.model, tokenizer = alone.tokenizer
        let prompts = ["def add(a, b):", "    return", "import os\n"]
        let expected = try prompts.enumerated().map { i, prompt in
            try alone.complete(prompt: prompt, n: 5, parameters: parameters(seed: UInt64(i)))
        }
        // Three requests at once, through 4 slots: samples queue for slots and interleave.
        let scheduler = BatchScheduler(model: model, tokenizer: tokenizer, slots: 4)
        defer { scheduler.shutdown() }
        let collected = prompts.map { _ in Collected() }
        for (i, prompt) in prompts.enumerated() {
            scheduler.submit(.init(prompt: tokenizer.encode(prompt), n: 5, parameters: parameters(seed: UInt64(i)))) { collected[i].handle($0) }
        }
        for (i, c) in collected.enumerated() {
            c.done.wait()
            #expect(c.error == nil)
            for sample in 0..<5 {
                let completion = try #require(c.completions[sample])
                #expect(completion.text == expected[i][sample].text)
                #expect(completion.tokens == expected[i][sample].tokens)
                // Streamed pieces add up to the completion: text held back until no stop can cut it.
                #expect(c.streamed[sample, default: ""] == completion.text)
                #expect(c.streamedTokens[sample, default: []] == completion.tokens)
            }
        }
        #expect(expected.joined().contains { $0.finishReason == .stop }, "some sample meets the stop sequence")
    }

    @Test func aRequestAfterShutdownIsAnsweredAtOnce() throws {
        let g = try generator("gpt2-tiny")
        let scheduler = BatchScheduler(model: g.model, tokenizer: g.tokenizer, slots: 2)
        // A first request starts the loop's thread; after shutdown that thread ends.
        let first = Collected()
        scheduler.submit(.init(prompt: g.tokenizer.encode("x"), n: 1, parameters: parameters(seed: 1))) { first.handle($0) }
        first.done.wait()
        scheduler.shutdown()
        usleep(200_000)
        let collected = Collected()
        scheduler.submit(.init(prompt: g.tokenizer.encode("def f():"), n: 1, parameters: parameters(seed: 1))) { collected.handle($0) }
        #expect(collected.done.wait(timeout: .now() + 10) == .success, "the request never completed")
        #expect(collected.error.map { "\($0)" } == "the server is shutting down")
    }

    @Test func echoReportsThePromptsLogprobsFromOneForwardPass() throws {
        let g = try generator("gpt2-tiny")
        let prompt = g.tokenizer.encode("def fib(n):\n    return")
        let scheduler = BatchScheduler(model: g.model, tokenizer: g.tokenizer, slots: 2)
        defer { scheduler.shutdown() }
        let c = Collected()
        var p = parameters(seed: 1)
        p.maxTokens = 1
        scheduler.submit(.init(prompt: prompt, n: 1, parameters: p, topLogprobs: 3, echo: true)) { c.handle($0) }
        c.done.wait()
        #expect(c.prompt.map(\.token) == prompt)
        #expect(c.prompt[0].logprob == nil)
        let logits = try g.model.forward(prompt, cache: g.model.makeCache())
        let v = g.model.config.vocabularySize
        for i in 1..<prompt.count {
            let row = Array(logits[((i - 1) * v)..<(i * v)])
            var log = [Float](repeating: 0, count: v)
            row.withUnsafeBufferPointer { r in log.withUnsafeMutableBufferPointer { logSoftmax(r.baseAddress!, $0.baseAddress!, count: v) } }
            #expect(abs(c.prompt[i].logprob! - log[prompt[i]]) < 1e-4)
            let best = log.enumerated().sorted { $0.element > $1.element }.prefix(3).map(\.offset)
            #expect(c.prompt[i].top.map(\.token) == best)
        }
    }

    @Test func aCancelledRequestLeavesAndOthersGoOn() throws {
        let g = try generator("gpt2-tiny")
        let scheduler = BatchScheduler(model: g.model, tokenizer: g.tokenizer, slots: 2)
        defer { scheduler.shutdown() }
        let long = Collected(), short = Collected()
        var p = parameters(seed: 3, stop: [])
        p.maxTokens = 40
        let handle = scheduler.submit(.init(prompt: g.tokenizer.encode("x ="), n: 2, parameters: p)) { long.handle($0) }
        handle.cancel()
        long.done.wait()
        #expect(long.error is CancellationError)
        scheduler.submit(.init(prompt: g.tokenizer.encode("y ="), n: 2, parameters: p)) { short.handle($0) }
        short.done.wait()
        #expect(short.error == nil && short.completions.count == 2)
        // No stop sequences: a sample runs to max_tokens unless the model ends the document, whose
        // <|endoftext|> token is not part of the completion.
        #expect(short.completions.values.allSatisfy { $0.finishReason == .length ? $0.tokens.count == 40 : $0.tokens.count < 40 })
        #expect(short.completions.values.allSatisfy { !$0.text.contains("<|endoftext|>") })
    }
}
