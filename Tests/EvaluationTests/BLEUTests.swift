import Foundation
import Testing
@testable import Evaluation

/// codeloop's sentence BLEU against NLTK 3.10's on the same code (scripts/fixtures/make_bleu_fixtures.py):
/// HumanEval's canonical solutions against themselves and each other, five models' completions,
/// and edge cases.
@Suite struct BLEUTests {
    @Test func tokensAndScoresMatchNLTK() throws {
        let cases = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture("bleu.json")))) as! [[String: Any]]
        #expect(cases.count > 500)
        var worst = 0.0, mismatchedTokens = 0
        for entry in cases {
            let sample = entry["sample"] as! String, reference = entry["reference"] as! String
            if BLEU.tokenize(sample) != entry["tokens"] as! [String] { mismatchedTokens += 1 }
            worst = max(worst, abs(BLEU.sentence(sample, reference: reference) - (entry["bleu"] as! Double)))
        }
        #expect(mismatchedTokens == 0)
        #expect(worst < 1e-12, "largest difference from NLTK: \(worst)")
        #expect(cases.contains { ($0["bleu"] as! Double) == 1 } && cases.contains { ($0["bleu"] as! Double) == 0 })
    }
}
