import Foundation
import ModelFiles

/// An architecture's name, as codeloop's messages give it.
public struct Architecture: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) { self.name = name }

    public var description: String { name }
}

/// Everything codeloop knows about one architecture, kept in the architecture's own file: its
/// config keys (HF and GGUF), its tensor names in both layouts, how it is written as GGUF, and its
/// forward pass (the type itself). The loader, the GGUF reader and the exporter ask the registry
/// (`Architectures`) rather than naming architectures.
protocol ArchitectureDefinition: LanguageModel {
    static var architecture: Architecture { get }
    /// config.json's `model_type` values it runs.
    static var modelTypes: [String] { get }
    /// GGUF `general.architecture` values it runs (llama.cpp's names).
    static var ggufArchitectures: [String] { get }
    static func config(hf: ConfigReader) throws -> ModelConfig
    /// The config from a GGUF file's metadata (llama.cpp's llama-model.cpp keys).
    static func config(gguf: GGUFConfigReader) throws -> ModelConfig
    /// The GGUF name of one of its HF tensor names (llama.cpp's tensor_mapping.py), nil for none.
    static func ggufName(_ name: String) -> String?
    /// How many heads llama.cpp's converter permuted a GGUF tensor's rows over, or nil (only
    /// Llama's q and k rows are permuted).
    static func permutedHeads(ggufTensor: String, ggufArchitecture: String, config: ModelConfig) -> Int?
    /// How `codeloop quantize` writes a checkpoint of `modelType` (llama.cpp's converter's layout),
    /// or nil when it does not.
    static func ggufExport(modelType: String, config: ModelConfig) -> GGUFExportLayout?
    init(config: ModelConfig, weights: any WeightStore) throws
}

extension ArchitectureDefinition {
    static func permutedHeads(ggufTensor: String, ggufArchitecture: String, config: ModelConfig) -> Int? { nil }
    static func ggufExport(modelType: String, config: ModelConfig) -> GGUFExportLayout? { nil }
}

/// What an architecture's GGUF file holds beyond the keys every decoder has.
struct GGUFExportLayout {
    /// general.architecture.
    var architecture: String
    /// tokenizer.ggml.pre: the pre-tokenizer llama.cpp applies.
    var tokenizerPre: String
    /// Keys after the architecture's prefix, as llama.cpp's converter writes them.
    var metadata: [(String, GGUFWriter.Value)] = []
    /// HF tensors that are buffers, not weights (GPT-2's attention masks).
    var skipped: @Sendable (String) -> Bool = { _ in false }
    /// GGUF tensors stored in the checkpoint as Conv1D (inputs × outputs), written as Linear.
    var conv1D: @Sendable (String) -> Bool = { _ in false }
}

/// Every architecture codeloop runs: adding one is its file and a line here.
enum Architectures {
    static var all: [any ArchitectureDefinition.Type] { [GPT2.self, GPTBigCode.self, Llama.self, StarCoder2.self, Phi.self] }

    static func definition(of architecture: Architecture) -> any ArchitectureDefinition.Type {
        guard let found = all.first(where: { $0.architecture == architecture }) else {
            preconditionFailure("architecture \(architecture) is not in the registry")
        }
        return found
    }

    static func definition(modelType: String, path: String) throws -> any ArchitectureDefinition.Type {
        guard let found = all.first(where: { $0.modelTypes.contains(modelType) }) else {
            throw ModelError("\(path): unsupported model_type \"\(modelType)\" (codeloop runs \(listing(all.flatMap { $0.modelTypes })))")
        }
        return found
    }

    static func definition(ggufArchitecture: String, path: String) throws -> any ArchitectureDefinition.Type {
        guard let found = all.first(where: { $0.ggufArchitectures.contains(ggufArchitecture) }) else {
            throw ModelError("\(path): unsupported general.architecture \"\(ggufArchitecture)\" "
                             + "(codeloop reads \(listing(all.flatMap { $0.ggufArchitectures })) from GGUF)")
        }
        return found
    }
}

/// "a, b and c", sorted.
private func listing(_ names: [String]) -> String {
    let sorted = names.sorted()
    return sorted.count < 2 ? sorted.joined() : sorted.dropLast().joined(separator: ", ") + " and " + sorted.last!
}

/// A GGUF file's metadata under one architecture's prefix, with one-line errors naming the key.
struct GGUFConfigReader {
    let file: GGUFFile
    /// general.architecture: the prefix of its keys.
    let architecture: String

    func key(_ name: String) -> String { architecture + "." + name }
    func int(_ name: String) throws -> Int { try file.int(key(name)) }
    /// A count or width (`ModelConfig.size`).
    func size(_ name: String) throws -> Int { try ModelConfig.size(try int(name), "\(file.path): \(key(name))") }
    func optionalSize(_ name: String) throws -> Int? { file.metadata[key(name)] == nil ? nil : try size(name) }
    func number(_ name: String) throws -> Float { Float(try file.double(key(name))) }
    func number(_ name: String, default fallback: Float) -> Float { file.metadata[key(name)]?.double.map(Float.init) ?? fallback }
    func has(tensor name: String) -> Bool { file.tensors[name] != nil }

