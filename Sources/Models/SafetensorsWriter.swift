import Foundation

/// Writes tensors in the safetensors format (huggingface/safetensors: 8-byte little-endian
/// header length, JSON header, raw data) as F32, or F16 to halve a shipped model's size: the
/// format transformers and codeloop's reader load. The file appears whole or not at all: it is
/// written beside its target, then renamed.
public func writeSafetensors(_ tensors: [(name: String, shape: [Int], values: [Float])], to path: String,
                             halfPrecision: Bool = false, metadata: [String: String] = ["format": "pt"]) throws {
    var header: [String: Any] = ["__metadata__": metadata]
    var offset = 0
    let width = halfPrecision ? 2 : 4
    for tensor in tensors {
        precondition(tensor.shape.reduce(1, *) == tensor.values.count, "\(tensor.name): shape does not match its values")
        let bytes = tensor.values.count * width
        header[tensor.name] = ["dtype": halfPrecision ? "F16" : "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]]
        offset += bytes
    }
    var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    // Pad the header with spaces so the data that follows is 8-byte aligned, as the reference writer does.
    while (json.count % 8) != 0 { json.append(0x20) }
    var file = Data(capacity: 8 + json.count + offset)
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
    file.append(json)
    for tensor in tensors {
        if halfPrecision {
            tensor.values.map { Float16($0).bitPattern.littleEndian }.withUnsafeBytes { file.append(contentsOf: $0) }
        } else {
            tensor.values.withUnsafeBytes { file.append(contentsOf: $0) }
        }
    }
    try writeAtomically(file, to: path)
}

