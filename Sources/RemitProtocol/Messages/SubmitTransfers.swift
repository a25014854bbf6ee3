/// A batch of 1 to `maxBatchTransfers` remittances, answered by one result per transfer in the
/// same order.
public struct SubmitTransfers: MessageBody {
    static let type = MessageType.submitTransfers
    static let blockLength = 0

    public var transfers: [Transfer]

    public init(transfers: [Transfer]) { self.transfers = transfers }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        try w.groupHeader(.transfers, entryBlockLength: Transfer.blockLength, count: transfers.count, minimumCount: 1,
                          maxCount: limits.maxBatchTransfers)
        try w.entries("transfers", transfers, topLevel: true) { (w, transfer) throws(ProtocolError) in
            try transfer.encode(&w, limits: limits)
        }
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> SubmitTransfers {
        _ = try r.block(minimum: blockLength)
        let group = try r.group(.transfers, minimumEntryBlock: Transfer.blockLength, minimumCount: 1,
                                maxCount: limits.maxBatchTransfers)
        let transfers = try r.entries("transfers", entryBlockLength: group.entryBlockLength, count: group.count,
                                      topLevel: true) { (b, r) throws(ProtocolError) in
            try Transfer.decode(&b, &r, limits: limits)
        }
        return SubmitTransfers(transfers: transfers)
    }
}

/// The answer to SubmitTransfers: one result per submitted transfer, in the same order.
public struct SubmitTransfersResult: MessageBody {
    static let type = MessageType.submitTransfersResult
    static let blockLength = 0

    public var results: [TransferResult]

    public init(results: [TransferResult]) { self.results = results }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        try w.groupHeader(.transfers, entryBlockLength: TransferResult.blockLength, count: results.count,
                          minimumCount: 1, maxCount: limits.maxBatchTransfers)
        for result in results { result.encode(&w) }
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError)
        -> SubmitTransfersResult
    {
        _ = try r.block(minimum: blockLength)
        let group = try r.group(.transfers, minimumEntryBlock: TransferResult.blockLength, minimumCount: 1,
                                maxCount: limits.maxBatchTransfers)
        let results = try r.entries("results", entryBlockLength: group.entryBlockLength, count: group.count,
                                    topLevel: true) { (b, _) throws(ProtocolError) in try TransferResult.decode(&b) }
        return SubmitTransfersResult(results: results)
    }
}

/// What became of one submitted transfer. `errorCode == .none` means accepted and durable.
public struct TransferResult: Hashable, Sendable, Codable {
    static let blockLength = 56
    static let noLeg: UInt8 = 0xFF

    public var transferId: ID128
    public var sendAmount: Int64
    public var fee: Int64
    public var payoutAmount: Int64
    public var recordedAt: Int64
    public var errorCode: ErrorCode
    public var fieldId: FieldID
    public var state: TransferState
    /// This id was submitted before; this is its stored result.
    public var replayed: Bool
    /// The leg at fault, if any.
    public var legIndex: UInt8?

    public init(transferId: ID128, sendAmount: Int64 = 0, fee: Int64 = 0, payoutAmount: Int64 = 0, recordedAt: Int64,
                errorCode: ErrorCode = .none, fieldId: FieldID = .none, state: TransferState, replayed: Bool = false,
                legIndex: UInt8? = nil) {
        self.transferId = transferId
        self.sendAmount = sendAmount
        self.fee = fee
        self.payoutAmount = payoutAmount
        self.recordedAt = recordedAt
        self.errorCode = errorCode
        self.fieldId = fieldId
        self.state = state
        self.replayed = replayed
        self.legIndex = legIndex
    }

    func encode(_ w: inout BodyWriter) {
        w.id128(transferId)
        w.i64(sendAmount)
        w.i64(fee)
        w.i64(payoutAmount)
        w.i64(recordedAt)
        w.u16(errorCode.rawValue)
        w.u16(fieldId.rawValue)
        w.wireEnum(state)
        w.u8(replayed ? 1 : 0)
        w.u8(legIndex ?? Self.noLeg)
        w.u8(0)
    }

    static func decode(_ b: inout BodyReader) throws(ProtocolError) -> TransferResult {
        let transferId = try b.id128(.transferId)
        let sendAmount = try b.i64(.amount)
        let fee = try b.i64(.none)
        let payoutAmount = try b.i64(.none)
        let recordedAt = try b.i64(.none)
        let code = try b.errorCode(.none)
        let field = try b.fieldID(.none)
        let state = try b.wireEnum(TransferState.self, .none)
        let flags = try b.u8(.flags)
        guard flags & ~1 == 0 else { throw BodyReader.reservedNotZero() }
        let legIndex = try b.u8(.none)
        try b.reserved8()
        return TransferResult(transferId: transferId, sendAmount: sendAmount, fee: fee, payoutAmount: payoutAmount,
                              recordedAt: recordedAt, errorCode: code, fieldId: field, state: state,
                              replayed: flags & 1 != 0, legIndex: legIndex == noLeg ? nil : legIndex)
    }
}
