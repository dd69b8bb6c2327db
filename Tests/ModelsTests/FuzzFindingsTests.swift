import Foundation
import ModelFiles
@testable import Models
import TestScratch
import Testing

/// Inputs the fuzz targets (Fuzz/, scripts/fuzz.sh) found crashing codeloop, each kept as the
/// reproducer libFuzzer wrote and now a one-line error naming the file and what is wrong.
@Suite struct FuzzFindingsTests {
    static func reproducer(_ name: String) -> String { fixtureDirectory("fuzz") + "/" + name }

    /// A token embedding of one dimension: the vocabulary was read from a second that is not there.
    @Test func oneDimensionalEmbedding() throws {
        let path = Self.reproducer("gguf-embedding-1d.gguf")
        #expect(throws: ModelError("\(path): tensor token_embd.weight has 1 dimensions, not 2")) { try loadModel(directory: path) }
    }

    /// No attention heads: the head size was the width divided by zero.
    @Test func zeroHeads() throws {
        let directory = Self.reproducer("config-heads-0")
        #expect(throws: ModelError("\(directory)/config.json: field \"num_attention_heads\" is 0, not a size codeloop can run (1 to 16777216)")) {
            try ModelConfig.load(directory: directory)
        }
    }

    /// A header length of Int.max: 8 + length overflowed.
    @Test func safetensorsHeaderLengthPastTheFile() throws {
        let path = Self.reproducer("safetensors-header-length-max.safetensors")
        #expect(throws: ModelError("\(path): corrupt safetensors header length 9223372036854775807")) { try SafetensorsFile(path: path) }
    }

    /// A negative dimension whose offsets agree with it (a negative byte count) was copied with memcpy.
    @Test func safetensorsNegativeShape() throws {
        let header = Data(#"{"a":{"dtype":"F32","shape":[-1,4],"data_offsets":[16,0]}}"#.utf8)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Data($0) }
        bytes += header + Data(count: 16)
        let path = Scratch.directory("fuzz") + "/negative.safetensors"
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(throws: ModelError("\(path): tensor a (F32 [-1, 4]) does not fit the file's data (truncated?)")) { try SafetensorsFile(path: path) }
    }
}