    /// The vocabulary: the token embedding's rows.
    func vocabularySize() throws -> Int {
        guard let embedding = file.tensors["token_embd.weight"] else { throw ModelError("\(file.path): no tensor token_embd.weight") }
        guard embedding.dimensions.count == 2 else {
            throw ModelError("\(file.path): tensor token_embd.weight has \(embedding.dimensions.count) dimensions, not 2")
        }
        return embedding.dimensions[1]
    }

    /// The keys every rotary decoder shares (llama.cpp's llama, qwen2, starcoder2, phi2), its norm's epsilon under `normEpsilonKey`.
    func rotaryDecoder(_ architecture: Architecture, normEpsilonKey: String) throws -> ModelConfig {
        let heads = try size("attention.head_count")
        return try ModelConfig(
            architecture: architecture, vocabularySize: try vocabularySize(), hiddenSize: try size("embedding_length"),
            layers: try size("block_count"), heads: heads, keyValueHeads: try optionalSize("attention.head_count_kv") ?? heads,
            intermediateSize: try size("feed_forward_length"), contextLength: try size("context_length"),
            normEpsilon: try number(normEpsilonKey), ropeTheta: number("rope.freq_base", default: 10000),
            ropeScaling: try ropeScaling(), tiedEmbeddings: !has(tensor: "output.weight"),
            explicitHeadDimension: try optionalSize("attention.key_length")).validated(file.path)
    }

    /// rope.scaling.* and llama.cpp's rope_freqs tensor (llama3's rescaling, precomputed).
    func ropeScaling() throws -> ModelConfig.RopeScaling {
        var scaling = ModelConfig.RopeScaling.none
        if let type = file.metadata[key("rope.scaling.type")]?.string, type != "none" {
            guard type == "linear" else { throw ModelError("\(file.path): unsupported \(key("rope.scaling.type")) \"\(type)\"") }
            scaling = .linear(factor: try number("rope.scaling.factor"))
        }
        if let factors = file.tensors["rope_freqs.weight"] {
            var values = [Float](repeating: 0, count: factors.elementCount)
            values.withUnsafeMutableBufferPointer { factors.type.dequantize(file.data(factors).baseAddress!, count: factors.elementCount, into: $0.baseAddress!) }
            scaling = .frequencyFactors(values)
        }
        return scaling
    }
}

/// The GGUF name of a tensor of the decoders named as HF's LlamaForCausalLM ("model.layers.N.…"),
/// given the architecture's sublayers and whole-model tensors (llama.cpp's tensor_mapping.py).
func ggufDecoderName(_ name: String, sublayers: [String: String], fixed: [String: String]) -> String? {
    if let found = fixed[name] { return found }
    guard name.hasPrefix("model.layers.") else { return nil }
    return ggufBlockName(name.dropFirst("model.layers.".count), sublayers: sublayers)
}

/// "N.sublayer.weight" as "blk.N.<GGUF sublayer>.weight".
func ggufBlockName(_ name: Substring, sublayers: [String: String]) -> String? {
    let parts = name.split(separator: ".", maxSplits: 1)
    guard parts.count == 2, let layer = Int(parts[0]) else { return nil }
    let rest = String(parts[1])
    guard let dot = rest.lastIndex(of: "."), let mapped = sublayers[String(rest[..<dot])] else { return nil }
    return "blk.\(layer).\(mapped)\(rest[dot...])"
}

extension ModelConfig {
    public static func load(directory: String) throws -> ModelConfig {
        let path = directory + "/config.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError("\(path): cannot be read (is \(directory) an HF model directory?)")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError("\(path): malformed JSON")
        }
        let reader = ConfigReader(json: json, path: path)
        return try Architectures.definition(modelType: reader.modelType, path: path).config(hf: reader).validated(path)
    }

    /// The config a GGUF file's metadata gives.
    public static func load(gguf file: GGUFFile) throws -> ModelConfig {
        let architecture = try file.string("general.architecture")
        let definition = try Architectures.definition(ggufArchitecture: architecture, path: file.path)
        return try definition.config(gguf: GGUFConfigReader(file: file, architecture: architecture)).validated(file.path)
    }
}

/// Loads a model from an HF-layout directory (config.json + safetensors) or a GGUF file.
public func loadModel(directory path: String) throws -> any LanguageModel {
    var config: ModelConfig
    let weights: any WeightStore
    if path.hasSuffix(".gguf") {
        let file = try GGUFFile(path: path)
        config = try ModelConfig.load(gguf: file)
        if file.tensors.values.contains(where: { $0.type.blockSize > 1 }) { config.keyValuePrecision = .float16 }
        weights = try GGUFWeights(file: file, config: config)
    } else {
        config = try ModelConfig.load(directory: path)
        weights = try SafetensorsWeights(directory: path)
    }
    return try Architectures.definition(of: config.architecture).init(config: config, weights: weights)
}
