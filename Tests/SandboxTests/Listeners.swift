import Foundation
import Locking
@testable import Sandbox
#if canImport(Glibc)
import Glibc
#endif

/// A TCP listener on the host's 127.0.0.1 that counts the connections it accepts.
final class TCPListener: @unchecked Sendable {
    let fd: Int32
    let port: UInt16
    private let count = LockedBox(0)

    init() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        listen(fd, 16)
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: bound.sin_port)
        acceptForever(fd, counting: count)
    }

    var connections: Int { count.value }
}

/// Accepts and closes connections on a listening socket in the background, counting them.
func acceptForever(_ fd: Int32, counting count: LockedBox<Int>) {
    Thread.detachNewThread {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            count.withLock { $0 += 1 }
            close(client)
        }
    }
}

/// A UNIX socket listener at a path, and one in the abstract namespace, counting connections.
final class UnixListener: @unchecked Sendable {
    private var fds: [Int32] = []
    private let count = LockedBox(0)

    init(path: String) throws {
        unlink(path)
        atexit { unlink(HostBait.unixSocket) }  // the test process's own socket file, not left in /tmp
        let abstractName = "\0" + HostBait.marker
        for name in [path, abstractName] {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(name.utf8)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, b) in bytes.enumerated() where i < raw.count { raw[i] = b }
            }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (name.hasPrefix("\0") ? 0 : 1))
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard rc == 0 else { throw POSIXError(.EADDRINUSE) }
            listen(fd, 16)
            chmod(path, 0o777)
            fds.append(fd)
            acceptForever(fd, counting: count)
        }
        self.path = path
    }

    private let path: String

    var connections: Int { count.value }

}
