import Foundation
import ModelFiles
import Tensors

/// A GGUF file's tensors under the names of HF checkpoints — llama.cpp's convert_hf_to_gguf.py
/// read backwards — so that every architecture loads from either format. Quantized tensors are
/// widened to Float32 as they load.
public struct GGUFWeights: WeightStore {
    public let file: GGUFFile
    let architecture: String
    let heads: Int
    let keyValueHeads: Int

    public init(file: GGUFFile, config: ModelConfig) throws {
        self.file = file
        architecture = try file.string("general.architecture")
        heads = config.heads
        keyValueHeads = config.keyValueHeads
    }

    /// The GGUF name of an HF tensor name (llama.cpp's tensor_mapping for gpt2, llama, qwen2 and starcoder2).
    static func ggufName(_ name: String) -> String? {
        if name.hasPrefix("transformer.") { return gpt2Name(String(name.dropFirst("transformer.".count))) }
        let fixed = ["model.embed_tokens.weight": "token_embd.weight", "lm_head.weight": "output.weight",
                     "model.norm.weight": "output_norm.weight", "model.norm.bias": "output_norm.bias"]
        if let found = fixed[name] { return found }
        guard name.hasPrefix("model.layers.") else { return nil }
        let parts = name.dropFirst("model.layers.".count).split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let layer = Int(parts[0]) else { return nil }
        let sublayers = ["input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
                         "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
                         "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
                         "mlp.down_proj": "ffn_down", "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"]
        let rest = String(parts[1])
        guard let dot = rest.lastIndex(of: "."), let mapped = sublayers[String(rest[..<dot])] else { return nil }
        return "blk.\(layer).\(mapped)\(rest[dot...])"
    }

    static func gpt2Name(_ name: String) -> String? {
        let fixed = ["wte.weight": "token_embd.weight", "wpe.weight": "position_embd.weight",
                     "ln_f.weight": "output_norm.weight", "ln_f.bias": "output_norm.bias"]
        if let found = fixed[name] { return found }
        guard name.hasPrefix("h.") else { return nil }
        let parts = name.dropFirst(2).split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let layer = Int(parts[0]) else { return nil }
        let sublayers = ["ln_1": "attn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output", "ln_2": "ffn_norm",
                         "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"]
        let rest = String(parts[1])
        guard let dot = rest.lastIndex(of: "."), let mapped = sublayers[String(rest[..<dot])] else { return nil }
        return "blk.\(layer).\(mapped)\(rest[dot...])"
    }

    /// llama.cpp's converter stores GPT-2's Conv1D weights transposed, as Linear ones.
    public func conv1D(_ name: String, inputs: Int, outputs: Int) throws -> any WeightMatrix {
        try matrix(name, outputs: outputs, inputs: inputs)
    }

    public func has(_ name: String) -> Bool { Self.ggufName(name).map { file.tensors[$0] != nil } ?? false }

    public func tensor(_ name: String, shape: [Int]) throws -> [Float] {
        let mapped = Self.ggufName(name) ?? name
        guard let info = file.tensors[mapped] else { throw ModelError("\(file.path): no tensor \(mapped)") }
        guard info.shape == shape else {
            throw ModelError("\(file.path): tensor \(mapped) has shape \(info.shape), expected \(shape)")
        }
        var out = [Float](repeating: 0, count: info.elementCount)
        out.withUnsafeMutableBufferPointer { info.type.dequantize(file.data(info).baseAddress!, count: info.elementCount, into: $0.baseAddress!) }
        guard let permuted = permutedHeads(mapped) else { return out }
        let rows = info.dimensions.count == 1 ? info.elementCount : info.dimensions[1]
        var unpermuted = out
        out.withUnsafeBytes { from in
            unpermuted.withUnsafeMutableBytes { to in
                Self.unpermute(rows: rows, bytesPerRow: from.count / rows, heads: permuted, from: from.baseAddress!, to: to.baseAddress!)
            }
        }
        return unpermuted
    }

    /// F16, Q8_0, Q4_0, Q4_K and Q6_K matrices stay in the mapped file, used in place; F32 is packed.
    public func matrix(_ name: String, outputs: Int, inputs: Int) throws -> any WeightMatrix {
        let mapped = Self.ggufName(name) ?? name
        guard let info = file.tensors[mapped], info.shape == [outputs, inputs],
              let format = BlockMatrix.Format(rawValue: Int32(info.type.rawValue)), inputs % format.blockSize == 0 else {
            return PackedMatrix(outByIn: try tensor(name, shape: [outputs, inputs]), outputs: outputs, inputs: inputs)
        }
        let data = file.data(info)
        guard let permuted = permutedHeads(mapped) else {
            return BlockMatrix(format: format, blocks: data.baseAddress!, outputs: outputs, inputs: inputs, owner: file)
        }
        // Rows are whole blocks, so un-permuting them is moving bytes.
        let rows = RowBuffer(bytes: info.byteCount)
        Self.unpermute(rows: outputs, bytesPerRow: info.byteCount / outputs, heads: permuted, from: data.baseAddress!, to: rows.pointer)
        return BlockMatrix(format: format, blocks: UnsafeRawPointer(rows.pointer), outputs: outputs, inputs: inputs, owner: rows)
    }

