import NIOCore
import NIOTLS
import RemitProtocol

/// A request handed to the connection, already encoded by the caller: its request id and frame
/// bytes, the promise for its answer (none for EventAck), and for Subscribe the continuation
/// that receives pushed events.
struct ClientRequest: Sendable {
    var requestId: UInt64
    var frame: ByteBuffer
    var answer: EventLoopPromise<Message>?
    var events: AsyncThrowingStream<Event, any Error>.Continuation?
}

/// Matches answers to requests by request id, so requests can be pipelined and answered in any
/// order, and routes pushed events to the subscriber. Runs on the channel's event loop only.
final class ClientConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = Result<Frame, ProtocolError>
    typealias OutboundIn = ClientRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var answer: EventLoopPromise<Message>
        var timeout: Scheduled<Void>?
    }

    private let requestTimeout: TimeAmount
    /// Succeeds when the TLS handshake completes; fails with the handshake's error.
    private let handshake: EventLoopPromise<Void>
    private var highestRequestId: UInt64 = 0
    private var pending: [UInt64: Pending] = [:]
    private var events: AsyncThrowingStream<Event, any Error>.Continuation?
    private let closeCause: CloseCause
    private var closed = false

    init(requestTimeout: TimeAmount, handshake: EventLoopPromise<Void>, closeCause: CloseCause) {
        self.requestTimeout = requestTimeout
        self.handshake = handshake
        self.closeCause = closeCause
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent { handshake.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if closed {
            request.answer?.fail(closeCause.error)
            promise?.fail(closeCause.error)
            return
        }
        let requestId = request.requestId
        highestRequestId = max(highestRequestId, requestId)
        if let answer = request.answer {
            let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: requestTimeout) { [weak self] in
                guard let self, let entry = self.pending.removeValue(forKey: requestId) else { return }
                entry.answer.fail(RemitClientError.timeout)
            }
            pending[requestId] = Pending(answer: answer, timeout: timeout)
        }
        if let events = request.events { self.events = events }
        let written = promise ?? context.eventLoop.makePromise()
        written.futureResult.assumeIsolated().whenFailure { [weak self] error in
            // The frame never left. If the channel is closing, the close fails every pending
            // answer with its cause (a TLS alert, say), which says more than "closed".
            guard !RemitClientError.isClosed(error), let self,
                  let entry = self.pending.removeValue(forKey: requestId) else { return }
            entry.timeout?.cancel()
            entry.answer.fail(error)
        }
        context.writeAndFlush(wrapOutboundOut(request.frame), promise: written)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .failure(let error):
            close(context, RemitClientError.protocolViolation("the gateway sent a malformed frame: \(error)"))
        case .success(let frame) where frame.requestId == 0:
            switch frame.message {
            case .event(let event):
                events?.yield(event)
            case .error(let error):
                // About the connection as a whole; the gateway closes it next.
                close(context, RemitClientError.server(error))
            default:
                close(context, RemitClientError.protocolViolation("\(frame.message.type.name) with request id 0"))
            }
        case .success(let frame):
            guard let entry = pending.removeValue(forKey: frame.requestId) else {
                // An answer to a request that already timed out is dropped; any other id is a fault.
                if frame.requestId > highestRequestId {
                    close(context, RemitClientError.protocolViolation("answer to request \(frame.requestId), never sent"))
                }
                return
            }
            entry.timeout?.cancel()
            if case .error(let error) = frame.message {
                entry.answer.fail(RemitClientError.server(error))
            } else {
                entry.answer.succeed(frame.message)
            }
        }
    }

    /// Transport errors (a TLS alert, a reset) reach the waiting callers as they are.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(context, error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RemitClientError.connectionClosed)
        context.fireChannelInactive()
    }

    private func close(_ context: ChannelHandlerContext, _ error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        closed = true
        closeCause.record(error)
        let error = closeCause.error
        handshake.fail(error)  // no effect once the handshake has completed
        let failing = pending
        pending.removeAll()
        for entry in failing.values {
            entry.timeout?.cancel()
            entry.answer.fail(error)
        }
        events?.finish(throwing: error)
        events = nil
    }
}
