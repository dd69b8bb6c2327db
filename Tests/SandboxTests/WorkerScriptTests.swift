import Foundation
import Testing
@testable import Sandbox

@Suite struct WorkerScriptTests {
    /// The worker empties its temporary directory after every job, so started by hand without a
    /// private /tmp or a directory of its own it must refuse before doing anything.
    @Test func refusesToStartWithoutAPrivateTemporaryDirectory() throws {
        let bait = FileManager.default.temporaryDirectory.appendingPathComponent("codeloop-worker-bait-\(getpid())")
        try Data("keep me".utf8).write(to: bait)
        defer { try? FileManager.default.removeItem(at: bait) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-I", "-c", try #require(WorkerScript.source, "worker.py is not among the Sandbox resources")]
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        let errors = Foundation.Pipe(), input = Foundation.Pipe()
        process.standardError = errors
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.closeFile()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0)
        #expect(message.contains("needs --isolated (a private /tmp) or --tmp DIR"), "\(message)")
        #expect(FileManager.default.fileExists(atPath: bait.path))
    }
}
