import Archives
import Corpus
import Foundation
import Testing

/// Archives the wheel fuzz target (Fuzz/ArchiveTargets.swift) found, kept as libFuzzer wrote them.
@Suite struct ArchiveFuzzFindingsTests {
    /// A member claiming 1.19 GB from 27 compressed bytes: its buffer was allocated before inflating.
    @Test func memberSizePastWhatDeflateCanHold() throws {
        let path = fixture("fuzz/wheel-size-past-deflate.whl")
        #expect(throws: ArchiveError(path, "pkg/__init__.py: claims 1191182363 bytes from 27 compressed, more than deflate can hold")) {
            try PythonSources.forEach(in: [path]) { _ in }
        }
    }
}
