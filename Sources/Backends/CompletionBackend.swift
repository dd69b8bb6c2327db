import Foundation
import Locking
import Sampling
import Tokenizers

/// One interface for "complete this prompt n times": codeloop's own engine, or any server that
/// speaks OpenAI's /v1/completions (vLLM, llama.cpp's server, Ollama, OpenAI, codeloop serve).
public protocol CompletionBackend: Sendable {
    /// Samples firstSample..<firstSample+n of `prompt` (the sample index seeds local sampling); with
    /// a `suffix`, of the middle between the two (fill-in-the-middle).
    func complete(prompt: String, suffix: String?, n: Int, parameters: SamplingParameters, firstSample: Int) async throws -> [Completion]

    /// The summed log-probability the model gives `continuation` after `context` (for ranking by
    /// back-translation: a task's docstring after a sample's code).
    func logprob(of continuation: String, after context: String) async throws -> Double
}

extension CompletionBackend {
    public func complete(prompt: String, n: Int, parameters: SamplingParameters, firstSample: Int) async throws -> [Completion] {
        try await complete(prompt: prompt, suffix: nil, n: n, parameters: parameters, firstSample: firstSample)
    }
}

/// The local engine. Generation is CPU-bound, so it runs off the cooperative thread pool.
public final class LocalBackend: CompletionBackend, Sendable {
    public let generator: Generator
    /// Cut prompts from the left to leave this many positions (see BatchScheduler.Request.keepRoom).
    public let keepRoom: Int?
    /// One generation at a time: each already uses every core.
    private let running = Lock()

    public init(generator: Generator, keepRoom: Int? = nil) {
        self.generator = generator
        self.keepRoom = keepRoom
    }

    /// A left-to-right prompt's trailing whitespace is left for the model to write (PromptBoundary).
    public func complete(prompt: String, suffix: String?, n: Int, parameters: SamplingParameters, firstSample: Int) async throws -> [Completion] {
        let boundary = suffix == nil ? PromptBoundary(prompt) : nil
        let completions = try await offThePool {
            try $0.complete(prompt: boundary?.head ?? prompt, suffix: suffix, n: n, parameters: parameters, firstSample: firstSample,
                            keepRoom: self.keepRoom)
        }
        guard let boundary else { return completions }
        return completions.map { var c = $0; c.text = boundary.completion(c.text); return c }
    }

    public func logprob(of continuation: String, after context: String) async throws -> Double {
        try await offThePool { try $0.logprob(of: continuation, after: context) }
    }

    /// `work` on its own thread, one at a time.
    private func offThePool<Value: Sendable>(_ work: @escaping @Sendable (Generator) throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { [self] in
                running.withLock { continuation.resume(with: Result { try work(generator) }) }
            }
        }
    }
}
