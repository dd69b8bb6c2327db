import Foundation
import Seeding
import Testing
@testable import Models
@testable import Sampling
import Tensors
import Tokenizers

func generator(_ name: String) throws -> Generator {
    let directory = fixtureDirectory(name)
    return Generator(model: try loadModel(directory: directory), tokenizer: try Tokenizer.load(tokenizerJSON: directory + "/tokenizer.json"))
}

@Suite struct LogitProcessorTests {
    // Probabilities 1/2, 1/4, 1/8, 1/8.
    let logits: [Float] = [log(4), log(2), 0, 0]

    func candidates(temperature: Float = 1, topK: Int = 0, topP: Float = 1) -> [(Int, Float)] {
        logits.withUnsafeBufferPointer { LogitProcessors.candidates($0, temperature: temperature, topK: topK, topP: topP) }.map { ($0.token, $0.probability) }
    }

    func expectClose(_ got: [(Int, Float)], _ want: [(Int, Float)]) {
        #expect(got.map(\.0) == want.map(\.0))
        for (g, w) in zip(got, want) { #expect(abs(g.1 - w.1) < 1e-6, "\(got) vs \(want)") }
    }

    @Test func plainDistribution() { expectClose(candidates(), [(0, 0.5), (1, 0.25), (2, 0.125), (3, 0.125)]) }

    @Test func topPKeepsTheTokenThatCrossesIt() {
        expectClose(candidates(topP: 0.7), [(0, 2.0 / 3), (1, 1.0 / 3)])
        expectClose(candidates(topP: 0.5), [(0, 1)])
        expectClose(candidates(topP: 0.8), [(0, 4.0 / 7), (1, 2.0 / 7), (2, 1.0 / 7)])
    }

    @Test func topK() { expectClose(candidates(topK: 3), [(0, 4.0 / 7), (1, 2.0 / 7), (2, 1.0 / 7)]) }

    @Test func temperatureSharpens() {
        // Halving the temperature squares the odds: 16 : 4 : 1 : 1.
        expectClose(candidates(temperature: 0.5), [(0, 16.0 / 22), (1, 4.0 / 22), (2, 1.0 / 22), (3, 1.0 / 22)])
    }

    @Test func logprobIsUnderTheRawDistribution() {
        let value = logits.withUnsafeBufferPointer { LogitProcessors.logprob(of: 1, in: $0) }
        #expect(abs(value - log(0.25)) < 1e-6)
    }

    @Test func drawsFollowTheProbabilities() {
        var random = SplitMix64(seed: 7)
        var parameters = SamplingParameters()
        parameters.temperature = 1
        parameters.topP = 1
        var counts = [0, 0, 0, 0]
        for _ in 0..<20000 { counts[logits.withUnsafeBufferPointer { LogitProcessors.sample($0, parameters: parameters, random: &random) }] += 1 }
        #expect(abs(Double(counts[0]) / 20000 - 0.5) < 0.02)
        #expect(abs(Double(counts[3]) / 20000 - 0.125) < 0.02)
        // The binned top-p path keeps the same nucleus: tokens 0 and 1 at 2/3 and 1/3.
        parameters.topP = 0.7
        counts = [0, 0, 0, 0]
        for _ in 0..<20000 { counts[logits.withUnsafeBufferPointer { LogitProcessors.sample($0, parameters: parameters, random: &random) }] += 1 }
        #expect(counts[2] == 0 && counts[3] == 0)
        #expect(abs(Double(counts[0]) / 20000 - 2.0 / 3) < 0.02)
    }

    @Test func binnedNucleusMatchesTheSortedOne() {
        // A wide vocabulary with a long tail: the kept set must be the sorted prefix's.
        let wide = (0..<5000).map { Float(sin(Double($0) * 12.9898) * 8) }
        for topP: Float in [0.1, 0.5, 0.9, 0.95, 0.99] {
            let sorted = wide.withUnsafeBufferPointer { LogitProcessors.candidates($0, temperature: 0.8, topK: 0, topP: topP) }
            let allowed = Set(sorted.map(\.token))
            var random = SplitMix64(seed: 3)
            var seen = Set<Int>()
            for _ in 0..<400 {
                seen.insert(wide.withUnsafeBufferPointer { LogitProcessors.sampleNucleus($0, temperature: 0.8, topP: topP, random: &random) })
            }
            #expect(seen.isSubset(of: allowed), "top-p \(topP): drew tokens outside the nucleus")
        }
    }
}

@Suite struct GeneratorTests {
    @Test(arguments: ["gpt2-tiny", "qwen2-tiny"])
    func greedyEqualsTheModelsArgmaxChain(_ name: String) throws {
        let generator = try generator(name)
        var parameters = SamplingParameters()
        parameters.temperature = 0
        parameters.maxTokens = 10
        let completion = try generator.complete(prompt: "def add(a, b):\n", n: 1, parameters: parameters)[0]
        // The same chain by hand, recomputing the whole sequence each time (no cache reuse).
        var tokens = generator.tokenizer.encode("def add(a, b):\n")
        var expected: [Int] = []
        for _ in 0..<10 {
            let logits = try generator.model.forward(tokens, cache: generator.model.makeCache())
            let next = argmax(logits[((tokens.count - 1) * generator.model.config.vocabularySize)...])
            expected.append(next)
            tokens.append(next)
        }
        #expect(completion.tokens == expected)
        #expect(completion.finishReason == .length)
    }

