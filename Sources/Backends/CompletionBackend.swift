import Foundation
import Sampling
import Synchronization

/// One interface for "complete this prompt n times": codeloop's own engine, or any server that
/// speaks OpenAI's /v1/completions (vLLM, llama.cpp's server, Ollama, OpenAI, codeloop serve).
public protocol CompletionBackend: Sendable {
    /// Samples firstSample..<firstSample+n of `prompt` (the sample index seeds local sampling); with
    /// a `suffix`, of the middle between the two (fill-in-the-middle).
    func complete(prompt: String, suffix: String?, n: Int, parameters: SamplingParameters, firstSample: Int) async throws -> [Completion]
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
    private let running = Mutex(())

    public init(generator: Generator, keepRoom: Int? = nil) {
        self.generator = generator
        self.keepRoom = keepRoom
    }

    public func complete(prompt: String, suffix: String?, n: Int, parameters: SamplingParameters, firstSample: Int) async throws -> [Completion] {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { [self] in
                running.withLock { _ in
                    continuation.resume(with: Result { try generator.complete(prompt: prompt, suffix: suffix, n: n, parameters: parameters,
                                                                              firstSample: firstSample, keepRoom: keepRoom) })
                }
            }
        }
    }
}
