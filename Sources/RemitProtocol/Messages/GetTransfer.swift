/// Asks for a transfer's state, amounts and legs. Another operator's transfer is not found.
public struct GetTransfer: MessageBody {
    static let type = MessageType.getTransfer
    static let blockLength = 16

    public var transferId: ID128

    public init(transferId: ID128) { self.transferId = transferId }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.id128(transferId)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> GetTransfer {
        var b = try r.block(minimum: blockLength)
        return GetTransfer(transferId: try b.id128(.transferId))
    }
}

/// Cancels a transfer that has not been dispatched; answered by its TransferStatus.
public struct CancelTransfer: MessageBody {
    static let type = MessageType.cancelTransfer
    static let blockLength = 16

    public var transferId: ID128
    public var reason: String

    public init(transferId: ID128, reason: String = "") {
        self.transferId = transferId
        self.reason = reason
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.id128(transferId)
        try w.string(reason, .reason, max: FieldLimit.reason)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> CancelTransfer {
        var b = try r.block(minimum: blockLength)
        let id = try b.id128(.transferId)
        return CancelTransfer(transferId: id, reason: try r.string(.reason, max: FieldLimit.reason))
    }
}