    @Test func seedsReproduceEachSampleAloneOrInABatch() throws {
        let generator = try generator("gpt2-tiny")
        var parameters = SamplingParameters()
        parameters.temperature = 1.0
        parameters.maxTokens = 12
        parameters.seed = 42
        let batch = try generator.complete(prompt: "import os\n", n: 4, parameters: parameters)
        generator.batchSize = 1
        let oneByOne = try generator.complete(prompt: "import os\n", n: 4, parameters: parameters)
        #expect(batch.map(\.tokens) == oneByOne.map(\.tokens))
        #expect(Set(batch.map(\.tokens)).count > 1, "samples of one prompt should differ")
        for completion in batch {
            #expect(completion.logprobs.count == completion.tokens.count)
            #expect(completion.logprobs.allSatisfy { $0 <= 0 })
            #expect(abs(completion.meanLogprob - completion.sumLogprob / Double(completion.tokens.count)) < 1e-9)
        }
        parameters.seed = 43
        #expect(try generator.complete(prompt: "import os\n", n: 4, parameters: parameters).map(\.tokens) != batch.map(\.tokens))
    }

    @Test func stopSequencesCutTheCompletion() throws {
        let generator = try generator("qwen2-tiny")
        var parameters = SamplingParameters()
        parameters.temperature = 0
        parameters.maxTokens = 20
        let full = try generator.complete(prompt: "x = ", n: 1, parameters: parameters)[0]
        // A stop sequence made of a later token's text (a random model writes bytes, not words).
        let pieces = try full.tokens.map { try generator.tokenizer.decodeBytes([$0]) }
        let k = try #require((1..<pieces.count).first { i in !pieces[i].isEmpty && pieces[i].allSatisfy { $0 >= 0x20 && $0 < 0x7F } })
        let stop = pieces[k]
        let bytes = pieces.flatMap { $0 }
        let cutAt = (0...(bytes.count - stop.count)).first { bytes[$0..<($0 + stop.count)].elementsEqual(stop) }!
        parameters.stop = [String(decoding: stop, as: UTF8.self)]
        let cut = try generator.complete(prompt: "x = ", n: 1, parameters: parameters)[0]
        #expect(cut.text == String(decoding: bytes[0..<cutAt], as: UTF8.self))
        #expect(cut.finishReason == .stop)
        #expect(cut.tokens == Array(full.tokens.prefix(cut.tokens.count)))
    }
}

@Suite struct BannedTokenTests {
    /// A model trained with fill-in-the-middle must not write its sentinels into a left-to-right
    /// completion: near-uniform draws (temperature 100) over starcoder2-tiny's 1,215 tokens would
    /// meet the three of them in 2,560 draws.
    @Test func leftToRightCompletionsNeverDrawFIMSentinels() throws {
        let generator = try generator("starcoder2-tiny")
        let fim = try FIMTokens.of(generator.tokenizer)
        var parameters = SamplingParameters()
        parameters.temperature = 100
        parameters.maxTokens = 40
        parameters.seed = 7
        let completions = try generator.complete(prompt: "def f(x):\n", n: 64, parameters: parameters)
        let drawn = Set(completions.flatMap(\.tokens))
        #expect(drawn.count > 300, "draws should spread over the vocabulary")
        #expect(drawn.isDisjoint(with: [fim.prefix, fim.suffix, fim.middle]))
    }
}
