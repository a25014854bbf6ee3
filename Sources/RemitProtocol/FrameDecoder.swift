import NIOCore

/// Bytes in, frames out: `ByteToMessageHandler(FrameDecoder())` in a channel pipeline.
///
/// A message error (a well-delimited frame whose body breaks the rules) is passed on as
/// `.failure` so the session can answer it and carry on; a frame error is thrown, which fires
/// `errorCaught`, because the stream can no longer be trusted and the connection must close.
/// The header's length is checked before any body byte is waited for, so a peer cannot make the
/// handler buffer more than `limits.maxBodyLength`.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = Result<Frame, ProtocolError>

    public let limits: ProtocolLimits

    public init(limits: ProtocolLimits = .default) { self.limits = limits }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        do {
            guard let frame = try Frame.decode(from: &buffer, limits: limits) else { return .needMoreData }
            context.fireChannelRead(wrapInboundOut(.success(frame)))
        } catch where !error.closesConnection {
            context.fireChannelRead(wrapInboundOut(.failure(error)))
        }
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // A partial frame at EOF is dropped: its request was never complete, so never carried out.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
