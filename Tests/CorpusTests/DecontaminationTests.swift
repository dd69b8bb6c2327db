import Foundation
import Testing
@testable import Corpus
import TestScratch

@Suite struct DecontaminationTests {
    // HumanEval/0's docstring and an MBPP solution, as benchmark texts.
    static let docstring = """
        Check if in given list of numbers, are any two numbers closer to each other than
            given threshold.
        """
    static let solution = "def remove_Occ(s,ch): \n    for i in range(len(s)): \n        if (s[i] == ch): \n            s = s[0 : i] + s[i + 1:] \n            break"
    let decontamination = Decontamination([
        .init(rule: "HumanEval statement", text: docstring), .init(rule: "MBPP solution", text: solution),
        .init(rule: "HumanEval solution", text: "    return a + b"),
    ])

    @Test func dropsFilesThatContainABenchmarkTextInAnyCase() {
        let planted = "import math\n\ndef close(xs, t):\n    \"\"\"" + Self.docstring.uppercased() + "\"\"\"\n    return False\n"
        #expect(decontamination.match(Array(planted.utf8)) == "HumanEval statement")
        let copied = "# helpers\n" + Self.solution + "\n    return s\n"
        #expect(decontamination.match(Array(copied.utf8)) == "MBPP solution")
        // At the very start and the very end of a file too.
        #expect(decontamination.match(Array(Self.solution.utf8)) == "MBPP solution")
        #expect(decontamination.match(Array(("x = 1\n" + Self.solution).utf8)) == "MBPP solution")
    }

    @Test func keepsFilesWithoutThemAndSkipsShortTexts() {
        let clean = "def add(a, b):\n    return a + b\n" + String(repeating: "# nothing to see here\n", count: 20)
        #expect(decontamination.match(Array(clean.utf8)) == nil)
        // One character off is not a copy.
        let near = Self.docstring.replacingOccurrences(of: "threshold", with: "thresholds")
        #expect(decontamination.match(Array(near.utf8)) == nil)
        #expect(decontamination.tooShort == ["HumanEval solution": 1])
    }

    @Test func builderCountsWhatEachRuleDropped() throws {
        let directory = Scratch.directory("decontaminate")
        try ("\"\"\"" + Self.docstring + "\"\"\"\n").write(toFile: directory + "/planted.py", atomically: true, encoding: .utf8)
        try (Self.solution + "\n").write(toFile: directory + "/copied.py", atomically: true, encoding: .utf8)
        try "def fine():\n    return 1\n".write(toFile: directory + "/clean.py", atomically: true, encoding: .utf8)
        var builder = CorpusBuilder()
        builder.decontamination = decontamination
        var manifest = CorpusManifest()
        let kept = try builder.collect([directory], manifest: &manifest)
        #expect(kept.map { ($0.origin as NSString).lastPathComponent } == ["clean.py"])
        #expect(manifest.decontaminated == ["HumanEval statement": 1, "MBPP solution": 1])
        #expect(manifest.decontaminationTextsTooShort == ["HumanEval solution": 1])
    }
}
