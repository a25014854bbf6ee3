import NIOCore

/// Frames in, bytes out: `MessageToByteHandler(FrameEncoder())` in a channel pipeline. A frame
/// that breaks a limit fails its write promise with the `ProtocolError` and sends nothing.
public struct FrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = Frame

    public let limits: ProtocolLimits

    public init(limits: ProtocolLimits = .default) { self.limits = limits }

    public func encode(data: Frame, out: inout ByteBuffer) throws {
        try data.encode(into: &out, limits: limits)
    }
}
