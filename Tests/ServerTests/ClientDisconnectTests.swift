import Foundation
@testable import Server
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 connection on a plain socket, which can leave mid-answer as an editor does.
struct RawConnection {
    let fd: Int32

    init(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        precondition(connected == 0, "connect to 127.0.0.1:\(port) failed")
    }

    func post(_ path: String, body: String) {
        let request = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
    }

    /// Some of the answer, waited for without blocking a thread of the tasks' pool (the server's
    /// handlers run there too; on 2 cores a blocked recv can starve them).
    func readSome(within seconds: Double = 30) async throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 { return String(decoding: buffer.prefix(count), as: UTF8.self) }
            if count == 0 { return "" }  // the server closed the connection
            try await Task.sleep(for: .milliseconds(5))
        }
        return ""
    }

    func close() { _ = Glibc.close(fd) }
}

@Suite(.serialized) struct ClientDisconnectTests {
    /// Polls `condition` every 10 ms for up to `seconds`.
    func eventually(within seconds: Double, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    /// A client that leaves mid-answer — before any of it (plain) or after the first chunk (stream) —
    /// frees its place in the limit and its samples' slots without waiting for its generation or its
    /// next write, and the next request is answered, not refused with 429. (Without the watcher, the
    /// plain request held its place until its 15,360 tokens were drawn, and the next got 429.)
    @Test(arguments: [false, true]) func aClientThatLeavesFreesItsPlaceAtOnce(stream: Bool) async throws {
        var limits = ServerLimits()
        limits.concurrentRequests = 1
        limits.slots = 1
        let live = try await LiveServer.start(limits: limits)
        let port = Int(live.url.split(separator: ":").last!)!
        // 256 samples of 60 tokens through one slot: ten seconds or more of work in a debug build.
        let samples = 256, tokens = 60
        let connection = RawConnection(port: port)
        connection.post("/v1/completions", body: #"{"prompt": "x", "max_tokens": \#(tokens), "n": \#(samples), "stop": [], "stream": \#(stream)}"#)
        #expect(try await eventually(within: 30) { live.server.scheduler.generatedTokens > 0 })
        if stream { #expect(try await connection.readSome().hasPrefix("HTTP/1.1 200")) }
        connection.close()
        // Alone this takes milliseconds; the window is wide for a machine busy with the other suites,
        // and what fails without the fix is that the generation runs to its end.
        #expect(try await eventually(within: 60) { live.server.inFlight.current == 0 }, "the place is still held")
        #expect(try await eventually(within: 60) { live.server.scheduler.samplesRunning == 0 }, "a slot is still decoding")
        #expect(live.server.scheduler.generatedTokens < samples * tokens, "the generation ran to its end")
        let (status, text) = try await live.send("/v1/completions", body: #"{"prompt": "z", "max_tokens": 4}"#)
        #expect(status == 200, "\(status) \(text)")
        await live.stop()
    }
}
