import Foundation
import Sandbox
import Testing
import TestScratch
@testable import Evaluation

func evaluateFixture(_ name: String, problems: ProblemSet, timeout: Double? = nil, referenceCache: ReferenceCache? = nil,
                     strict: StrictJudging = .off) throws -> (EvaluationSummary, [[String: Any]]) {
    var configuration = try SandboxConfiguration()
    configuration.humanEvalGuard = true
    if let timeout { configuration.limits.wallSeconds = timeout }
    let pool = try SandboxPool(configuration: configuration, workers: 2)
    defer { pool.shutdown() }
    let samples = try SampleFile(path: scratchCopy(name), problems: problems)
    var options = FunctionalCorrectness.Options()
    options.ks = [1]
    options.quiet = true
    options.ignoreIncomplete = true
    options.referenceCache = referenceCache
    options.strict = strict
    let summary = try FunctionalCorrectness(problems: problems, pool: pool).evaluate(samples, options: options)
    return (summary, try readResults(summary.resultsPath))
}

/// Judges one sample per (task_id, completion) pair on a fresh pool: the summary and the results.
func evaluateCompletions(_ completions: [(taskID: String, completion: String)], problems: ProblemSet,
                         configure: (inout FunctionalCorrectness.Options) -> Void = { _ in }) throws -> (EvaluationSummary, [[String: Any]]) {
    let lines = completions.map { "{\"task_id\": \(PythonJSON.string($0.taskID)), \"completion\": \(PythonJSON.string($0.completion))}" }
    let samples = try SampleFile(path: temporaryFile("samples.jsonl", lines.joined(separator: "\n") + "\n"), problems: problems)
    let pool = try SandboxPool(configuration: try SandboxConfiguration(), workers: 2)
    defer { pool.shutdown() }
    var options = FunctionalCorrectness.Options()
    options.ks = [1]
    options.quiet = true
    configure(&options)
    let summary = try FunctionalCorrectness(problems: problems, pool: pool).evaluate(samples, options: options)
    return (summary, try readResults(summary.resultsPath))
}

@Suite(.serialized) struct BenchmarkParityTests {
    /// A reference cache filled by judging the mixed file once.
    static let warmCache: String = {
        let directory = Scratch.directory("warm-references")
        _ = try! evaluateFixture("humanevalplus_mixed.jsonl", problems: try! ProblemSet.load("humaneval+"),
                                 referenceCache: ReferenceCache(directory: directory))
        return directory
    }()

    /// evalplus 0.3.1's verdicts, committed by scripts/parity/parity_evalplus.py --update-fixtures: with
    /// the expected outputs computed (and cached), then read from the cache.
    @Test(arguments: ["cold", "warm"]) func humanEvalPlusMatchesEvalplus(cacheState: String) throws {
        let (_, rows) = try evaluateFixture("humanevalplus_mixed.jsonl", problems: try ProblemSet.load("humaneval+"),
                                            referenceCache: ReferenceCache(directory: cacheState == "cold" ? Scratch.directory("references") : Self.warmCache))
        try expectEvalplusVerdicts(rows, fixture("humanevalplus_mixed.expected.jsonl"))
    }

    /// Each result's base and plus status are evalplus's, line by line.
    func expectEvalplusVerdicts(_ rows: [[String: Any]], _ expectedPath: String) throws {
        let expected = try JSONLines.read(expectedPath).map(\.object)
        #expect(rows.count == expected.count)
        for (row, want) in zip(rows, expected) {
            let what = "\(want["task_id"]!) (\(want["variant"]!))"
            #expect(row["base_status"] as? String == want["base_status"] as? String, "\(what): base \(row["base_status"] ?? "-") vs evalplus \(want["base_status"]!); \(row["result"] ?? "")")
            #expect(row["plus_status"] as? String == want["plus_status"] as? String, "\(what): plus \(row["plus_status"] ?? "-") vs evalplus \(want["plus_status"]!); \(row["result"] ?? "")")
            #expect(row["passed"] as? Bool == (want["base_status"] as? String == "pass" && want["plus_status"] as? String == "pass"))
        }
    }

