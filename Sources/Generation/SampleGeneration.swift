import Backends
import Evaluation
import Foundation
import Locking
import Sampling
import Sandbox

/// Draws the samples a file still lacks, task by task, appending each as it arrives.
public enum SampleGeneration {
    /// Returns the samples written and the tokens they hold.
    public static func run(problems: [Problem], backend: any CompletionBackend, parameters: SamplingParameters, n: Int, out: String,
                    quiet: Bool, concurrency: Int, samplesPerRequest: Int) async throws -> (samples: Int, tokens: Int) {
        let done = try SamplesFileAppender.existingCounts(out)
        let appender = try SamplesFileAppender(path: out)
        let remaining = problems.reduce(0) { $0 + max(0, n - (done[$1.taskID] ?? 0)) }
        let tokensSoFar = LockedBox(0)
        let progress = ProgressBar(total: remaining, quiet: quiet, countsPasses: false) { elapsed in
            String(format: "%.1f tokens/s", Double(tokensSoFar.value) / max(elapsed, 1e-9))
        }
        let work = workItems(problems, done: done, n: n, samplesPerRequest: samplesPerRequest)
        try await forEachConcurrently(work, limit: concurrency, { problem, first, count in
            try await backend.complete(prompt: problem.prompt, suffix: problem.suffix, n: count, parameters: parameters, firstSample: first)
        }, onResult: { index, completions in
            for completion in completions {
                try appender.append(taskID: work[index].0.taskID, completion: completion, temperature: parameters.temperature)
                tokensSoFar.withLock { $0 += max(completion.tokens.count, completion.logprobs.count) }
                progress.advance(passed: false)
            }
        })
        progress.finish()
        return (remaining, tokensSoFar.value)
    }

    /// (task, first sample, count) for the samples a file still lacks: a task's samples continue
    /// where the file stopped, so a resumed run draws the same samples.
    static func workItems(_ problems: [Problem], done: [String: Int], n: Int, samplesPerRequest: Int) -> [(Problem, Int, Int)] {
        var work: [(Problem, Int, Int)] = []
        for problem in problems {
            var next = done[problem.taskID] ?? 0
            while next < n {
                work.append((problem, next, min(samplesPerRequest, n - next)))
                next += min(samplesPerRequest, n - next)
            }
        }
        return work
    }
}
