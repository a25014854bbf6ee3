/// Keeps an otherwise idle connection open; the server echoes `sentAt` in a HeartbeatAck.
public struct Heartbeat: MessageBody {
    static let type = MessageType.heartbeat
    static let blockLength = 8

    public var sentAt: Int64

    public init(sentAt: Int64) { self.sentAt = sentAt }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.i64(sentAt)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> Heartbeat {
        var b = try r.block(minimum: blockLength)
        return Heartbeat(sentAt: try b.i64(.sentAt))
    }
}

/// The answer to a Heartbeat, with the server's clock for the client's drift check.
public struct HeartbeatAck: MessageBody {
    static let type = MessageType.heartbeatAck
    static let blockLength = 16

    public var echoedSentAt: Int64
    public var serverTime: Int64

    public init(echoedSentAt: Int64, serverTime: Int64) {
        self.echoedSentAt = echoedSentAt
        self.serverTime = serverTime
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.i64(echoedSentAt)
        w.i64(serverTime)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> HeartbeatAck {
        var b = try r.block(minimum: blockLength)
        return HeartbeatAck(echoedSentAt: try b.i64(.sentAt), serverTime: try b.i64(.none))
    }
}
