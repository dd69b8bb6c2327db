import Hummingbird
import NIOHTTPTypes
import Locking
import NIOCore

/// Tells the requests on one connection that their client has gone — it closed its socket (the
/// connection's input ended) or the connection failed — so that their samples stop and their place
/// in the concurrency limit frees at once, not at their next write: editors cancel a request on
/// nearly every keystroke, and a request waiting on a long prompt or a slow step writes nothing.
///
/// One per connection, in its pipeline after HTTP decoding. A client that half-closes its socket
/// after sending a request counts as gone, as in llama.cpp's server.
final class ClientDisconnectWatcher: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPRequestPart

    private struct State {
        var gone = false
        var nextID = 0
        var actions: [Int: @Sendable () -> Void] = [:]
    }

    private let state = LockedBox(State())

    /// Undoes one `onClientGone`.
    struct Observation: Sendable {
        fileprivate let watcher: ClientDisconnectWatcher
        fileprivate let id: Int
        func cancel() { _ = watcher.state.withLock { $0.actions.removeValue(forKey: id) } }
    }

    /// Runs `action` once when the client goes, or at once if it has gone.
    func onClientGone(_ action: @escaping @Sendable () -> Void) -> Observation {
        let (id, gone) = state.withLock { state in
            defer { state.nextID += 1 }
            if !state.gone { state.actions[state.nextID] = action }
            return (state.nextID, state.gone)
        }
        if gone { action() }
        return Observation(watcher: self, id: id)
    }

    private func clientLeft() {
        let actions = state.withLock { state in
            defer { state.gone = true; state.actions = [:] }
            return Array(state.actions.values)
        }
        actions.forEach { $0() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { clientLeft() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        clientLeft()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        clientLeft()
        context.fireErrorCaught(error)
    }
}

/// Hummingbird's request context with the connection, where the request finds its watcher.
struct ConnectionContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The connection's watcher (nil if the pipeline has none, as in a test's direct call).
    var disconnectWatcher: ClientDisconnectWatcher? {
        get async { try? await channel.pipeline.handler(type: ClientDisconnectWatcher.self).get() }
    }
}
