/// The server's answer when a request fails as a whole, or, with request id 0, when the
/// connection is about to close (PROTOCOL.md section 6, "Error").
public struct ErrorMessage: MessageBody {
    static let type = MessageType.error
    static let blockLength = 12
    static let noEntry: UInt32 = 0xFFFF_FFFF

    public var code: ErrorCode
    public var fieldId: FieldID
    /// The transfer in a batch or the leg of a quote at fault; nil for none.
    public var entryIndex: UInt32?
    public var retryAfterMs: UInt32
    public var detail: String

    public init(code: ErrorCode, fieldId: FieldID = .none, entryIndex: UInt32? = nil, retryAfterMs: UInt32 = 0,
                detail: String) {
        self.code = code
        self.fieldId = fieldId
        self.entryIndex = entryIndex
        self.retryAfterMs = retryAfterMs
        self.detail = detail
    }

    /// Cuts a detail sentence to the field's 255 bytes at a character boundary.
    public static func clip(_ detail: String) -> String {
        guard detail.utf8.count > FieldLimit.detail else { return detail }
        var out = ""
        for character in detail {
            if out.utf8.count + character.utf8.count > FieldLimit.detail { break }
            out.append(character)
        }
        return out
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        guard code.rawValue != 0, code.isKnown else {
            throw ProtocolError(.invalidValue, field: .none, detail: "code: \(code.rawValue) is not an error code")
        }
        w.u16(UInt16(Self.blockLength))
        w.u16(code.rawValue)
        w.u16(fieldId.rawValue)
        w.u32(entryIndex ?? Self.noEntry)
        w.u32(retryAfterMs)
        try w.string(detail, .none, max: FieldLimit.detail)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> ErrorMessage {
        var b = try r.block(minimum: blockLength)
        let code = try b.errorCode(.none)
        guard code.rawValue != 0 else {
            throw ProtocolError(.invalidValue, field: .none, detail: "code: an Error needs a non-zero code")
        }
        let field = try b.fieldID(.none)
        let entry = try b.u32(.none)
        let retryAfter = try b.u32(.none)
        return ErrorMessage(code: code, fieldId: field, entryIndex: entry == noEntry ? nil : entry,
                            retryAfterMs: retryAfter, detail: try r.string(.none, max: FieldLimit.detail))
    }
}
