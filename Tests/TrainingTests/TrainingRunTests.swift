import Foundation
import Seeding
import Testing
import Models
import Tensors
@testable import Training
import TestScratch

func scratchDirectory() -> String {
    Scratch.directory("train")
}

/// A token stream with structure to learn: a repeating ramp with noise.
func syntheticData(vocabulary: Int, seed: UInt64) -> TokenStreamData {
    var random = SplitMix64(seed: 99)
    let tokens = (0..<4000).map { i in Int32((i % 17 + (random.next() % 4 == 0 ? Int(random.next() % 5) : 0)) % vocabulary) }
    return TokenStreamData(train: Array(tokens[0..<3500]), validation: Array(tokens[3500...]), seed: seed)
}

func tinyRun(output: String, steps: Int) throws -> TrainingRun {
    var configuration = TrainingConfiguration.presets["tiny"]!
    configuration.steps = steps
    configuration.batchSize = 2
    configuration.accumulation = 2
    configuration.contextLength = 16
    configuration.checkpointEvery = 3
    configuration.evaluateEvery = 3
    let layout = GPT2Layout(config: .gpt2(vocabularySize: 96, hiddenSize: 32, layers: 2, heads: 4, contextLength: 16))
    return TrainingRun(layout: layout, parameters: GPT2Checkpoint.initialParameters(layout: layout, seed: 5), data: syntheticData(vocabulary: 96, seed: configuration.seed),
                       state: TrainingState(configuration: configuration, data: [:]), output: output, tokenizerFiles: [], endOfText: nil)
}

@Suite struct TrainingRunTests {
    @Test func aResumedRunEndsWhereTheUninterruptedOneDoes() throws {
        let whole = scratchDirectory(), split = scratchDirectory()
        let uninterrupted = try tinyRun(output: whole, steps: 10)
        try uninterrupted.run()
        #expect(uninterrupted.state.validationLosses.count >= 3)
        #expect(uninterrupted.state.validationLosses.last!.loss < uninterrupted.state.validationLosses.first!.loss)

        let interrupted = try tinyRun(output: split, steps: 10)
        try interrupted.run(until: 4)  // checkpoints at 3 and 4
        let checkpoint = try TrainingRun.loadCheckpoint(split + "/latest")
        #expect(checkpoint.state.step == 4)
        let resumed = TrainingRun(layout: checkpoint.layout, parameters: checkpoint.parameters, data: syntheticData(vocabulary: 96, seed: checkpoint.state.configuration.seed),
                                  state: checkpoint.state, output: split, tokenizerFiles: [], endOfText: nil, moments: checkpoint.moments)
        try resumed.run()
        #expect(resumed.model.parameters.array() == uninterrupted.model.parameters.array())
        #expect(resumed.state.trainLoss == uninterrupted.state.trainLoss)
        // Only the two newest checkpoints are kept, and latest names the last.
        let kept = try FileManager.default.contentsOfDirectory(atPath: split).filter { $0.hasPrefix("step-") }.sorted()
        #expect(kept == ["step-000009", "step-000010"])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: split + "/latest") == "step-000010")
    }

    @Test func replicasOnSeveralCoresComputeTheGradientOfOne() throws {
        let reference = try TrainingReference.load()
        let layout = GPT2Layout(config: try ModelConfig.load(directory: fixture("gpt2-train")))
        let parameters = try GPT2Checkpoint.loadParameters(layout: layout, directory: fixture("gpt2-train"))
        var configuration = TrainingConfiguration()
        configuration.batchSize = reference.batch
        configuration.contextLength = reference.length
        let state = TrainingState(configuration: configuration, data: [:])
        var gradients: [[Float]] = [], losses: [Double] = []
        for threads in [1, 2] {
            let run = TrainingRun(layout: layout, parameters: parameters, data: syntheticData(vocabulary: 96, seed: 1), state: state,
                                  output: "", tokenizerFiles: [], endOfText: nil, threads: threads)
            #expect(run.replicas.count == threads)
            losses.append(run.forwardBackward((reference.inputs, reference.targets), scale: 1))
            gradients.append(run.model.gradients.array())
        }
        // The batch's two sequences count different numbers of targets (masking): the split must weigh them.
        #expect(abs(losses[0] - reference.loss) < 1e-5 && abs(losses[1] - reference.loss) < 1e-5)
        #expect(relativeError(gradients[1], gradients[0]) < 1e-5)
    }