    /// evalplus 0.3.1's verdicts on whole programs (its `solution` field): the mixed samples with
    /// their prompts, and chat answers as evalplus's sanitize left them (scripts/parity/parity_evalplus.py).
    @Test func humanEvalPlusSolutionsMatchEvalplus() throws {
        let (_, rows) = try evaluateFixture("humanevalplus_solutions.jsonl", problems: try ProblemSet.load("humaneval+"),
                                            referenceCache: ReferenceCache(directory: Self.warmCache))
        try expectEvalplusVerdicts(rows, fixture("humanevalplus_solutions.expected.jsonl"))
    }

    /// The same solutions in evalplus's directory layout, `<task_id with / as _>/<k>.py`.
    @Test func solutionDirectoriesAreReadAsEvalplusWritesThem() throws {
        let solutions = try JSONLines.read(fixture("humanevalplus_solutions.jsonl")).map(\.object)
        let directory = Scratch.directory("solutions")
        var counts: [String: Int] = [:]
        for row in solutions {
            let task = (row["task_id"] as! String).replacingOccurrences(of: "/", with: "_")
            try FileManager.default.createDirectory(atPath: directory + "/" + task, withIntermediateDirectories: true)
            let number = counts[task, default: 0]
            counts[task] = number + 1
            try (row["solution"] as! String).write(toFile: "\(directory)/\(task)/\(number).py", atomically: true, encoding: .utf8)
        }
        try "not a solution".write(toFile: directory + "/README.txt", atomically: true, encoding: .utf8)
        let problems = try ProblemSet.load("humaneval+")
        let samples = try SampleFile(path: directory, problems: problems)
        #expect(samples.samples.count == solutions.count)
        let pool = try SandboxPool(configuration: try SandboxConfiguration(), workers: 2)
        defer { pool.shutdown() }
        var options = FunctionalCorrectness.Options()
        options.ks = [1]
        options.quiet = true
        options.ignoreIncomplete = true
        options.referenceCache = ReferenceCache(directory: Self.warmCache)
        let summary = try FunctionalCorrectness(problems: problems, pool: pool).evaluate(samples, options: options)
        #expect(summary.resultsPath == directory + "_results.jsonl")
        // Directory order is problem order, then file number; the fixture is grouped the same way
        // once sorted by task position (stable within a task).
        let expected = try JSONLines.read(fixture("humanevalplus_solutions.expected.jsonl")).map(\.object).enumerated()
            .sorted { (problems.position(of: $0.element["task_id"] as! String)!, $0.offset) < (problems.position(of: $1.element["task_id"] as! String)!, $1.offset) }
            .map(\.element)
        let rows = try readResults(summary.resultsPath)
        #expect(rows.count == expected.count)
        for (row, want) in zip(rows, expected) {
            #expect(row["task_id"] as? String == want["task_id"] as? String)
            #expect(row["base_status"] as? String == want["base_status"] as? String && row["plus_status"] as? String == want["plus_status"] as? String,
                    "\(want["task_id"]!): \(row["result"] ?? "")")
        }
    }

    /// A direct run of each task's asserts, committed by scripts/parity/parity_mbpp.py --update-fixtures.
    @Test func mbppMatchesADirectRunOfTheAsserts() throws {
        let (_, rows) = try evaluateFixture("mbpp_mixed.jsonl", problems: try ProblemSet.load("mbpp"), timeout: 10)
        let expected = try JSONLines.read(fixture("mbpp_mixed.expected.jsonl")).map(\.object)
        #expect(rows.count == expected.count)
        for (row, want) in zip(rows, expected) {
            #expect(row["passed"] as? Bool == want["passed"] as? Bool, "\(want["task_id"]!) (\(want["variant"]!)): \(row["result"] ?? "")")
        }
    }
}

