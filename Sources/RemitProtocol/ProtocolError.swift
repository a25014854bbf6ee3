/// Why a frame or message could not be decoded or encoded, in the terms of PROTOCOL.md: the code
/// an `Error` frame carries, the field at fault, the group entry, and whether the connection
/// must close (a frame error) or stays open (a message error).
public struct ProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    public var field: FieldID
    /// Index of the top-level group entry at fault (the transfer in a batch, the leg of a quote).
    public var entryIndex: UInt32?
    /// For people: which field, what was wrong. Programs act on `code`.
    public var detail: String
    /// A frame error: the byte stream cannot be trusted, so the connection closes.
    public var closesConnection: Bool
    /// The frame's request id, when its header could be read.
    public var requestId: UInt64

    public init(
        _ code: ErrorCode, field: FieldID = .none, entryIndex: UInt32? = nil, detail: String,
        closesConnection: Bool = false, requestId: UInt64 = 0
    ) {
        self.code = code
        self.field = field
        self.entryIndex = entryIndex
        self.detail = detail
        self.closesConnection = closesConnection
        self.requestId = requestId
    }

    public var description: String { "\(code): \(detail)" }

    /// The `Error` message a server sends for this failure.
    public var message: ErrorMessage {
        ErrorMessage(code: code, fieldId: field, entryIndex: entryIndex, retryAfterMs: 0,
                     detail: ErrorMessage.clip(detail))
    }

    /// Adds the position in a group to the error (`transfers[3].senderName`), once.
    func inEntry(_ group: String, _ index: Int, topLevel: Bool) -> ProtocolError {
        var copy = self
        copy.detail = "\(group)[\(index)].\(detail)"
        if topLevel { copy.entryIndex = UInt32(index) }
        return copy
    }
}
