import NIOCore

/// Bytes in, frames out: `ByteToMessageHandler(FrameDecoder())` in a channel pipeline.
///
/// Every error is passed on as `.failure`, so that the session can answer it (PROTOCOL.md section
/// 1, "What happens on a bad frame"). A message error (a well-delimited frame whose body breaks
/// the rules) leaves the stream usable. A frame error (`closesConnection`) means the stream can no
/// longer be trusted: the decoder passes it on once and then discards every later byte, and the
/// reader of `.failure` answers and closes.
/// The header's length is checked before any body byte is waited for, so a peer cannot make the
/// handler buffer more than `limits.maxBodyLength`.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = Result<Frame, ProtocolError>

    public let limits: ProtocolLimits
    /// Set by a frame error: nothing after it is a frame.
    private var broken = false

    public init(limits: ProtocolLimits = .default) { self.limits = limits }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard !broken else {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        do {
            guard let frame = try Frame.decode(from: &buffer, limits: limits) else { return .needMoreData }
            context.fireChannelRead(wrapInboundOut(.success(frame)))
        } catch {
            if error.closesConnection {
                broken = true
                buffer.moveReaderIndex(to: buffer.writerIndex)
            }
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
