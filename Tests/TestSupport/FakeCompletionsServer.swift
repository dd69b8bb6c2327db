import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A /v1/completions server on 127.0.0.1 for the tests (a test-support target shared by suites): it answers with whatever `respond`
/// returns for the request's JSON body and headers, and records the requests it saw.
public final class FakeCompletionsServer: @unchecked Sendable {
    public typealias Responder = @Sendable (_ body: [String: Any], _ headers: HTTPHeaders, _ requestNumber: Int) -> (HTTPResponseStatus, [String: Any])
    /// A response with headers of its own (Retry-After), or a raw body that need not be JSON.
    public struct Reply: Sendable {
        public var status: HTTPResponseStatus
        public var body: Data
        public var headers: [(String, String)]
        public init(status: HTTPResponseStatus, json: [String: Any], headers: [(String, String)] = []) {
            self.init(status: status, raw: try! JSONSerialization.data(withJSONObject: json), headers: headers)
        }
        public init(status: HTTPResponseStatus, raw: Data, headers: [(String, String)] = []) {
            self.status = status
            body = raw
            self.headers = headers
        }
    }
    public typealias FullResponder = @Sendable (_ body: [String: Any], _ headers: HTTPHeaders, _ requestNumber: Int) -> Reply

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private(set) var channel: Channel!
    private let lock = NSLock()
    private var seen: [([String: Any], HTTPHeaders)] = []

    public var port: Int { channel.localAddress!.port! }
    public var url: String { "http://127.0.0.1:\(port)" }
    public var requests: [([String: Any], HTTPHeaders)] { lock.lock(); defer { lock.unlock() }; return seen }

    public convenience init(respond: @escaping Responder) throws {
        try self.init(reply: { body, headers, number in
            let (status, json) = respond(body, headers, number)
            return Reply(status: status, json: json)
        })
    }

    /// The time each request arrived, in order.
    public var arrivals: [Date] { lock.lock(); defer { lock.unlock() }; return arrived }
    private var arrived: [Date] = []

    public init(reply respond: @escaping FullResponder) throws {
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
        arrived.append(Date())
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
        let respond: FullResponder
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(server: FakeCompletionsServer, respond: @escaping FullResponder) {
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
                let reply = respond(json, head?.headers ?? [:], number)
                let bytes = reply.body
                let status = reply.status
                var headers = HTTPHeaders(reply.headers)
                headers.add(name: "Content-Type", value: "application/json")
                headers.add(name: "Content-Length", value: String(bytes.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: bytes)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