    @Test func aLeftoverPartialCheckpointDoesNotDisturbLatest() throws {
        let output = scratchDirectory()
        let run = try tinyRun(output: output, steps: 3)
        try run.run()
        // A crash mid-write leaves a .partial directory; latest still names a whole checkpoint.
        try FileManager.default.createDirectory(atPath: output + "/.step-000004.partial", withIntermediateDirectories: false)
        FileManager.default.createFile(atPath: output + "/.step-000004.partial/model.safetensors", contents: Data([1, 2, 3]))
        let checkpoint = try TrainingRun.loadCheckpoint(output + "/latest")
        #expect(checkpoint.state.step == 3)
        #expect(checkpoint.parameters.array() == run.model.parameters.array())
    }

    @Test func maskedExamplesTrainOnTheCompletionOnly() {
        let data = MaskedExampleData(train: [.init(prompt: [10, 11, 12], completion: [20, 21])], validation: [],
                                     padding: 0, seed: 1)
        let (inputs, targets) = data.trainingBatch(0, batch: 1, length: 6)
        // Sequence 10 11 12 20 21: positions 0, 1 predict prompt tokens (masked); 2 predicts 20, 3 predicts 21.
        #expect(inputs == [10, 11, 12, 20, 0, 0])
        #expect(targets == [-1, -1, 20, 21, -1, -1])
    }

    @Test func packedExamplesShareASequenceEachMaskedToItsCompletion() {
        // Example k: prompt [100 + k, 100 + k], completion [200 + k, 0] (0 ends it, as <|endoftext|> does).
        let examples = (Int32(0)..<40).map { k -> MaskedExampleData.Example in .init(prompt: [100 + k, 100 + k], completion: [200 + k, 0]) }
        let data = MaskedExampleData(train: examples, validation: examples, padding: 0, seed: 3, packedTo: 11)
        // 4 tokens each, 12 = 11 + 1 per sequence: three to a sequence, every example in exactly one.
        #expect(data.sequenceCount == 14)
        #expect(data.rows.flatMap { $0 }.sorted() == Array(0..<40))
        #expect(data.rows.allSatisfy { $0.count <= 3 })
        var seen = 0
        for index in 0..<20 {
            let (inputs, targets) = data.trainingBatch(index, batch: 2, length: 11)
            #expect(inputs.count == 22 && targets.count == 22)
            for i in targets.indices where targets[i] != -1 {
                // Only a completion token is a target: 200 + k after the prompt's second token, 0 after 200 + k.
                let input = inputs[i], target = targets[i]
                let expected: Int32 = input >= 200 ? 0 : input + 100
                #expect(input >= 100 && target == expected, "batch \(index), position \(i): \(input) → \(target)")
                seen += 1
            }
        }
        #expect(seen > 20 * 2 * 2 * 2)  // more than two examples' targets per sequence on average
        // Validation stays one example per sequence.
        let (inputs, targets) = data.validationBatch(0, batch: 1, length: 11)!
        #expect(inputs == [100, 100, 200, 0, 0, 0, 0, 0, 0, 0, 0] && targets == [-1, 200, 0, -1, -1, -1, -1, -1, -1, -1, -1])
    }

    @Test func scheduleWarmsUpThenFollowsTheCosine() {
        let schedule = LearningRateSchedule(peak: 1.0, minimum: 0.1, warmup: 10, total: 110)
        #expect(schedule.rate(at: 1) == 0.1)
        #expect(schedule.rate(at: 10) == 1.0)
        #expect(abs(schedule.rate(at: 60) - 0.55) < 1e-6)  // halfway down: min + (peak - min) / 2
        #expect(abs(schedule.rate(at: 110) - 0.1) < 1e-6)
        #expect(schedule.rate(at: 500) == 0.1)
    }

    @Test func configFilesNameTheirBadField() throws {
        let directory = scratchDirectory()
        func load(_ text: String) -> String {
            let path = directory + "/config.json"
            try! text.write(toFile: path, atomically: true, encoding: .utf8)
            do {
                _ = try TrainingConfiguration.load(path)
                return "ok"
            } catch {
                return "\(error)".replacingOccurrences(of: path, with: "FILE")
            }
        }
        #expect(load("{\"preset\": \"tiny\", \"steps\": 7}") == "ok")
        #expect(try TrainingConfiguration.load(directory + "/config.json").steps == 7)
        #expect(load("{\"stepz\": 7}").hasPrefix("FILE: unknown field \"stepz\""))
        #expect(load("{\"steps\": \"many\"}") == "FILE: field \"steps\" has the wrong type")
        #expect(load("{\"hidden_size\": 30, \"heads\": 4}") == "FILE: field \"hidden_size\" (30) must be a multiple of heads (4)")
        #expect(load("{\"preset\": \"huge\"}").hasPrefix("FILE: field \"preset\": unknown preset huge"))
        #expect(load("[1]") == "FILE: not a JSON object")
        #expect(throws: TrainingError.self) { try TrainingConfiguration.load("no-such-preset") }
    }
}
