import NIOCore

/// Bounds what a connection may leave unread: the channel's write-buffer water mark stops the
/// session's writers once `max_outbound_bytes` are queued, and if the client still has not read
/// them after the idle timeout, this closes the connection. Events are not lost by this: they
/// are read again from the ledger on the client's next Subscribe.
final class SlowReaderHandler: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    private let patience: TimeAmount
    private var closing: Scheduled<Void>?

    init(patience: TimeAmount) { self.patience = patience }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            closing?.cancel()
            closing = nil
        } else if closing == nil {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            closing = context.eventLoop.scheduleTask(in: patience) { loopBound.value.close(promise: nil) }
        }
        context.fireChannelWritabilityChanged()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closing?.cancel()
    }
}
