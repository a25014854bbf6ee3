import NIOCore
import RemitProtocol

/// Asks a session to finish: on `Drain`, stops reading from the socket and passes the session a
/// `9002 SHUTTING_DOWN` marker in the inbound stream, after the frames already read. The session
/// answers what it has, says goodbye and closes.
final class DrainHandler: ChannelInboundHandler {
    typealias InboundIn = Result<Frame, ProtocolError>
    typealias InboundOut = Result<Frame, ProtocolError>

    struct Drain: Sendable {}

    static let marker = ProtocolError(.shuttingDown, detail: "the gateway is shutting down")

    private var draining = false

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is Drain {
            guard !draining else { return }
            draining = true
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
            context.fireChannelRead(wrapInboundOut(.failure(Self.marker)))
            // NIOAsyncChannel hands reads to its stream at read-complete.
            context.fireChannelReadComplete()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Frames that arrive after the marker were never read by the session: not carried out,
        // and safe for the client to retry on a new connection.
        if !draining { context.fireChannelRead(data) }
    }
}