@Suite struct ProblemSetFormatTests {
    @Test func builtInSetsLoad() throws {
        let plus = try ProblemSet.load("humaneval+")
        #expect(plus.problems.count == 164)
        #expect(plus.problems.allSatisfy { if case .differential = $0.suite { return true } else { return false } })
        let mbpp = try ProblemSet.load("mbpp")
        #expect(mbpp.problems.count == 427)
        #expect(mbpp["Mbpp/2"]?.prompt == "\"\"\"\nWrite a function to find the shared elements from the given two lists.\nassert set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10))) == set((4, 5))\n\"\"\"\n")
        #expect(mbpp["Mbpp/2"]?.entryPoint == "similar_elements")
        let mbppPlus = try ProblemSet.load("mbpp+")
        #expect(mbppPlus.problems.count == 399)
        #expect(mbppPlus["Mbpp/2"]?.prompt.hasPrefix("\"\"\"\nWrite a function to find the shared elements from the given two lists.\nassert similar_elements((3, 4, 5, 6),(5, 7, 4, 10)) == (4, 5)\n") == true)
        let apps = try ProblemSet.load("apps")
        #expect(apps.problems.count == 10)
        #expect(apps.stops == ProblemSet.appsStops)
    }

    /// The examples of each statement in the APPS sample, counted by hand from the text.
    @Test func appsStatementExamplesAreFound() throws {
        let apps = try ProblemSet.load("apps")
        let expected = ["APPS/1079": 3, "APPS/771": 3, "APPS/3040": 3, "APPS/4655": 1, "APPS/4245": 1,
                        "APPS/747": 1, "APPS/1303": 2, "APPS/203": 2, "APPS/3177": 2, "APPS/4559": 1]
        for problem in apps.problems {
            guard case .standardIO(let tests) = problem.suite else { Issue.record("\(problem.taskID) is not stdin/stdout"); continue }
            #expect(tests.publicCases.count == expected[problem.taskID], "\(problem.taskID): \(tests.publicCases)")
        }
        guard case .standardIO(let strips) = apps["APPS/4245"]!.suite else { return }
        #expect(strips.publicCases == [IOCase(input: "4 10\n", output: "3\n")])
        guard case .standardIO(let codeforces) = apps["APPS/771"]!.suite else { return }
        #expect(codeforces.publicCases[0] == IOCase(input: "3 2 3\n1 8 4\n", output: "Yes\n1 4 \n"))
        #expect(codeforces.publicCases[1] == IOCase(input: "3 3 3\n1 8 4\n", output: "No\n"))
        guard case .standardIO(let kattis) = apps["APPS/3040"]!.suite else { return }
        #expect(kattis.publicCases[2] == IOCase(input: "aaaa\n", output: "aaa\n"))
    }

    @Test func appsOutputComparison() {
        #expect(AppsOutput.matches("3\n", expected: "3\n"))
        #expect(AppsOutput.matches("  3  \n\n", expected: "3"))
        #expect(AppsOutput.matches("Yes\n1 4\n", expected: "Yes\n1 4 "))
        #expect(AppsOutput.matches("0.3333333\n", expected: "0.33333333333\n"))
        #expect(AppsOutput.matches("2 1\n", expected: "1 2\n"))  // APPS's last resort: lines as token sets
        #expect(!AppsOutput.matches("4\n", expected: "3\n"))
        #expect(!AppsOutput.matches("0.34\n", expected: "0.33\n"))
        #expect(!AppsOutput.matches("", expected: "3\n"))
    }

