import Foundation
import ModelFiles
import Tokenizers

/// An HF model directory as a GGUF file that llama.cpp loads — the layout of llama.cpp's
/// convert_hf_to_gguf.py for the gpt2, qwen2 and llama architectures (the way GGUFWeights reads
/// it), with byte-level BPE tokenizers, quantized as llama.cpp's quantizer mixes types.
public enum GGUFExport {
    /// What `codeloop quantize --type` offers: llama.cpp's file types of the same names.
    public enum FileType: String, CaseIterable, Sendable {
        case f32, f16, q8_0, q4_0, q4_k_m

        /// general.file_type (llama.cpp's llama_ftype).
        var ftype: UInt32 {
            switch self {
            case .f32: return 0
            case .f16: return 1
            case .q4_0: return 2
            case .q8_0: return 7
            case .q4_k_m: return 15
            }
        }
    }

    /// Writes `directory`'s model to `path`; returns how many tensors went in at each type.
    @discardableResult
    public static func write(directory: String, type: FileType, to path: String) throws -> [GGMLType: Int] {
        let config = try ModelConfig.load(directory: directory)
        let configPath = directory + "/config.json"
        let modelType = ((try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath)))) as? [String: Any])?["model_type"]
            as? String ?? "?"
        let architecture: String
        switch (config.architecture, modelType) {
        case (.gpt2, "gpt2"): architecture = "gpt2"
        case (.llama, "qwen2"): architecture = "qwen2"
        case (.llama, "llama"), (.llama, "mistral"): architecture = "llama"
        default: throw ModelError("\(configPath): model_type \"\(modelType)\" cannot be written as GGUF (codeloop writes gpt2, llama and qwen2)")
        }
        guard config.ropeScaling == .none, config.slidingWindow == nil else {
            throw ModelError("\(configPath): rope scaling and sliding windows are not written to GGUF by codeloop")
        }
        var writer = GGUFWriter()
        writer.add("general.architecture", .string(architecture))
        writer.add("general.name", .string((directory as NSString).lastPathComponent))
        writer.add("general.file_type", .u32(type.ftype))
        writer.add("general.quantization_version", .u32(2))
        func key(_ name: String) -> String { architecture + "." + name }
        writer.add(key("context_length"), .u32(UInt32(config.contextLength)))
        writer.add(key("embedding_length"), .u32(UInt32(config.hiddenSize)))
        writer.add(key("feed_forward_length"), .u32(UInt32(config.intermediateSize)))
        writer.add(key("block_count"), .u32(UInt32(config.layers)))
        writer.add(key("attention.head_count"), .u32(UInt32(config.heads)))
        if architecture == "gpt2" {
            writer.add(key("attention.layer_norm_epsilon"), .f32(config.normEpsilon))
        } else {
            writer.add(key("attention.head_count_kv"), .u32(UInt32(config.keyValueHeads)))
            writer.add(key("attention.layer_norm_rms_epsilon"), .f32(config.normEpsilon))
            writer.add(key("rope.freq_base"), .f32(config.ropeTheta))
            if let headDimension = config.explicitHeadDimension {
                writer.add(key("attention.key_length"), .u32(UInt32(headDimension)))
                writer.add(key("attention.value_length"), .u32(UInt32(headDimension)))
            }
        }
        try addTokenizer(directory: directory, architecture: architecture, vocabulary: config.vocabularySize, to: &writer)

        let store = try SafetensorsWeights(directory: directory)
        var counts: [GGMLType: Int] = [:]
        let hasOutput = store.names.contains { $0 == "lm_head.weight" } && !(architecture == "gpt2" || config.tiedEmbeddings)
        for name in store.names {
            if name.hasSuffix(".attn.bias") && architecture == "gpt2" || name.hasSuffix(".attn.masked_bias") { continue }  // GPT-2's mask buffers
            if name == "lm_head.weight" && !hasOutput { continue }  // tied to the embedding
            guard let mapped = GGUFWeights.ggufName(name) ?? GGUFWeights.ggufName("transformer." + name) else {
                throw ModelError("\(directory): tensor \(name) has no GGUF name for architecture \(architecture)")
            }
            let shape = store.shape(name)!
            var values = try store.tensor(name, shape: shape)
            var dimensions = Array(shape.reversed())
            if architecture == "gpt2", shape.count == 2, isConv1D(mapped) {
                // HF's Conv1D stores (inputs, outputs); GGUF rows are outputs, as for Linear.
                values = transpose(values, rows: shape[0], columns: shape[1])
                dimensions = [shape[0], shape[1]]
            }
            if architecture == "llama", let heads = permutedHeads(mapped, config: config) {
                values = permute(values, rows: shape[0], heads: heads)
            }
            let chosen = tensorType(mapped, dimensions: dimensions, fileType: type, layers: config.layers,
                                    isOutput: mapped == "output.weight" || (!hasOutput && mapped == "token_embd.weight"))
            writer.tensors.append(.init(name: mapped, dimensions: dimensions, type: chosen, bytes: chosen.quantize(values)))
            counts[chosen, default: 0] += 1
        }
        try writer.encoded().write(to: URL(fileURLWithPath: path), options: .atomic)
        return counts
    }

    static func isConv1D(_ mapped: String) -> Bool {
        ["attn_qkv.weight", "attn_output.weight", "ffn_up.weight", "ffn_down.weight"].contains { mapped.hasSuffix($0) }
    }

    /// llama.cpp's per-tensor choice (llama-quant.cpp, simplified): 1-D tensors stay F32; the
    /// output projection gets Q6_K (Q4_0, Q4_K_M) or Q8_0 when its rows are not whole blocks;
    /// Q4_K_M gives Q6_K to the value and down projections of the first and last eighth of the
    /// layers and every third between, as llama.cpp's use_more_bits does, Q4_K to the rest; a
    /// row that is not whole blocks falls back to Q8_0, then F16.
    static func tensorType(_ name: String, dimensions: [Int], fileType: FileType, layers: Int, isOutput: Bool) -> GGMLType {
        guard dimensions.count == 2, fileType != .f32 else { return .f32 }
        let row = dimensions[0]
        func fits(_ type: GGMLType) -> Bool { row % type.blockSize == 0 }
        func fallback(_ type: GGMLType) -> GGMLType { fits(type) ? type : fits(.q8_0) ? .q8_0 : .f16 }
        switch fileType {
        case .f32: return .f32
        case .f16: return .f16
        case .q8_0: return fallback(.q8_0)
        case .q4_0: return isOutput ? fallback(.q6_K) : fallback(.q4_0)
        case .q4_k_m:
            if isOutput { return fallback(.q6_K) }
            let layer = name.hasPrefix("blk.") ? Int(name.split(separator: ".")[1]) ?? 0 : 0
            let moreBits = layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2
            let sensitive = name.hasSuffix("attn_v.weight") || name.hasSuffix("attn_qkv.weight") || name.hasSuffix("ffn_down.weight")
            return fallback(sensitive && moreBits ? .q6_K : .q4_K)
        }
    }

    static func transpose(_ values: [Float], rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        for r in 0..<rows {
            for c in 0..<columns { out[c * rows + r] = values[r * columns + c] }
        }
        return out
    }

    static func permutedHeads(_ mapped: String, config: ModelConfig) -> Int? {
        if mapped.hasSuffix("attn_q.weight") || mapped.hasSuffix("attn_q.bias") { return config.heads }
        if mapped.hasSuffix("attn_k.weight") || mapped.hasSuffix("attn_k.bias") { return config.keyValueHeads }
        return nil
    }

    /// llama.cpp's converter's q/k permute (the inverse of GGUFWeights.unpermute): per head of d
    /// rows, GGUF row 2i + half holds HF row half·d/2 + i.
    static func permute(_ values: [Float], rows: Int, heads: Int) -> [Float] {
        let width = values.count / rows, d = rows / heads, half = d / 2
        var out = values
        for h in 0..<heads {
            for i in 0..<half {
                for part in 0..<2 {
                    let from = (h * d + part * half + i) * width, to = (h * d + 2 * i + part) * width
                    out[to..<(to + width)] = values[from..<(from + width)]
                }
            }
        }
        return out
    }

    /// tokenizer.ggml.* for a byte-level BPE tokenizer.json: tokens by id (padded to the model's
    /// vocabulary as llama.cpp's converter pads), their types, merges, the pre-tokenizer, bos/eos
    /// and the FIM tokens.
    static func addTokenizer(directory: String, architecture: String, vocabulary: Int, to writer: inout GGUFWriter) throws {
        let path = directory + "/tokenizer.json"
        guard let data = FileManager.default.contents(atPath: path),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let model = root["model"] as? [String: Any], let vocab = model["vocab"] as? [String: Int] else {
            throw ModelError("\(path): cannot be read as a tokenizer.json with model.vocab")
        }
        let tokenizer = try Tokenizer.load(tokenizerJSON: path)
        guard tokenizer.isByteLevel else {
            throw ModelError("\(path): codeloop writes byte-level BPE tokenizers to GGUF; this one is SentencePiece-style")
        }
        let added = (root["added_tokens"] as? [[String: Any]]) ?? []
        guard tokenizer.vocabularySize <= vocabulary else {
            throw ModelError("\(path): \(tokenizer.vocabularySize) tokens, more than the model's vocabulary of \(vocabulary)")
        }
        var tokens = (0..<vocabulary).map { "[PAD\($0)]" }
        var types = [Int32](repeating: 5, count: vocabulary)  // UNUSED, until a token claims the id
        for (token, id) in vocab where id < vocabulary {
            tokens[id] = token
            types[id] = 1  // NORMAL
        }
        for entry in added {
            guard let id = entry["id"] as? Int, let content = entry["content"] as? String, id < vocabulary else { continue }
            tokens[id] = content
            types[id] = (entry["special"] as? Bool ?? false) ? 3 : 4  // CONTROL or USER_DEFINED
        }
        let merges: [String] = ((model["merges"] as? [Any]) ?? []).compactMap { merge in
            if let text = merge as? String { return text }
            if let pair = merge as? [String], pair.count == 2 { return pair[0] + " " + pair[1] }
            return nil
        }
        writer.add("tokenizer.ggml.model", .string("gpt2"))
        writer.add("tokenizer.ggml.pre", .string(architecture == "qwen2" ? "qwen2" : architecture == "llama" ? "llama-bpe" : "gpt-2"))
        writer.add("tokenizer.ggml.tokens", .strings(tokens))
        writer.add("tokenizer.ggml.token_type", .i32s(types))
        writer.add("tokenizer.ggml.merges", .strings(merges))
        if let bos = tokenizer.bos ?? tokenizer.eos { writer.add("tokenizer.ggml.bos_token_id", .u32(UInt32(bos))) }
        if let eos = tokenizer.eos { writer.add("tokenizer.ggml.eos_token_id", .u32(UInt32(eos))) }
        writer.add("tokenizer.ggml.add_bos_token", .bool(!tokenizer.prefixIDs.isEmpty))
        if let fim = FIMTokens(tokenizer: tokenizer) {
            writer.add("tokenizer.ggml.fim_pre_token_id", .u32(UInt32(fim.prefix)))
            writer.add("tokenizer.ggml.fim_suf_token_id", .u32(UInt32(fim.suffix)))
            writer.add("tokenizer.ggml.fim_mid_token_id", .u32(UInt32(fim.middle)))
        }
    }
}