    /// llama.cpp's converter interleaves the rotary halves of Llama's q and k rows (its "permute");
    /// codeloop rotates halves, as HF does, so those rows go back: the heads a tensor's rows are
    /// permuted over, or nil.
    func permutedHeads(_ mapped: String) -> Int? {
        guard architecture == "llama" else { return nil }
        if mapped.hasSuffix("attn_q.weight") || mapped.hasSuffix("attn_q.bias") { return heads }
        if mapped.hasSuffix("attn_k.weight") || mapped.hasSuffix("attn_k.bias") { return keyValueHeads }
        return nil
    }

    /// Per head of d rows: GGUF row 2i + half holds HF row half·d/2 + i.
    static func unpermute(rows: Int, bytesPerRow: Int, heads: Int, from: UnsafeRawPointer, to: UnsafeMutableRawPointer) {
        let d = rows / heads, half = d / 2
        for h in 0..<heads {
            for i in 0..<half {
                for part in 0..<2 {
                    (to + (h * d + part * half + i) * bytesPerRow).copyMemory(from: from + (h * d + 2 * i + part) * bytesPerRow,
                                                                          byteCount: bytesPerRow)
                }
            }
        }
    }
}

extension ModelConfig {
    /// The config a GGUF file's metadata gives (llama.cpp's llama-model.cpp keys).
    public static func load(gguf file: GGUFFile) throws -> ModelConfig {
        let architecture = try file.string("general.architecture")
        guard ["gpt2", "llama", "qwen2", "starcoder2"].contains(architecture) else {
            throw ModelError("\(file.path): unsupported general.architecture \"\(architecture)\" (codeloop reads gpt2, llama, qwen2 and starcoder2 from GGUF)")
        }
        func key(_ name: String) -> String { architecture + "." + name }
        if architecture == "gpt2" {
            guard let embedding = file.tensors["token_embd.weight"] else { throw ModelError("\(file.path): no tensor token_embd.weight") }
            var config = ModelConfig.gpt2(vocabularySize: embedding.dimensions[1], hiddenSize: try file.int(key("embedding_length")),
                                          layers: try file.int(key("block_count")), heads: try file.int(key("attention.head_count")),
                                          contextLength: try file.int(key("context_length")))
            config.intermediateSize = try file.int(key("feed_forward_length"))
            config.normEpsilon = Float(try file.double(key("attention.layer_norm_epsilon")))
            return config
        }
        let heads = try file.int(key("attention.head_count"))
        let hidden = try file.int(key("embedding_length"))
        guard let embedding = file.tensors["token_embd.weight"] else { throw ModelError("\(file.path): no tensor token_embd.weight") }
        var scaling = RopeScaling.none
        if let type = file.metadata[key("rope.scaling.type")]?.string, type != "none" {
            guard type == "linear" else { throw ModelError("\(file.path): unsupported \(key("rope.scaling.type")) \"\(type)\"") }
            scaling = .linear(factor: Float(try file.double(key("rope.scaling.factor"))))
        }
        if let factors = file.tensors["rope_freqs.weight"] {
            var values = [Float](repeating: 0, count: factors.elementCount)
            values.withUnsafeMutableBufferPointer { factors.type.dequantize(file.data(factors).baseAddress!, count: factors.elementCount, into: $0.baseAddress!) }
            scaling = .frequencyFactors(values)
        }
        // StarCoder2: LayerNorm with bias (its epsilon under the LayerNorm key), a GELU MLP.
        let isStarCoder2 = architecture == "starcoder2"
        return ModelConfig(
            architecture: isStarCoder2 ? .starcoder2 : .llama, vocabularySize: embedding.dimensions[1], hiddenSize: hidden,
            layers: try file.int(key("block_count")), heads: heads,
            keyValueHeads: file.metadata[key("attention.head_count_kv")]?.int ?? heads,
            intermediateSize: try file.int(key("feed_forward_length")), contextLength: try file.int(key("context_length")),
            normEpsilon: Float(try file.double(key(isStarCoder2 ? "attention.layer_norm_epsilon" : "attention.layer_norm_rms_epsilon"))),
            ropeTheta: Float(file.metadata[key("rope.freq_base")]?.double ?? 10000), ropeScaling: scaling,
            tiedEmbeddings: file.tensors["output.weight"] == nil,
            explicitHeadDimension: file.metadata[key("attention.key_length")]?.int)
    }
}

/// Bytes of reordered rows, freed with the last matrix that holds them.
final class RowBuffer: @unchecked Sendable {  // written once, by the loader, then only read
    let pointer: UnsafeMutableRawPointer

    init(bytes: Int) { pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64) }

    deinit { pointer.deallocate() }
}