    @Test func badProblemFilesNameTheLine() throws {
        let callBased = temporaryFile("apps_call.jsonl", "{\"problem_id\": 1, \"question\": \"q\", \"input_output\": \"{\\\"fn_name\\\": \\\"f\\\", \\\"inputs\\\": [1], \\\"outputs\\\": [2]}\"}\n")
        #expect { try ProblemSet.load(callBased) } throws: { "\($0)".contains("apps_call.jsonl:1:") && "\($0)".contains("list of arguments") }
        let uneven = temporaryFile("apps_uneven.jsonl", "{\"problem_id\": 1, \"question\": \"q\", \"input_output\": \"{\\\"inputs\\\": [\\\"1\\\"], \\\"outputs\\\": []}\"}\n")
        #expect { try ProblemSet.load(uneven) } throws: { "\($0)".contains("apps_uneven.jsonl:1:") && "\($0)".contains("1 inputs but 0 outputs") }
        let noAtol = temporaryFile("plus.jsonl", "{\"task_id\": \"HumanEval/0\", \"prompt\": \"p\", \"entry_point\": \"f\", \"canonical_solution\": \"c\", \"base_input\": [], \"plus_input\": []}\n")
        #expect { try ProblemSet.load(noAtol) } throws: { "\($0)".contains("plus.jsonl:1: missing field \"atol\"") }
        let emptyTests = temporaryFile("mbpp.jsonl", "{\"task_id\": 1, \"prompt\": \"p\", \"test_list\": []}\n")
        #expect { try ProblemSet.load(emptyTests) } throws: { "\($0)".contains("mbpp.jsonl:1: field \"test_list\" is empty") }
    }
}

@Suite(.serialized) struct AppsFilteringTests {
    /// Hand-written programs for the APPS sample; every verdict below is worked out by hand:
    /// "print(0)" answers nothing; the right solutions of 4245, 4559 and 4655 pass every case;
    /// a 4559 program that prints the example's answer passes the example and 1 of 3 hidden cases;
    /// a crashing program fails everything.
    @Test func verdictsAndFilteredPassAtK() throws {
        let (summary, rows) = try evaluateFixture("apps_handwritten.jsonl", problems: try ProblemSet.load("apps"))
        let verdicts = rows.map { ($0["task_id"] as! String, $0["public_passed"] as! Bool, $0["tests_passed"] as! Int, $0["passed"] as! Bool) }
        #expect(verdicts.count == 15)
        #expect(verdicts.prefix(10).allSatisfy { !$0.1 && !$0.3 })
        #expect(verdicts[10] == ("APPS/4245", true, 14, true))
        #expect(verdicts[11] == ("APPS/4559", true, 3, true))
        #expect(verdicts[12] == ("APPS/4559", true, 1, false))
        #expect(verdicts[13] == ("APPS/4245", false, 0, false))
        #expect((rows[13]["result"] as! String).contains("ValueError: boom"))
        #expect(verdicts[14] == ("APPS/4655", true, 2, true))
        // Raw pass@1: 4245 1/3, 4559 1/3, 4655 1/2, seven tasks 0 → 7/60.
        #expect(abs(summary.passAtK[0].value - 7.0 / 60.0) < 1e-12)
        // Filtered: 4245 submits 1 (right), 4559 submits 2 (1 right), 4655 submits 1 (right) → 2.5/10.
        let filtered = summary.otherPassAtK.first { $0.name.hasPrefix("filtered") }!
        #expect(abs(filtered.values[0].value - 0.25) < 1e-12)
    }

    @Test func filteredEstimator() {
        #expect(PassAtK.filtered(submitted: 0, correct: 0, k: 1) == 0)
        #expect(PassAtK.filtered(submitted: 4, correct: 1, k: 1) == 0.25)
        // k larger than what passed the filter: all submitted samples are tried.
        #expect(PassAtK.filtered(submitted: 2, correct: 1, k: 5) == 1)
        #expect(abs(PassAtK.filtered(submitted: 4, correct: 1, k: 2) - 0.5) < 1e-12)
    }
}

