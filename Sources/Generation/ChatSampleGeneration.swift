import Backends
import Evaluation
import Foundation
import Locking
import Sampling
import Sandbox

/// Draws the answers a chat samples file still lacks, task by task, appending each as it arrives
/// (`raw`, `finish_reason`, `usage`), then gives each new line its `solution` by evalplus's
/// sanitize rules. Resumes as SampleGeneration does.
public enum ChatSampleGeneration {
    public struct Outcome: Sendable {
        public var answers = 0
        public var tokens = 0
        /// Answers whose response could not be read, recorded with an `error`.
        public var unreadable = 0
        /// Of the answers sanitized, those in which no code was found.
        public var withoutCode = 0
    }

    public static func run(problems: [Problem], problemSet: ProblemSet, backend: any ChatBackend, prompt: ChatPrompt,
                           parameters: SamplingParameters, n: Int, out: String, quiet: Bool, concurrency: Int,
                           samplesPerRequest: Int, sanitizeWith pool: SandboxPool?) async throws -> Outcome {
        let done = try SamplesFileAppender.existingCounts(out)
        let appender = try SamplesFileAppender(path: out)
        let remaining = problems.reduce(0) { $0 + max(0, n - (done[$1.taskID] ?? 0)) }
        let tokens = LockedBox(0.0)
        let progress = ProgressBar(total: remaining, quiet: quiet, countsPasses: false) { elapsed in
            String(format: "%.0f tokens, %.1f tokens/s", tokens.value, tokens.value / max(elapsed, 1e-9))
        }
        let work = SampleGeneration.workItems(problems, done: done, n: n, samplesPerRequest: samplesPerRequest)
        var outcome = Outcome()
        try await forEachConcurrently(work, limit: concurrency, { problem, first, count in
            try await backend.answer(task: problem.prompt, prompt: prompt, n: count, parameters: parameters, firstSample: first)
        }, onResult: { index, answers in
            var written = 0
            for answer in answers where written < work[index].2 {
                // An unreadable response stands for all the answers still due.
                let copies = answer.error == nil ? 1 : work[index].2 - written
                for _ in 0..<copies {
                    try appender.append(chatAnswer: answer, taskID: work[index].0.taskID, temperature: parameters.temperature)
                    progress.advance(passed: false)
                }
                written += copies
                if answer.error != nil { outcome.unreadable += copies }
                tokens.withLock { $0 += answer.tokens.map(Double.init) ?? Double(answer.usage?.totalTokens ?? 0) / Double(max(answer.requestAnswers, 1)) }
            }
            outcome.answers += written
        })
        progress.finish()
        outcome.tokens = Int(tokens.value.rounded())
        if let pool {
            outcome.withoutCode = try AnswerSanitizer.sanitizeFile(out, problems: problemSet, pool: pool, lines: .unsanitized, out: out).withoutCode
        }
        return outcome
    }
}
