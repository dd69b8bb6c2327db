import Foundation
import ModelFiles
import Tensors

/// A GGUF file's tensors under the names of HF checkpoints — llama.cpp's convert_hf_to_gguf.py
/// read backwards — so that every architecture loads from either format. Quantized tensors are
/// widened to Float32 as they load.
public struct GGUFWeights: WeightStore {
    public let file: GGUFFile
    let config: ModelConfig
    /// Its general.architecture (llama.cpp's name).
    let ggufArchitecture: String
    let definition: any ArchitectureDefinition.Type

    public init(file: GGUFFile, config: ModelConfig) throws {
        self.file = file
        self.config = config
        ggufArchitecture = try file.string("general.architecture")
        definition = Architectures.definition(of: config.architecture)
    }

    func ggufName(_ name: String) -> String? { definition.ggufName(name) }

    /// llama.cpp's converter stores GPT-2's Conv1D weights transposed, as Linear ones.
    public func conv1D(_ name: String, inputs: Int, outputs: Int) throws -> any WeightMatrix {
        try matrix(name, outputs: outputs, inputs: inputs)
    }

    public func has(_ name: String) -> Bool { ggufName(name).map { file.tensors[$0] != nil } ?? false }

    public func tensor(_ name: String, shape: [Int]) throws -> [Float] {
        let mapped = ggufName(name) ?? name
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
        let mapped = ggufName(name) ?? name
        guard let info = file.tensors[mapped], info.shape == [outputs, inputs],
              BlockMatrix.holds(info.type, inputs: inputs) else {
            return PackedMatrix(outByIn: try tensor(name, shape: [outputs, inputs]), outputs: outputs, inputs: inputs)
        }
        let data = file.data(info)
        guard let permuted = permutedHeads(mapped) else {
            return BlockMatrix(format: info.type, blocks: data.baseAddress!, outputs: outputs, inputs: inputs, owner: file)
        }
        // Rows are whole blocks, so un-permuting them is moving bytes.
        let rows = RowBuffer(bytes: info.byteCount)
        Self.unpermute(rows: outputs, bytesPerRow: info.byteCount / outputs, heads: permuted, from: data.baseAddress!, to: rows.pointer)
        return BlockMatrix(format: info.type, blocks: UnsafeRawPointer(rows.pointer), outputs: outputs, inputs: inputs, owner: rows)
    }

    /// Llama's rows that llama.cpp's converter interleaved (its "permute"): codeloop rotates halves,
    /// as HF does, so those rows go back.
    func permutedHeads(_ mapped: String) -> Int? {
        definition.permutedHeads(ggufTensor: mapped, ggufArchitecture: ggufArchitecture, config: config)
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

/// Bytes of reordered rows, freed with the last matrix that holds them.
final class RowBuffer: @unchecked Sendable {  // written once, by the loader, then only read
    let pointer: UnsafeMutableRawPointer

    init(bytes: Int) { pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64) }

    deinit { pointer.deallocate() }
}