/// APPS call-based problems (fixtures written here: a function, and a method of class Solution),
/// judged by calling them on each case as APPS's testing_util does, worked out by hand:
/// APPS/9001 add_pair: right (3/3, example right); right only on the stated example (2/3: fails
/// case 2, (10, -4) → 6); raising (0/3, example fails). APPS/9002 twoSmallest: returning a tuple,
/// which APPS compares as a list (3/3); returning one element (0/3).
/// Raw pass@1: (1/3 + 1/2) / 2; filtered (only samples that pass the example): (1/2 + 1) / 2.
@Suite struct AppsCallBasedTests {
    @Test func callBasedProblemsAreJudgedByCalls() throws {
        let problems = try ProblemSet.load(path: fixture("apps_call.jsonl"), name: "apps-call")
        #expect(problems["APPS/9001"]?.statedExamples == [.comparison(call: "add_pair(a = 2, b = 3)", expected: "5")])
        let (summary, rows) = try evaluateCompletions([
            ("APPS/9001", "def add_pair(a, b):\n    return a + b\n"),
            ("APPS/9001", "def add_pair(a, b):\n    return 5 if (a, b) == (2, 3) else 0\n"),
            ("APPS/9001", "def add_pair(a, b):\n    raise ValueError('no')\n"),
            ("APPS/9002", "class Solution:\n    def twoSmallest(self, nums):\n        s = sorted(nums)\n        return (s[0], s[1])\n"),
            ("APPS/9002", "class Solution:\n    def twoSmallest(self, nums):\n        return sorted(nums)[:1]\n"),
        ], problems: problems)
        #expect(rows.map { $0["passed"] as? Bool } == [true, false, false, true, false])
        #expect(rows.map { $0["tests_passed"] as? Int } == [3, 2, 0, 3, 0])
        #expect(rows.map { $0["public_passed"] as? Bool } == [true, true, false, true, false])
        #expect((rows[1]["result"] as? String)?.hasPrefix("failed: case 2 of 3") == true, "\(rows[1]["result"] ?? "")")
        #expect(abs(summary.passAtK[0].value - (1.0 / 3 + 0.5) / 2) < 1e-12)
        let filtered = try #require(summary.otherPassAtK.first { $0.name.hasPrefix("filtered") })
        #expect(abs(filtered.values[0].value - 0.75) < 1e-12)
        #expect(summary.byDifficulty.map(\.difficulty) == ["introductory", "interview"])
        #expect(abs(summary.byDifficulty[0].filtered[0].value - 0.5) < 1e-12 && abs(summary.byDifficulty[1].passAtK[0].value - 0.5) < 1e-12)
    }

    /// Every sample of the fixture gets APPS's own verdict (eval/testing_util.py, committed by
    /// scripts/parity/parity_apps.py): passed, and how many cases passed.
    @Test func verdictsMatchAppsTestingUtil() throws {
        let problems = try ProblemSet.load(path: fixture("apps_call.jsonl"), name: "apps-call")
        let samples = try JSONLines.read(fixture("apps_call.samples.jsonl")).map(\.object)
        let expected = try JSONLines.read(fixture("apps_call.expected.jsonl")).map(\.object)
        let (_, rows) = try evaluateCompletions(samples.map { ($0["task_id"] as! String, $0["completion"] as! String) }, problems: problems)
        #expect(rows.count == expected.count && rows.count == 9)
        for (row, want) in zip(rows, expected) {
            let what = "\(want["task_id"]!) (\(want["variant"]!)): \(row["result"] ?? "")"
            #expect(row["passed"] as? Bool == want["passed"] as? Bool, "\(what)")
            #expect(row["tests_passed"] as? Int ?? 0 == want["tests_passed"] as? Int, "\(what)")
        }
    }

    @Test func oneShotPromptsCarryASolvedExampleOfTheirKind() throws {
        let calls = try ProblemSet.load(fixture("apps_call.jsonl") + ":1shot")
        #expect(calls.problems[0].prompt.hasPrefix("\nQUESTION:\nGiven a list of integers nums"))
        #expect(calls.problems[0].prompt.hasSuffix("Use Call-Based format\nANSWER:\n"))
        let stdin = try ProblemSet.load("apps-1shot")
        #expect(stdin.problems.count == 10 && stdin.problems.allSatisfy { $0.prompt.hasPrefix("\nQUESTION:\nYou are given two integers a and b.") })
        #expect(stdin.problems[0].difficulty != nil)
    }
}
