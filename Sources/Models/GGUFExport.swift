import Foundation
import ModelFiles
import Tokenizers

/// An HF model directory as a GGUF file that llama.cpp loads — the layout of llama.cpp's
/// convert_hf_to_gguf.py for each architecture that gives one (`ggufExport`; the way GGUFWeights
/// reads it), with byte-level BPE tokenizers, quantized as llama.cpp's quantizer mixes types.
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
        let definition = Architectures.definition(of: config.architecture)
        guard let layout = definition.ggufExport(modelType: modelType, config: config) else {
            throw ModelError("\(configPath): codeloop does not write model_type \"\(modelType)\" as GGUF"
                             + (config.ropeScaling != .none || config.slidingWindow != nil ? " with rope scaling or a sliding window" : ""))
        }
        var writer = GGUFWriter()
        writer.add("general.architecture", .string(layout.architecture))
        writer.add("general.name", .string((directory as NSString).lastPathComponent))
        writer.add("general.file_type", .u32(type.ftype))
        writer.add("general.quantization_version", .u32(2))
        func key(_ name: String) -> String { layout.architecture + "." + name }
        writer.add(key("context_length"), .u32(UInt32(config.contextLength)))
        writer.add(key("embedding_length"), .u32(UInt32(config.hiddenSize)))
        writer.add(key("feed_forward_length"), .u32(UInt32(config.intermediateSize)))
        writer.add(key("block_count"), .u32(UInt32(config.layers)))
        writer.add(key("attention.head_count"), .u32(UInt32(config.heads)))
        for (name, value) in layout.metadata { writer.add(key(name), value) }
        try addTokenizer(directory: directory, pre: layout.tokenizerPre, vocabulary: config.vocabularySize, to: &writer)

        let store = try SafetensorsWeights(directory: directory)
        var counts: [GGMLType: Int] = [:]
        let hasOutput = store.names.contains { $0 == "lm_head.weight" } && !config.tiedEmbeddings
        for name in store.names {
            if layout.skipped(name) { continue }
            if name == "lm_head.weight" && !hasOutput { continue }  // tied to the embedding
            guard let mapped = definition.ggufName(name) else {
                throw ModelError("\(directory): tensor \(name) has no GGUF name for architecture \(layout.architecture)")
            }
            let shape = store.shape(name)!
            var values = try store.tensor(name, shape: shape)
            var dimensions = Array(shape.reversed())
            if shape.count == 2, layout.conv1D(mapped) {
                // HF's Conv1D stores (inputs, outputs); GGUF rows are outputs, as for Linear.
                values = transpose(values, rows: shape[0], columns: shape[1])
                dimensions = [shape[0], shape[1]]
            }
            if let heads = definition.permutedHeads(ggufTensor: mapped, ggufArchitecture: layout.architecture, config: config) {
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
    static func addTokenizer(directory: String, pre: String, vocabulary: Int, to writer: inout GGUFWriter) throws {
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
        writer.add("tokenizer.ggml.pre", .string(pre))
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
