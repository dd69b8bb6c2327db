import Foundation
import Models

/// What a checkpoint records besides the weights: enough to resume the run exactly.
public struct TrainingState: Codable, Sendable {
    public var step = 0
    public var configuration: TrainingConfiguration
    /// Where the data came from, for the command that resumes (e.g. ["corpus": DIR]).
    public var data: [String: String]
    public var tokensSeen = 0
    public var seconds = 0.0
    public var trainLoss: Double?
    public var validationLosses: [Step] = []

    public struct Step: Codable, Sendable {
        public let step: Int
        public let loss: Double
    }

    public init(configuration: TrainingConfiguration, data: [String: String]) {
        self.configuration = configuration
        self.data = data
    }

    public static let fileName = "training_state.json"
}

/// The training loop: gradient accumulation, clipping, AdamW on a warmup + cosine schedule,
/// validation loss at intervals, and checkpoints that a crash cannot corrupt.
///
/// Checkpoints are directories `OUT/step-NNNNNN` in HF layout (config.json, model.safetensors,
/// tokenizer files) plus the optimizer's moments and training_state.json. Each is written under a
/// temporary name and renamed into place, and then `OUT/latest` is re-pointed at it with an atomic
/// symlink swap, so `latest` always names a complete checkpoint.
public final class TrainingRun {
    public let model: GPT2Training
    public let data: any TrainingData
    public var state: TrainingState
    public let output: String
    /// Files copied into every checkpoint (tokenizer.json and friends).
    public let tokenizerFiles: [String]
    public let endOfText: Int?
    let optimizer: AdamW
    let first: FloatBuffer
    let second: FloatBuffer
    /// Progress lines (stderr in the CLI).
    public var log: (String) -> Void = { _ in }

    public init(model: GPT2Training, data: any TrainingData, state: TrainingState, output: String, tokenizerFiles: [String],
                endOfText: Int?, moments: (FloatBuffer, FloatBuffer)? = nil) {
        self.model = model
        self.data = data
        self.state = state
        self.output = output
        self.tokenizerFiles = tokenizerFiles
        self.endOfText = endOfText
        let c = state.configuration
        optimizer = AdamW(beta1: c.beta1, beta2: c.beta2, epsilon: 1e-8, weightDecay: c.weightDecay)
        first = moments?.0 ?? FloatBuffer(count: model.layout.count)
        second = moments?.1 ?? FloatBuffer(count: model.layout.count)
    }

    /// Trains from the state's step to the configuration's last step (or `until`, to stop early).
    public func run(until last: Int? = nil) throws {
        let c = state.configuration
        let end = min(last ?? c.steps, c.steps)
        var windowStart = Date(), windowTokens = 0
        while state.step < end {
            let step = state.step + 1
            model.gradients.zero()
            var loss = 0.0
            for micro in 0..<c.accumulation {
                let batch = data.trainingBatch((step - 1) * c.accumulation + micro, batch: c.batchSize, length: c.contextLength)
                model.forward(inputs: batch.inputs)
                loss += model.backward(targets: batch.targets, scale: 1 / Float(c.accumulation)).loss / Double(c.accumulation)
            }
            guard loss.isFinite else {
                throw TrainingError("step \(step): the loss is \(loss); lower learning_rate (the last good checkpoint is untouched)")
            }
            let norm = clipGradientNorm(model.gradients, maximum: c.gradientClip)
            let rate = c.schedule.rate(at: step)
            optimizer.update(model.parameters, gradients: model.gradients, first: first, second: second,
                             layout: model.layout, step: step, rate: rate)
            state.step = step
            state.tokensSeen += c.tokensPerStep
            state.trainLoss = loss
            windowTokens += c.tokensPerStep
            let elapsed = Date().timeIntervalSince(windowStart)
            if step == 1 || step % 10 == 0 || step == end {
                state.seconds += elapsed
                let speed = Double(windowTokens) / max(elapsed, 1e-9)
                let eta = Double((c.steps - step) * c.tokensPerStep) / speed
                log(String(format: "step %d/%d  loss %.4f  lr %.2e  grad norm %.3f  %.0f tokens/s  ETA %@",
                           step, c.steps, loss, rate, norm, speed, Self.duration(eta)))
                windowStart = Date()
                windowTokens = 0
            }
            if step % c.evaluateEvery == 0 || step == c.steps {
                if let validation = validationLoss() {
                    state.validationLosses.append(.init(step: step, loss: validation))
                    log(String(format: "step %d  validation loss %.4f", step, validation))
                }
            }
            if step % c.checkpointEvery == 0 || step == end {
                try saveCheckpoint()
                windowStart = Date()
            }
        }
    }

