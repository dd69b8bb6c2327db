import Foundation
import Sandbox
import Testing
@testable import Evaluation

/// codeloop's sanitizer against evalplus 0.3.1's own `sanitize` on 453 chat answers written by
/// scripts/fixtures/make_sanitize_fixtures.py (fences of every kind, prose, several blocks, tests after the
/// code, decorators, helpers, classes, CRLF, tabs, non-ASCII, broken code and no code).
@Suite(.serialized) struct SanitizeParityTests {
    @Test func solutionsEqualEvalplusSanitizeOnEveryAnswer() throws {
        let rows = try JSONLines.read(fixture("sanitize_parity.jsonl")).map(\.object)
        #expect(rows.count >= 300)
        let pool = try SandboxPool(configuration: try SandboxConfiguration(), workers: 2)
        defer { pool.shutdown() }
        let answers = rows.map { AnswerSanitizer.Answer(text: $0["text"] as! String, entryPoint: $0["entry_point"] as? String) }
        let results = try AnswerSanitizer.sanitize(answers, pool: pool)
        var differ = 0
        for (row, result) in zip(rows, results) where result.solution != row["solution"] as? String {
            differ += 1
            if differ <= 3 { Issue.record("\(row["task_id"]!): \(result.solution.debugDescription) != \((row["solution"] as! String).debugDescription)") }
        }
        #expect(differ == 0, "\(differ) of \(rows.count) answers sanitized differently from evalplus")
    }

    @Test func proseAloneHasNoCodeAndEvaluatesAsNoCodeFound() throws {
        let pool = try SandboxPool(configuration: try SandboxConfiguration(), workers: 1)
        defer { pool.shutdown() }
        let results = try AnswerSanitizer.sanitize([
            .init(text: "I'm sorry, but I can't help with that.", entryPoint: "add"),
            .init(text: "Sure:\n```python\ndef add(x, y):\n    return x + y\n```\nDone.", entryPoint: "add"),
        ], pool: pool)
        #expect(results == [.init(solution: "I'm sorry, but I can't help with that.", codeFound: false),
                            .init(solution: "def add(x, y):\n    return x + y", codeFound: true)])
    }
}
