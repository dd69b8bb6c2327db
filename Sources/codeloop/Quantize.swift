import ArgumentParser
import Foundation
import ModelFiles
import Models

struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model as a GGUF file that llama.cpp (and codeloop) loads, quantized.",
        discussion: """
        MODEL is an HF directory (gpt2, llama, qwen2 with a byte-level BPE tokenizer.json), or none for the \
        bundled codeloop-small. Types: f32, f16, q8_0, q4_0, q4_k_m (Q4_K with Q6_K where llama.cpp's \
        Q4_K_M puts it). Biases and norms stay F32; rows that are not whole blocks fall back to Q8_0, then F16.
        """)

    @Argument(help: "The model directory (default: the bundled codeloop-small).")
    var model: String?

    @Option(help: "f32, f16, q8_0, q4_0 or q4_k_m.")
    var type: String

    @Option(help: "The GGUF file to write.")
    var out: String

    func run() throws {
        guard let fileType = GGUFExport.FileType(rawValue: type.lowercased()) else {
            throw ValidationError("--type \(type): choose one of \(GGUFExport.FileType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let directory = try modelDirectory(model)
        let counts = try GGUFExport.write(directory: directory, type: fileType, to: out)
        let size = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        let mix = counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        print(String(format: "%@ → %@ (%.1f MB; tensors: %@)", directory, out, Double(size) / 1e6, mix))
    }
}
