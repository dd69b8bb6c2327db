import Foundation
import Sandbox
import Testing
import TestScratch
@testable import Evaluation

@Suite struct ReferenceCacheTests {
    /// Two HumanEval+ tasks, each with its canonical solution as the one sample.
    func judge(_ cache: ReferenceCache, _ problems: ProblemSet) throws -> [String: String] {
        let (_, rows) = try evaluateCompletions(problems.problems.map { ($0.taskID, $0.canonicalSolution) }, problems: problems) {
            $0.referenceCache = cache
        }
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["task_id"] as! String, $0["result"] as! String) })
    }

    func cacheFile(_ cache: ReferenceCache, _ problem: Problem) throws -> String {
        guard case .differential(let tests) = problem.suite else { throw EvaluationError("not an evalplus task") }
        return cache.path(record: tests.dataset + "\n" + tests.recordJSON, driver: DifferentialDriver.module, python: try SandboxConfiguration().python)
    }

    /// The cache is read (another task's report in a task's file fails its canonical solution), and
    /// a file whose checksum does not match is ignored and written again.
    @Test func reportsAreReadFromTheCacheUnlessTheirChecksumFails() throws {
        let all = try ProblemSet.load("humaneval+")
        let problems = ProblemSet(name: "two", problems: [all["HumanEval/53"]!, all["HumanEval/60"]!])
        let cache = ReferenceCache(directory: Scratch.directory("references"))
        #expect(try judge(cache, problems) == ["HumanEval/53": "passed", "HumanEval/60": "passed"])
        let add = try cacheFile(cache, problems.problems[0]), sum = try cacheFile(cache, problems.problems[1])
        #expect(FileManager.default.fileExists(atPath: add) && FileManager.default.fileExists(atPath: sum))

        // HumanEval/60's expected outputs, under a valid checksum, in HumanEval/53's file.
        try FileManager.default.removeItem(atPath: add)
        try FileManager.default.copyItem(atPath: sum, toPath: add)
        let misled = try judge(cache, problems)
        #expect(misled["HumanEval/53"]?.hasPrefix("failed: base tests") == true, "\(misled)")
        #expect(misled["HumanEval/60"] == "passed")

        // The same file with one byte of its report changed: the checksum no longer matches.
        var text = try String(contentsOfFile: add, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"seconds\": ", with: "\"seconds\":  ")
        try text.write(toFile: add, atomically: true, encoding: .utf8)
        #expect(cache.load(add) == nil)
        #expect(try judge(cache, problems) == ["HumanEval/53": "passed", "HumanEval/60": "passed"])
        #expect(cache.load(add) != nil && cache.load(add) != cache.load(sum))
    }
}
