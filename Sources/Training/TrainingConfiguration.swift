import Foundation

/// Everything a training run needs, as the JSON of `codeloop train --config FILE` (keys as
/// below, snake_case) or a named preset. A file may name a preset and override some of its keys.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    // The model (its vocabulary comes from the tokenizer).
    public var layers = 2
    public var heads = 2
    public var hiddenSize = 64
    public var contextLength = 64
    // Data: each step sees batchSize × accumulation sequences of contextLength tokens.
    public var batchSize = 4
    public var accumulation = 1
    // AdamW and the schedule.
    public var learningRate: Float = 1e-3
    public var minimumLearningRate: Float = 1e-4
    public var warmupSteps = 10
    public var steps = 100
    public var weightDecay: Float = 0.1
    public var beta1: Float = 0.9
    public var beta2: Float = 0.95
    public var gradientClip: Float = 1.0
    public var seed: UInt64 = 1337
    // Bookkeeping.
    public var evaluateEvery = 50
    public var evaluationBatches = 8
    public var checkpointEvery = 100
    /// Continue from these weights (the Codex recipe: start from a GPT, go on with code) rather
    /// than from GPT-2's random initialisation.
    public var initFrom: String?
    /// Fill-in-the-middle (FIMTransformation): the fraction of documents rearranged, and of those
    /// the fraction in suffix-prefix-middle order. Unset: left-to-right only.
    public var fimRate: Double?
    public var fimSPMRate: Double?
    /// Supervised examples (`--examples`): several whole examples per sequence instead of one and
    /// padding (MaskedExampleData). Unset: one per sequence.
    public var packExamples: Bool?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case layers, heads, hiddenSize = "hidden_size", contextLength = "context_length", batchSize = "batch_size"
        case accumulation, learningRate = "learning_rate", minimumLearningRate = "minimum_learning_rate"
        case warmupSteps = "warmup_steps", steps, weightDecay = "weight_decay", beta1, beta2
        case gradientClip = "gradient_clip", seed, evaluateEvery = "evaluate_every", evaluationBatches = "evaluation_batches"
        case checkpointEvery = "checkpoint_every", initFrom = "init_from", fimRate = "fim_rate", fimSPMRate = "fim_spm_rate"
        case packExamples = "pack_examples"
    }

    /// Tokens each optimizer step trains on.
    public var tokensPerStep: Int { batchSize * accumulation * contextLength }

    public var schedule: LearningRateSchedule {
        LearningRateSchedule(peak: learningRate, minimum: minimumLearningRate, warmup: warmupSteps, total: steps)
    }

    public static let presets: [String: TrainingConfiguration] = {
        var tiny = TrainingConfiguration()  // seconds on a laptop: for tests and trying the loop
        tiny.steps = 20
        tiny.evaluateEvery = 10
        tiny.evaluationBatches = 2
        tiny.checkpointEvery = 10
        tiny.warmupSteps = 4

        var small = TrainingConfiguration()  // codeloop's bundled model: ~7M parameters, a few CPU hours
        small.layers = 6
        small.heads = 8
        small.hiddenSize = 256
        small.contextLength = 256
        small.batchSize = 8
        small.accumulation = 2
        small.learningRate = 1e-3
        small.minimumLearningRate = 1e-4
        small.warmupSteps = 200
        small.steps = 6000
        small.evaluateEvery = 250
        small.evaluationBatches = 16
        small.checkpointEvery = 250

        var finetune = small  // Codex-S-style supervised fine-tuning on top of `small`
        finetune.learningRate = 2e-4
        finetune.minimumLearningRate = 2e-5
        finetune.warmupSteps = 50
        finetune.steps = 1000
        finetune.weightDecay = 0.0
        finetune.evaluateEvery = 100
        finetune.checkpointEvery = 100
        return ["tiny": tiny, "small": small, "finetune": finetune]
    }()

    /// A preset by name, or a JSON file: {"preset": "small", "steps": 100, ...}.
    public static func load(_ nameOrPath: String) throws -> TrainingConfiguration {
        if let preset = presets[nameOrPath] { return preset }
        guard let data = FileManager.default.contents(atPath: nameOrPath) else {
            throw TrainingError("\(nameOrPath): no such preset (\(presets.keys.sorted().joined(separator: ", "))) or readable config file")
        }
        guard var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TrainingError("\(nameOrPath): not a JSON object")
        }
        var base = TrainingConfiguration()
        if let name = object.removeValue(forKey: "preset") {
            guard let name = name as? String, let preset = presets[name] else {
                throw TrainingError("\(nameOrPath): field \"preset\": unknown preset \(name) (\(presets.keys.sorted().joined(separator: ", ")))")
            }
            base = preset
        }
        let known = Set([CodingKeys.layers, .heads, .hiddenSize, .contextLength, .batchSize, .accumulation, .learningRate,
                         .minimumLearningRate, .warmupSteps, .steps, .weightDecay, .beta1, .beta2, .gradientClip, .seed,
                         .evaluateEvery, .evaluationBatches, .checkpointEvery, .initFrom, .fimRate, .fimSPMRate, .packExamples].map(\.rawValue))
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw TrainingError("\(nameOrPath): unknown field \"\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
        // Overlay the file's keys on the base, then decode, so the decoder names a mistyped field.
        var merged = try JSONSerialization.jsonObject(with: JSONEncoder().encode(base)) as! [String: Any]
        merged.merge(object) { $1 }
        do {
            let configuration = try JSONDecoder().decode(TrainingConfiguration.self, from: JSONSerialization.data(withJSONObject: merged))
            try configuration.check(source: nameOrPath)
            return configuration
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw TrainingError("\(nameOrPath): field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type")
        } catch let DecodingError.dataCorrupted(context) {
            throw TrainingError("\(nameOrPath): field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\": \(context.debugDescription)")
        }
    }

    /// Values that cannot train, named by field.
    public func check(source: String) throws {
        func fail(_ field: String, _ why: String) -> TrainingError { TrainingError("\(source): field \"\(field)\" \(why)") }
        for (field, value) in [("layers", layers), ("heads", heads), ("hidden_size", hiddenSize), ("context_length", contextLength),
                               ("batch_size", batchSize), ("accumulation", accumulation), ("steps", steps),
                               ("evaluation_batches", evaluationBatches), ("evaluate_every", evaluateEvery),
                               ("checkpoint_every", checkpointEvery)] where value < 1 {
            throw fail(field, "must be at least 1")
        }
        if hiddenSize % heads != 0 { throw fail("hidden_size", "(\(hiddenSize)) must be a multiple of heads (\(heads))") }
        if !(learningRate > 0) { throw fail("learning_rate", "must be positive") }
        if warmupSteps < 0 { throw fail("warmup_steps", "must not be negative") }
        for (field, value) in [("fim_rate", fimRate), ("fim_spm_rate", fimSPMRate)] {
            if let value, !(0...1).contains(value) { throw fail(field, "must be between 0 and 1") }
        }
    }
}

/// A training error a user can act on, as one line.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
