import NIOCore
import NIOTLS
import RemitProtocol

/// The three clocks of a connection (PROTOCOL.md section 2): the TLS handshake must finish, then
/// the first frame (Hello) must arrive, then some frame must arrive within every idle period.
/// A handshake that runs out is closed silently (there is no channel to speak on yet); the
/// others get `Error 9005 TIMEOUT` with request id 0, then the close.
///
/// Sits after the frame decoder, so only whole frames count: a peer trickling a frame one byte
/// at a time is idle.
final class ConnectionTimeoutHandler: ChannelDuplexHandler {
    typealias InboundIn = Result<Frame, ProtocolError>
    typealias InboundOut = Result<Frame, ProtocolError>
    typealias OutboundIn = Frame
    typealias OutboundOut = Frame

    private let handshake: TimeAmount
    private let hello: TimeAmount
    private let idle: TimeAmount
    private var deadline: Scheduled<Void>?
    private var lastRead: NIODeadline = .now()
    private var phase = Phase.handshake

    private enum Phase { case handshake, hello, session, closed }

    init(handshake: TimeAmount, hello: TimeAmount, idle: TimeAmount) {
        self.handshake = handshake
        self.hello = hello
        self.idle = idle
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, after: handshake) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if deadline == nil { arm(context, after: handshake) }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        phase = .closed
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        phase = .closed
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent, phase == .handshake {
            phase = .hello
            arm(context, after: hello)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = context.eventLoop.now
        if phase == .hello {
            phase = .session
            arm(context, after: idle)
        }
        context.fireChannelRead(data)
    }

    private func arm(_ context: ChannelHandlerContext, after delay: TimeAmount) {
        deadline?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = loopBound.value
            handler.expired(context)
        }
    }

    private func expired(_ context: ChannelHandlerContext) {
        switch phase {
        case .handshake:
            phase = .closed
            context.close(promise: nil)
        case .hello:
            timeOut(context, "no Hello within \(hello.nanoseconds / 1_000_000) ms")
        case .session:
            let quiet = context.eventLoop.now - lastRead
            if quiet >= idle {
                timeOut(context, "no frame for \(idle.nanoseconds / 1_000_000) ms")
            } else {
                arm(context, after: idle - quiet)
            }
        case .closed:
            break
        }
    }

    private func timeOut(_ context: ChannelHandlerContext, _ detail: String) {
        phase = .closed
        let error = ErrorMessage(code: .timeout, retryAfterMs: 0, detail: detail)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(Frame(requestId: 0, message: .error(error))))
            .whenComplete { _ in channel.close(promise: nil) }
    }
}