    /// Mean loss over the configuration's validation batches (nil without validation data).
    public func validationLoss() -> Double? {
        let c = state.configuration
        var total = 0.0, count = 0
        for index in 0..<c.evaluationBatches {
            guard let batch = data.validationBatch(index, batch: c.batchSize, length: c.contextLength) else { break }
            model.forward(inputs: batch.inputs)
            let (loss, counted) = model.loss(targets: batch.targets)
            total += loss * Double(counted)
            count += counted
        }
        return count > 0 ? total / Double(count) : nil
    }

    /// Writes OUT/step-NNNNNN and points OUT/latest at it; keeps the two newest checkpoints.
    public func saveCheckpoint() throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: output, withIntermediateDirectories: true)
        let name = String(format: "step-%06d", state.step)
        let final = output + "/" + name, partial = output + "/." + name + ".partial"
        try? fileManager.removeItem(atPath: partial)
        try fileManager.createDirectory(atPath: partial, withIntermediateDirectories: false)
        try GPT2Checkpoint.save(layout: model.layout, parameters: model.parameters, to: partial, endOfText: endOfText)
        try writeSafetensors([("adam.m", [first.count], first.array()), ("adam.v", [second.count], second.array())],
                             to: partial + "/optimizer.safetensors")
        for file in tokenizerFiles {
            try fileManager.copyItem(atPath: file, toPath: partial + "/" + (file as NSString).lastPathComponent)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(try encoder.encode(state), to: partial + "/" + TrainingState.fileName)
        try? fileManager.removeItem(atPath: final)
        guard rename(partial, final) == 0 else { throw TrainingError("\(final): cannot be written") }
        let link = output + "/latest", temporaryLink = output + "/.latest.tmp"
        unlink(temporaryLink)
        guard symlink(name, temporaryLink) == 0, rename(temporaryLink, link) == 0 else {
            throw TrainingError("\(link): cannot be updated")
        }
        let older = (try fileManager.contentsOfDirectory(atPath: output)).filter { $0.hasPrefix("step-") }.sorted().dropLast(2)
        for directory in older { try? fileManager.removeItem(atPath: output + "/" + directory) }
        log("checkpoint \(final)")
    }

    /// A checkpoint's weights, optimizer moments and state, checked against the model's layout.
    public static func loadCheckpoint(_ directory: String) throws -> (layout: GPT2Layout, parameters: FloatBuffer,
                                                                        moments: (FloatBuffer, FloatBuffer), state: TrainingState) {
        let statePath = directory + "/" + TrainingState.fileName
        guard let data = FileManager.default.contents(atPath: statePath) else {
            throw TrainingError("\(statePath): cannot be read (is \(directory) a checkpoint written by `codeloop train`?)")
        }
        let state: TrainingState
        do { state = try JSONDecoder().decode(TrainingState.self, from: data) } catch {
            throw TrainingError("\(statePath): malformed training state")
        }
        let config = try ModelConfig.load(directory: directory)
        guard config.architecture == .gpt2 else { throw TrainingError("\(directory): codeloop trains GPT-2 models, this is \(config.architecture)") }
        let layout = GPT2Layout(config: config)
        let parameters = try GPT2Checkpoint.loadParameters(layout: layout, directory: directory)
        let optimizer = try SafetensorsFile(path: directory + "/optimizer.safetensors")
        let m = try optimizer.floats("adam.m"), v = try optimizer.floats("adam.v")
        guard m.count == layout.count, v.count == layout.count else {
            throw TrainingError("\(directory)/optimizer.safetensors: moments for \(m.count) parameters, the model has \(layout.count)")
        }
        return (layout, parameters, (FloatBuffer(m), FloatBuffer(v)), state)
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds)
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
