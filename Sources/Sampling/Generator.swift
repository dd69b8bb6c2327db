import Foundation
import Locking
import Models
import Tensors
import Tokenizers

/// Draws completions of a prompt from a local model: the prompt is computed once, and the
/// samples decode together, one batched forward pass per step.
public final class Generator: @unchecked Sendable {
    public let model: any LanguageModel
    public let tokenizer: Tokenizer
    /// Samples decoding at once; more are drawn in further rounds (bounds the KV memory).
    public var batchSize: Int
    /// Prompt positions read per forward pass.
    public var prefillChunk: Int

    public init(model: any LanguageModel, tokenizer: Tokenizer, batchSize: Int = 32, prefillChunk: Int = defaultPrefillChunk) {
        self.model = model
        self.tokenizer = tokenizer
        self.batchSize = max(1, batchSize)
        self.prefillChunk = max(1, prefillChunk)
    }

    /// `n` completions of `prompt` — or, with a `suffix`, `n` middles between the two, asked for
    /// with the model's fill-in-the-middle tokens: samples firstSample..<firstSample+n of its
    /// seeded streams, decoded `batchSize` at a time through a BatchScheduler of its own.
    /// `onToken(sample, text)` receives each sample's newly settled text as it is decoded.
    public func complete(prompt: String, suffix: String? = nil, n: Int, parameters: SamplingParameters, firstSample: Int = 0,
                         keepRoom: Int? = nil, onToken: ((Int, String) -> Void)? = nil) throws -> [Completion] {
        let scheduler = BatchScheduler(model: model, tokenizer: tokenizer, slots: batchSize, prefillChunk: prefillChunk)
        defer { scheduler.shutdown() }
        var request: BatchScheduler.Request
        if let suffix {
            let fim = try FIMTokens.of(tokenizer)
            // With keepRoom, a prompt too long is fitted as llama.cpp fits one (FIMTokens.prompt's budget):
            // cutting it from the left would drop its <PRE>.
            let budget = keepRoom.map { model.config.contextLength - $0 }
            request = .init(prompt: fim.prompt(prefix: prompt, suffix: suffix, tokenizer: tokenizer, budget: budget), n: n,
                            parameters: parameters, firstSample: firstSample)
            request.stopTokens = fim.stopTokens(tokenizer)
        } else {
            request = .init(prompt: tokenizer.encodeForModel(prompt), n: n, parameters: parameters, firstSample: firstSample)
            request.keepRoom = keepRoom
            // A model trained with fill-in-the-middle (codeloop-small among them) otherwise now and
            // then writes a sentinel into plain code.
            if let fim = try? FIMTokens.of(tokenizer) { request.bannedTokens = [fim.prefix, fim.suffix, fim.middle] }
        }
        return try run(request, scheduler: scheduler, onToken: onToken)
    }

    /// `n` completions after prompt token ids as they are (a chat template's rendering, special
    /// tokens included), ending at `stopTokens` as well as eos.
    public func complete(tokens: [Int], n: Int, parameters: SamplingParameters, firstSample: Int = 0, keepRoom: Int? = nil,
                         stopTokens: Set<Int> = []) throws -> [Completion] {
        let scheduler = BatchScheduler(model: model, tokenizer: tokenizer, slots: batchSize, prefillChunk: prefillChunk)
        defer { scheduler.shutdown() }
        var request = BatchScheduler.Request(prompt: tokens, n: n, parameters: parameters, firstSample: firstSample)
        request.keepRoom = keepRoom
        request.stopTokens = stopTokens
        return try run(request, scheduler: scheduler, onToken: nil)
    }

    private func run(_ request: BatchScheduler.Request, scheduler: BatchScheduler, onToken: ((Int, String) -> Void)?) throws -> [Completion] {
        let finished = DispatchSemaphore(value: 0)
        let results = Results(count: request.n)
        let firstSample = request.firstSample
        nonisolated(unsafe) let onToken = onToken
        scheduler.submit(request) { event in
            switch event {
            case .tokens(let index, let text, _):
                if !text.isEmpty { onToken?(firstSample + index, text) }
            case .finished(let index, let completion):
                results.set(index, completion)
            case .done(let error):
                results.fail(error)
                finished.signal()
            case .prompt, .prefilled:
                break
            }
        }
        finished.wait()
        return try results.completions()
    }
}

/// Completions arriving from the scheduler's thread.
private final class Results: Sendable {
    private let values: LockedBox<[Completion?]>
    private let error = LockedBox<(any Error)?>(nil)

    init(count: Int) { values = LockedBox(Array(repeating: nil, count: count)) }

    func set(_ index: Int, _ completion: Completion) { values.withLock { $0[index] = completion } }
    func fail(_ error: (any Error)?) { self.error.withLock { $0 = error } }
    func completions() throws -> [Completion] {
        if let error = error.withLock({ $0 }) { throw error }
        return values.withLock { $0.map { $0! } }
    }
}
