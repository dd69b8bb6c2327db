import Backends
import Evaluation
import Foundation
import Sampling

/// Appends samples to a JSONL file, one write per line, after repairing a torn last line.
public final class SamplesFileAppender {
    let handle: FileHandle

    public init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw EvaluationError("\(path): cannot be written") }
        }
        guard let handle = FileHandle(forUpdatingAtPath: path) else { throw EvaluationError("\(path): cannot be written") }
        // A run killed mid-line leaves a partial record: cut the file back to its last newline.
        let data = handle.readDataToEndOfFile()
        let keep = (data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
        if keep < data.count { handle.truncateFile(atOffset: UInt64(keep)) }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    /// Complete lines already in the file, per task.
    public static func existingCounts(_ path: String) throws -> [String: Int] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        var counts: [String: Int] = [:]
        for (number, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard !line.isEmpty else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let task = object["task_id"] as? String else {
                if number == data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count - 1 { continue }  // torn tail
                throw EvaluationError("\(path):\(number + 1): not a sample line; refusing to append to it")
            }
            counts[task, default: 0] += 1
        }
        return counts
    }

    public func append(taskID: String, completion: Completion, temperature: Float) throws {
        try append([
            "task_id": taskID, "completion": completion.text, "temperature": Double(String(temperature)) ?? Double(temperature),
            "mean_logprob": completion.meanLogprob, "sum_logprob": completion.sumLogprob,
            "num_tokens": max(completion.tokens.count, completion.logprobs.count), "finish_reason": completion.finishReason.rawValue,
        ])
    }

    /// A chat model's answer: the raw text (`codeloop sanitize` adds the solution), why it ended,
    /// and its request's token usage; or the error that left it unread.
    public func append(chatAnswer answer: ChatAnswer, taskID: String, temperature: Float) throws {
        var object: [String: Any] = [
            "task_id": taskID, "raw": answer.text, "temperature": Double(String(temperature)) ?? Double(temperature),
            "finish_reason": answer.finishReason ?? NSNull(), "request_answers": answer.requestAnswers,
        ]
        if let usage = answer.usage {
            object["usage"] = ["prompt_tokens": usage.promptTokens, "completion_tokens": usage.completionTokens, "total_tokens": usage.totalTokens]
        }
        if let error = answer.error { object["error"] = error }
        try append(object)
    }

    private func append(_ object: [String: Any]) throws {
        var line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        line.append(UInt8(ascii: "\n"))
        handle.write(line)
    }
}
