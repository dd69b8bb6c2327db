import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A /v1/completions server on 127.0.0.1 for the tests (a test-support target shared by suites): it answers with whatever `respond`
/// returns for the request's JSON body and headers, and records the requests it saw.
public final class FakeCompletionsServer: @unchecked Sendable {
    public typealias Responder = @Sendable (_ body: [String: Any], _ headers: HTTPHeaders, _ requestNumber: Int) -> (HTTPResponseStatus, [String: Any])

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private(set) var channel: Channel!
    private let lock = NSLock()
    private var seen: [([String: Any], HTTPHeaders)] = []

    public var port: Int { channel.localAddress!.port! }
    public var url: String { "http://127.0.0.1:\(port)" }
    public var requests: [([String: Any], HTTPHeaders)] { lock.lock(); defer { lock.unlock() }; return seen }

    public init(respond: @escaping Responder) throws {
        let server = self
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(server: server, respond: respond))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    func record(_ body: [String: Any], _ headers: HTTPHeaders) -> Int {
        lock.lock()
        defer { lock.unlock() }
        seen.append((body, headers))
        return seen.count
    }

    public func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let server: FakeCompletionsServer
        let respond: Responder
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(server: FakeCompletionsServer, respond: @escaping Responder) {
            self.server = server
            self.respond = respond
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body.clear()
            case .body(var chunk):
                body.writeBuffer(&chunk)
            case .end:
                let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
                let number = server.record(json, head?.headers ?? [:])
                let (status, reply) = respond(json, head?.headers ?? [:], number)
                let bytes = try! JSONSerialization.data(withJSONObject: reply)
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: "application/json")
                headers.add(name: "Content-Length", value: String(bytes.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: bytes)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
