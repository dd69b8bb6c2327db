import Foundation
import Locking
import Models
import Tensors

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
    /// One model per core, sharing `parameters`, each with its own gradients and activations:
    /// a micro-batch's sequences are split among them (data parallelism), and their gradients
    /// summed into the first one's before the update.
    public let replicas: [GPT2Training]
    public var model: GPT2Training { replicas[0] }
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

    /// `threads` replicas (at most one per sequence of a micro-batch, and dividing it evenly).
    public init(layout: GPT2Layout, parameters: FloatBuffer, data: any TrainingData, state: TrainingState, output: String,
                tokenizerFiles: [String], endOfText: Int?, moments: (FloatBuffer, FloatBuffer)? = nil,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        let c = state.configuration
        let count = (1...max(1, min(threads, c.batchSize))).last { c.batchSize % $0 == 0 }!
        replicas = (0..<count).map { _ in
            GPT2Training(layout: layout, parameters: parameters, batch: c.batchSize / count, length: c.contextLength)
        }
        self.data = data
        self.state = state
        self.output = output
        self.tokenizerFiles = tokenizerFiles
        self.endOfText = endOfText
        optimizer = AdamW(beta1: c.beta1, beta2: c.beta2, epsilon: 1e-8, weightDecay: c.weightDecay)
        first = moments?.0 ?? FloatBuffer(count: layout.count)
        second = moments?.1 ?? FloatBuffer(count: layout.count)
    }

    /// Forward and backward over one micro-batch on all replicas; adds `scale` × the gradient of
    /// the micro-batch's mean loss to replica 0's gradients and returns that loss.
    func forwardBackward(_ batch: (inputs: [Int32], targets: [Int32]), scale: Float) -> Double {
        let total = batch.targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
        let rows = batch.inputs.count / replicas.count
        let losses = LockedBox([Double](repeating: 0, count: replicas.count))  // per replica, from several threads
        let replicas = self.replicas
        DispatchQueue.concurrentPerform(iterations: replicas.count) { r in
            let range = (r * rows)..<((r + 1) * rows)
            let targets = Array(batch.targets[range])
            let counted = targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
            replicas[r].forward(inputs: Array(batch.inputs[range]))
            // Each replica's mean is weighted by its share of the counted tokens: the sum is the batch mean.
            let share = total > 0 ? Float(counted) / Float(total) : 0
            let result = replicas[r].backward(targets: targets, scale: scale * share)
            losses.withLock { $0[r] = result.loss * Double(share) }
        }
        let g = replicas[0].gradients.pointer, count = replicas[0].gradients.count
        for replica in replicas.dropFirst() {
            addInPlace(g, replica.gradients.pointer, count: count)
            replica.gradients.zero()
        }
        return losses.withLock { $0.reduce(0, +) }
    }

    /// Summed loss and counted tokens of one batch, forward only, on all replicas.
    func evaluate(_ batch: (inputs: [Int32], targets: [Int32])) -> (total: Double, counted: Int) {
        let rows = batch.inputs.count / replicas.count
        let totals = LockedBox([Double](repeating: 0, count: replicas.count)), counts = LockedBox([Double](repeating: 0, count: replicas.count))
        let replicas = self.replicas
        DispatchQueue.concurrentPerform(iterations: replicas.count) { r in
            let range = (r * rows)..<((r + 1) * rows)
            replicas[r].forward(inputs: Array(batch.inputs[range]))
            let (loss, counted) = replicas[r].loss(targets: Array(batch.targets[range]))
            totals.withLock { $0[r] = loss * Double(counted) }
            counts.withLock { $0[r] = Double(counted) }
        }
        return (totals.withLock { $0.reduce(0, +) }, Int(counts.withLock { $0.reduce(0, +) }))
    }

    /// Trains from the state's step to the configuration's last step (or `until`, to stop early).
    public func run(until last: Int? = nil) throws {
        let c = state.configuration
        let end = min(last ?? c.steps, c.steps)
        if replicas.count > 1 { setMatrixThreads(1) }
        var windowStart = Date(), windowTokens = 0
        while state.step < end {
            let step = state.step + 1
            model.gradients.zero()
            var loss = 0.0
            for micro in 0..<c.accumulation {
                let batch = data.trainingBatch((step - 1) * c.accumulation + micro, batch: c.batchSize, length: c.contextLength)
                loss += forwardBackward(batch, scale: 1 / Float(c.accumulation)) / Double(c.accumulation)
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
            let (sum, counted) = evaluate(batch)
            total += sum
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
