import Foundation
import Locking
import Sampling
import Tokenizers

/// A local instruct model asked as evalplus asks one with a chat template (evalplus 0.3.1,
/// provider/hf.py): the template renders the user turn and the assistant turn opened with the
/// response prefix and a ```python fence; the model writes on from there and stops at the closing
/// fence, evalplus's other stop strings, or the end of its turn. The answer is the code it wrote.
public final class LocalChatBackend: ChatBackend, Sendable {
    public let generator: Generator
    public let template: ChatTemplate
    /// Cut prompts from the left to leave this many positions.
    public let keepRoom: Int?
    private let running = Lock()

    /// evalplus's stop strings for a chat model's answer (provider/utility.py EOS, and "\n```\n").
    public static let evalplusStops = ["<|endoftext|>", "<|endofmask|>", "</s>", "\nif __name__", "\ndef main(", "\nprint(", "\n```\n"]

    public init(generator: Generator, template: ChatTemplate, keepRoom: Int? = nil) {
        self.generator = generator
        self.template = template
        self.keepRoom = keepRoom
    }

    public func answer(task: String, prompt: ChatPrompt, n: Int, parameters: SamplingParameters, firstSample: Int) async throws -> [ChatAnswer] {
        let text = try template.evalplusPrompt(task: task, system: prompt.system, instruction: prompt.instruction, responsePrefix: prompt.responsePrefix)
        let tokenizer = generator.tokenizer
        // evalplus encodes the rendered text as transformers' tokenizer.encode does: special tokens
        // as themselves, with the tokenizer's own BOS in front.
        let tokens = tokenizer.encodeForModel(text, allowSpecial: true)
        var stopping = parameters
        stopping.stop = Array(Set(parameters.stop + Self.evalplusStops)).sorted()
        let parameters = stopping
        let stopTokens = tokenizer.endOfTurnIDs
        let completions = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[Completion], Error>) in
            Thread.detachNewThread { [self] in
                running.withLock {
                    continuation.resume(with: Result {
                        try generator.complete(tokens: tokens, n: n, parameters: parameters, firstSample: firstSample, keepRoom: keepRoom,
                                               stopTokens: stopTokens)
                    })
                }
            }
        }
        return completions.map {
            ChatAnswer(text: $0.text, finishReason: $0.finishReason.rawValue, usage: nil, requestAnswers: n, tokens: tokens.count + $0.tokens.count)
        }
    }
}
