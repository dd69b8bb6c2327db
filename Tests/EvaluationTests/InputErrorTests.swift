import Foundation
import Testing
@testable import Evaluation
import TestScratch

/// Writes `contents` to a fresh temporary file and returns its path.
func temporaryFile(_ name: String, _ contents: [UInt8]) -> String {
    Scratch.file("evaluation", name, contents)
}

func temporaryFile(_ name: String, _ text: String) -> String { temporaryFile(name, Array(text.utf8)) }

func fixture(_ name: String) -> String {
    Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures")!
}

let exampleProblems = try! ProblemSet.load(path: fixture("example_problem.jsonl"), name: "example")

@Suite struct InputErrorTests {
    func error(loading text: String) -> String {
        error(loading: Array(text.utf8))
    }

    func error(loading bytes: [UInt8]) -> String {
        let path = temporaryFile("samples.jsonl", bytes)
        do {
            _ = try SampleFile(path: path, problems: exampleProblems)
            return "no error"
        } catch let error as EvaluationError {
            return error.description.replacingOccurrences(of: path, with: "FILE")
        } catch {
            return "unexpected \(error)"
        }
    }

    let good = #"{"task_id": "test/0", "completion": "    return 1"}"#

    @Test func malformedJSONNamesTheLine() {
        #expect(error(loading: good + "\n{\"task_id\": \n") == "FILE:2: malformed JSON")
    }

    @Test func missingTaskID() {
        #expect(error(loading: #"{"completion": "x"}"#) == #"FILE:1: missing field "task_id""#)
    }

    @Test func missingCompletion() {
        #expect(error(loading: good + "\n\n" + #"{"task_id": "test/0"}"#) == #"FILE:3: missing field "completion""#)
    }

    @Test func wrongTypes() {
        #expect(error(loading: #"{"task_id": 3, "completion": "x"}"#) == #"FILE:1: field "task_id" must be a string"#)
        #expect(error(loading: #"{"task_id": "test/0", "completion": null}"#) == #"FILE:1: field "completion" must be a string"#)
        #expect(error(loading: "[1, 2]") == "FILE:1: expected a JSON object")
    }

    @Test func unknownTaskID() {
        #expect(error(loading: #"{"task_id": "HumanEval/999", "completion": "x"}"#) == #"FILE:1: unknown task_id "HumanEval/999" (not in example)"#)
    }

    @Test func invalidUTF8() {
        let bytes = Array((good + "\n").utf8) + Array(#"{"task_id": "test/0", "completion": ""#.utf8) + [0xFF, 0xFE] + Array("\"}\n".utf8)
        #expect(error(loading: bytes) == "FILE:2: invalid UTF-8")
    }

    @Test func emptyFile() {
        #expect(error(loading: "") == "FILE: no samples")
        #expect(error(loading: "\n  \n") == "FILE: no samples")
    }

    @Test func completionOverOneMegabyte() {
        let big = String(repeating: "x", count: (1 << 20) + 1)
        #expect(error(loading: #"{"task_id": "test/0", "completion": ""# + big + "\"}") == "FILE:1: completion is 1048577 bytes, over the limit of 1048576")
    }

    @Test func missingFileAndDirectory() {
        #expect(throws: EvaluationError("/nonexistent/samples.jsonl: no such file")) {
            try SampleFile(path: "/nonexistent/samples.jsonl", problems: exampleProblems)
        }
        let empty = Scratch.directory("no-solutions")
        #expect(throws: EvaluationError("\(empty): no samples (a directory is read as evalplus's: <task_id with / as _>/<k>.py)")) {
            try SampleFile(path: empty, problems: exampleProblems)
        }
    }

    @Test func corruptGzip() {
        let path = temporaryFile("samples.jsonl.gz", [0x1F, 0x8B, 0x08, 0x00, 0x01, 0x02])
        #expect(throws: EvaluationError("\(path): corrupt or truncated gzip data")) {
            try SampleFile(path: path, problems: exampleProblems)
        }
    }

    @Test func problemFileErrors() {
        let missingField = temporaryFile("problems.jsonl", #"{"task_id": "a", "prompt": "", "test": ""}"#)
        #expect(throws: EvaluationError("\(missingField):1: missing field \"entry_point\"")) {
            try ProblemSet.load(path: missingField, name: "p")
        }
        let line = #"{"task_id": "a", "prompt": "", "test": "", "entry_point": "f"}"#
        let duplicate = temporaryFile("problems.jsonl", line + "\n" + line)
        #expect(throws: EvaluationError("\(duplicate):2: duplicate task_id \"a\" (first on line 1)")) {
            try ProblemSet.load(path: duplicate, name: "p")
        }
    }

    @Test func builtInHumanEvalHas164Problems() throws {
        let humaneval = try ProblemSet.load("humaneval")
        #expect(humaneval.problems.count == 164)
        #expect(humaneval.problems.first?.taskID == "HumanEval/0")
        #expect(humaneval["HumanEval/163"]?.entryPoint == "generate_integers")
    }

    @Test func programIsHumanEvalsConcatenation() {
        let problem = Problem(taskID: "t", prompt: "def f():\n", canonicalSolution: "", test: "def check(c):\n    pass", entryPoint: "f")
        #expect(problem.program(.completion("    return 1")) == "def f():\n    return 1\ndef check(c):\n    pass\ncheck(f)")
    }

    /// evalplus's solution: the whole program, without the prompt, before the same test.
    @Test func aSolutionStandsInPlaceOfPromptAndCompletion() throws {
        let problem = Problem(taskID: "t", prompt: "def f():\n", canonicalSolution: "", test: "def check(c):\n    pass", entryPoint: "f")
        #expect(problem.program(.solution("def f():\n    return 2")) == "def f():\n    return 2\ndef check(c):\n    pass\ncheck(f)")
        let path = temporaryFile("solutions.jsonl", "{\"task_id\": \"test/0\", \"solution\": \"x = 1\", \"completion\": \"ignored\"}\n")
        #expect(try SampleFile(path: path, problems: exampleProblems).samples.map(\.code) == [.solution("x = 1")])
        let raw = temporaryFile("raw.jsonl", "{\"task_id\": \"test/0\", \"raw\": \"Sure!\"}\n")
        #expect(throws: EvaluationError.at(raw, line: 1, "a raw chat answer without a \"solution\": run `codeloop sanitize \(raw) --in-place` first")) {
            try SampleFile(path: raw, problems: exampleProblems)
        }
    }

    @Test func gzipSamplesAreRead() throws {
        // A gzip member made by Python's gzip module (mtime 0) holding one sample line.
        let compressed: [UInt8] = [31, 139, 8, 0, 0, 0, 0, 0, 2, 255, 171, 86, 42, 73, 44, 206, 142, 207, 76, 81, 178, 82, 80, 42, 73, 45, 46, 209, 55, 80, 210, 81, 80, 74, 206, 207, 45, 200, 73, 45, 201, 204, 207, 3, 137, 43, 0, 65, 81, 106, 73, 105, 81, 158, 130, 161, 82, 45, 23, 0, 196, 235, 220, 242, 52, 0, 0, 0]
        let path = temporaryFile("samples.jsonl.gz", compressed)
        let file = try SampleFile(path: path, problems: exampleProblems)
        #expect(file.samples.map(\.code) == [.completion("    return 1")])
    }
}
