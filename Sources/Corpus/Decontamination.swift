/// Benchmark decontamination as bigcode did for StarCoder (bigcode-dataset, decontamination/):
/// a training file is dropped when it contains, case-insensitively, any benchmark text as an exact
/// substring — HumanEval's prompt docstrings and canonical solutions, MBPP's task texts and code,
/// APPS's questions. Texts shorter than `minimumLength` are left out: a two-line solution such as
/// `return a + b` is in countless innocent files.
///
/// Search is Rabin–Karp over the first `minimumLength` bytes of every text, so a file costs one
/// pass whatever the number of texts.
public struct Decontamination: Sendable {
    public struct Needle: Sendable {
        /// The rule it belongs to, counted in corpus.json ("HumanEval docstring", ...).
        public let rule: String
        public let text: String

        public init(rule: String, text: String) {
            self.rule = rule
            self.text = text
        }
    }

    public static let minimumLength = 50

    let needles: [(rule: String, bytes: [UInt8])]
    /// Hash of a needle's first `minimumLength` bytes → the needles that start so.
    private let anchors: [UInt64: [Int]]
    /// Texts left out for being shorter than the minimum, per rule.
    public let tooShort: [String: Int]

    public init(_ texts: [Needle]) {
        var kept: [(String, [UInt8])] = [], short: [String: Int] = [:]
        for needle in texts {
            let bytes = Self.lowercased(Array(needle.text.utf8))
            if bytes.count < Self.minimumLength {
                short[needle.rule, default: 0] += 1
            } else {
                kept.append((needle.rule, bytes))
            }
        }
        needles = kept
        tooShort = short
        var anchors: [UInt64: [Int]] = [:]
        for (index, needle) in kept.enumerated() {
            anchors[Self.hash(needle.1[0..<Self.minimumLength]), default: []].append(index)
        }
        self.anchors = anchors
    }

    /// The rule of the first benchmark text the file contains, or nil.
    public func match(_ file: [UInt8]) -> String? {
        let k = Self.minimumLength
        guard !needles.isEmpty, file.count >= k else { return nil }
        let text = Self.lowercased(file)
        var hash = Self.hash(text[0..<k])
        var start = 0
        while true {
            if let candidates = anchors[hash] {
                for index in candidates {
                    let needle = needles[index].bytes
                    if start + needle.count <= text.count && text[start..<(start + needle.count)].elementsEqual(needle) {
                        return needles[index].rule
                    }
                }
            }
            guard start + k < text.count else { return nil }
            hash = (hash &- UInt64(text[start]) &* Self.highestPower) &* Self.base &+ UInt64(text[start + k])
            start += 1
        }
    }

    private static let base: UInt64 = 1_099_511_628_211
    private static let highestPower: UInt64 = (1..<minimumLength).reduce(1) { power, _ in power &* base }

    private static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 &* base &+ UInt64($1) }
    }

    /// ASCII lowercasing (the benchmarks' texts are ASCII; other bytes compare as they are).
    static func lowercased(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
    }
}
