import NIOCore

/// A batch of 1 to `maxBatchTransfers` remittances, answered by one result per transfer in the
/// same order.
public struct SubmitTransfers: MessageBody {
    static let type = MessageType.submitTransfers
    static let blockLength = 0

    public var transfers: [Transfer] {
        // A transfer changed after decoding no longer matches the bytes it arrived in.
        didSet { received = nil }
    }

    /// The bytes the transfers arrived in, kept by the decoder so that each transfer's canonical
    /// bytes can be read rather than encoded again (the gateway hashes every submitted transfer).
    /// Not part of the message's value: equality, hashing and JSON see `transfers` only.
    var received: ReceivedEntries?

    public init(transfers: [Transfer]) { self.transfers = transfers }

    public static func == (lhs: SubmitTransfers, rhs: SubmitTransfers) -> Bool { lhs.transfers == rhs.transfers }
    public func hash(into hasher: inout Hasher) { hasher.combine(transfers) }
    private enum CodingKeys: String, CodingKey { case transfers }

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
        // An entry is contiguous: its block, then its strings and legs. Its bytes are its
        // canonical bytes when its blocks have this version's lengths; a longer block carries
        // fields a later revision appended, which the canonical bytes leave out.
        let body = r.buffer
        let keep = group.entryBlockLength == Transfer.blockLength
        var ranges: [Range<Int>?] = []
        if keep { ranges.reserveCapacity(group.count) }
        let transfers = try r.entries("transfers", entryBlockLength: group.entryBlockLength, count: group.count,
                                      topLevel: true) { (b, r) throws(ProtocolError) in
            let start = r.buffer.readerIndex - group.entryBlockLength
            var legBlocksCanonical = true
            let transfer = try Transfer.decode(&b, &r, limits: limits, legBlocksCanonical: &legBlocksCanonical)
            if keep { ranges.append(legBlocksCanonical ? start..<r.buffer.readerIndex : nil) }
            return transfer
        }
        var message = SubmitTransfers(transfers: transfers)
        if keep { message.received = ReceivedEntries(body: body, ranges: ranges) }
        return message
    }

    /// Calls `body` with the canonical bytes of transfer `index` (what `Transfer.withCanonicalBytes`
    /// gives): the bytes it arrived in when they are canonical, read in place, otherwise encoded
    /// anew. A message decoded from a frame is hashed this way without a second encoding.
    ///
    /// ```swift
    /// let digest = try submit.withCanonicalBytes(ofTransferAt: 0) { SHA256.hash(data: $0) }
    /// ```
    public func withCanonicalBytes<Result>(ofTransferAt index: Int, limits: ProtocolLimits = .default,
                                           _ body: (UnsafeRawBufferPointer) -> Result) throws(ProtocolError) -> Result {
        precondition(transfers.indices.contains(index), "no transfer \(index) in a batch of \(transfers.count)")
        guard let received, let range = received.ranges[index] else {
            return try transfers[index].withCanonicalBytes(limits: limits, body)
        }
        return received.body.withUnsafeReadableBytes { bytes in
            let base = received.body.readerIndex
            let entry = UnsafeRawBufferPointer(rebasing: bytes[(range.lowerBound - base)..<(range.upperBound - base)])
            assert(Array(entry) == (try? transfers[index].canonicalBytes(limits: limits)),
                   "transfer \(index)'s received bytes are not its canonical bytes")
            return body(entry)
        }
    }
}

/// The body a SubmitTransfers arrived in and where each transfer lies in it (nil where the
/// transfer's bytes are not canonical). Holds the body's storage until the message is released.
struct ReceivedEntries: Sendable {
    var body: ByteBuffer
    var ranges: [Range<Int>?]
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
