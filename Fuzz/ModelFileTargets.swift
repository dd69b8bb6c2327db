import Foundation
import ModelFiles
import Models

/// The files a user downloads from a hub: GGUF down to the tensor data (a model made from the
/// bytes, run forward on a few tokens), safetensors' header and offsets, and config.json.
enum ModelFileTargets {
    static func gguf(_ data: Data) {
        let path = Scratch.file("input.gguf", data)
        guard (try? GGUFFile(path: path)) != nil, let model = try? loadModel(directory: path) else { return }
        runForward(model)
    }

    static func safetensors(_ data: Data) {
        let path = Scratch.file("model.safetensors", data)
        guard let file = try? SafetensorsFile(path: path) else { return }
        for name in file.entries.keys.sorted() { _ = try? file.floats(name) }
    }

    /// config.json beside a safetensors file of no tensors: the config's errors, then the loader's.
    static func config(_ data: Data) {
        let directory = Scratch.directory + "/config"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: directory + "/config.json", contents: data)
        guard (try? ModelConfig.load(directory: directory)) != nil else { return }
        if let model = try? loadModel(directory: directory) { runForward(model) }
    }

    /// A few tokens through the model, in a cache of a few positions (the model's own context may
    /// be anything the file says).
    static func runForward(_ model: any LanguageModel) {
        let config = model.config
        let cache = KVCache(config: config, capacity: 4)
        let tokens = (0..<min(3, config.vocabularySize)).map { $0 }
        _ = try? model.forward(tokens, cache: cache, logits: .last)
    }
}
