/// Starts the operator's event stream after `afterSequence` (0: everything retained).
public struct Subscribe: MessageBody {
    static let type = MessageType.subscribe
    static let blockLength = 8

    public var afterSequence: UInt64

    public init(afterSequence: UInt64) { self.afterSequence = afterSequence }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.u64(afterSequence)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> Subscribe {
        var b = try r.block(minimum: blockLength)
        return Subscribe(afterSequence: try b.u64(.sequence))
    }
}

/// The answer to Subscribe: the range of events retained when the subscription started.
public struct Subscribed: MessageBody {
    static let type = MessageType.subscribed
    static let blockLength = 16

    public var oldestSequence: UInt64
    public var latestSequence: UInt64

    public init(oldestSequence: UInt64, latestSequence: UInt64) {
        self.oldestSequence = oldestSequence
        self.latestSequence = latestSequence
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.u64(oldestSequence)
        w.u64(latestSequence)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> Subscribed {
        var b = try r.block(minimum: blockLength)
        return Subscribed(oldestSequence: try b.u64(.sequence), latestSequence: try b.u64(.sequence))
    }
}

/// A committed state change of one of the operator's transfers or legs, numbered without gaps.
public struct Event: MessageBody {
    static let type = MessageType.event
    static let blockLength = 36
    static let wholeTransfer: UInt8 = 0xFF

    /// What changed: the transfer as a whole, or one leg.
    public enum Change: Hashable, Sendable {
        case transfer(TransferState)
        case leg(index: UInt8, state: LegState)
    }

    public var sequence: UInt64
    public var transferId: ID128
    public var occurredAt: Int64
    public var errorCode: ErrorCode
    public var change: Change
    public var partnerReference: String

    public init(sequence: UInt64, transferId: ID128, occurredAt: Int64, errorCode: ErrorCode = .none, change: Change,
                partnerReference: String = "") {
        self.sequence = sequence
        self.transferId = transferId
        self.occurredAt = occurredAt
        self.errorCode = errorCode
        self.change = change
        self.partnerReference = partnerReference
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.u64(sequence)
        w.id128(transferId)
        w.i64(occurredAt)
        w.u16(errorCode.rawValue)
        switch change {
        case .transfer(let state):
            w.u8(Self.wholeTransfer)
            w.wireEnum(state)
        case .leg(let index, let state):
            guard index != Self.wholeTransfer else {
                throw ProtocolError(.invalidValue, field: .none, detail: "legIndex: 255 means the whole transfer")
            }
            w.u8(index)
            w.wireEnum(state)
        }
        try w.string(partnerReference, .none, max: FieldLimit.partnerReference, ascii: true)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> Event {
        var b = try r.block(minimum: blockLength)
        let sequence = try b.u64(.sequence)
        let transferId = try b.id128(.transferId)
        let occurredAt = try b.i64(.none)
        let code = try b.errorCode(.none)
        let legIndex = try b.u8(.none)
        let change: Change
        if legIndex == wholeTransfer {
            change = .transfer(try b.wireEnum(TransferState.self, .none))
        } else {
            change = .leg(index: legIndex, state: try b.wireEnum(LegState.self, .none))
        }
        return Event(sequence: sequence, transferId: transferId, occurredAt: occurredAt, errorCode: code,
                     change: change,
                     partnerReference: try r.string(.none, max: FieldLimit.partnerReference, ascii: true))
    }
}

extension Event {
    private enum CodingKeys: String, CodingKey {
        case sequence, transferId, occurredAt, errorCode, legIndex, state, partnerReference
    }

    /// JSON keeps the wire's shape: `legIndex` null for the transfer, `state` by name.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let legIndex = try c.decodeIfPresent(UInt8.self, forKey: .legIndex)
        let change: Change
        if let legIndex {
            change = .leg(index: legIndex, state: try c.decode(LegState.self, forKey: .state))
        } else {
            change = .transfer(try c.decode(TransferState.self, forKey: .state))
        }
        self.init(sequence: try c.decode(UInt64.self, forKey: .sequence),
                  transferId: try c.decode(ID128.self, forKey: .transferId),
                  occurredAt: try c.decode(Int64.self, forKey: .occurredAt),
                  errorCode: try c.decode(ErrorCode.self, forKey: .errorCode), change: change,
                  partnerReference: try c.decode(String.self, forKey: .partnerReference))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sequence, forKey: .sequence)
        try c.encode(transferId, forKey: .transferId)
        try c.encode(occurredAt, forKey: .occurredAt)
        try c.encode(errorCode, forKey: .errorCode)
        switch change {
        case .transfer(let state):
            try c.encodeNil(forKey: .legIndex)
            try c.encode(state, forKey: .state)
        case .leg(let index, let state):
            try c.encode(index, forKey: .legIndex)
            try c.encode(state, forKey: .state)
        }
        try c.encode(partnerReference, forKey: .partnerReference)
    }
}

/// Tells the server the client has processed every event through `throughSequence`, which
/// opens the event window again. Not answered.
public struct EventAck: MessageBody {
    static let type = MessageType.eventAck
    static let blockLength = 8

    public var throughSequence: UInt64

    public init(throughSequence: UInt64) { self.throughSequence = throughSequence }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.u64(throughSequence)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> EventAck {
        var b = try r.block(minimum: blockLength)
        return EventAck(throughSequence: try b.u64(.sequence))
    }
}
