/// A transfer as the ledger has it now: state, terms and each leg's progress.
public struct TransferStatus: MessageBody {
    static let type = MessageType.transferStatus
    static let blockLength = 102

    public var transferId: ID128
    public var quoteId: ID128?
    public var sendAmount: Int64
    public var fee: Int64
    public var payoutAmount: Int64
    public var rate: Int64
    public var createdAt: Int64
    public var updatedAt: Int64
    public var lastEventSequence: UInt64
    public var errorCode: ErrorCode
    public var state: TransferState
    public var sendCurrency: CurrencyCode
    public var payoutCurrency: CurrencyCode
    public var sendCountry: CountryCode
    public var payoutCountry: CountryCode
    public var operatorReference: String
    public var legs: [LegStatus]

    public init(transferId: ID128, quoteId: ID128? = nil, sendAmount: Int64, fee: Int64, payoutAmount: Int64,
                rate: Int64, createdAt: Int64, updatedAt: Int64, lastEventSequence: UInt64,
                errorCode: ErrorCode = .none, state: TransferState, sendCurrency: CurrencyCode,
                payoutCurrency: CurrencyCode, sendCountry: CountryCode, payoutCountry: CountryCode,
                operatorReference: String = "", legs: [LegStatus]) {
        self.transferId = transferId
        self.quoteId = quoteId
        self.sendAmount = sendAmount
        self.fee = fee
        self.payoutAmount = payoutAmount
        self.rate = rate
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastEventSequence = lastEventSequence
        self.errorCode = errorCode
        self.state = state
        self.sendCurrency = sendCurrency
        self.payoutCurrency = payoutCurrency
        self.sendCountry = sendCountry
        self.payoutCountry = payoutCountry
        self.operatorReference = operatorReference
        self.legs = legs
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.id128(transferId)
        w.id128(quoteId)
        w.i64(sendAmount)
        w.i64(fee)
        w.i64(payoutAmount)
        w.i64(rate)
        w.i64(createdAt)
        w.i64(updatedAt)
        w.u64(lastEventSequence)
        w.u16(errorCode.rawValue)
        w.wireEnum(state)
        w.u8(0)
        w.currency(sendCurrency)
        w.currency(payoutCurrency)
        w.country(sendCountry)
        w.country(payoutCountry)
        try w.string(operatorReference, .operatorReference, max: FieldLimit.operatorReference)
        try w.groupHeader(.legs, entryBlockLength: LegStatus.blockLength, count: legs.count, minimumCount: 0,
                          maxCount: limits.maxLegsPerTransfer)
        try w.entries("legs", legs, topLevel: true) { (w, leg) throws(ProtocolError) in try leg.encode(&w) }
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> TransferStatus {
        var b = try r.block(minimum: blockLength)
        let transferId = try b.id128(.transferId)
        let quoteId = try b.optionalID128(.quoteId)
        let sendAmount = try b.i64(.amount)
        let fee = try b.i64(.none)
        let payoutAmount = try b.i64(.none)
        let rate = try b.i64(.none)
        let createdAt = try b.i64(.none)
        let updatedAt = try b.i64(.none)
        let lastEvent = try b.u64(.sequence)
        let code = try b.errorCode(.none)
        let state = try b.wireEnum(TransferState.self, .none)
        try b.reserved8()
        let sendCurrency = try b.currency(.sendCurrency)
        let payoutCurrency = try b.currency(.payoutCurrency)
        let sendCountry = try b.country(.sendCountry)
        let payoutCountry = try b.country(.payoutCountry)
        let reference = try r.string(.operatorReference, max: FieldLimit.operatorReference)
        let group = try r.group(.legs, minimumEntryBlock: LegStatus.blockLength, minimumCount: 0,
                                maxCount: limits.maxLegsPerTransfer)
        let legs = try r.entries("legs", entryBlockLength: group.entryBlockLength, count: group.count, topLevel: true) {
            (b, r) throws(ProtocolError) in try LegStatus.decode(&b, &r)
        }
        return TransferStatus(
            transferId: transferId, quoteId: quoteId, sendAmount: sendAmount, fee: fee, payoutAmount: payoutAmount,
            rate: rate, createdAt: createdAt, updatedAt: updatedAt, lastEventSequence: lastEvent, errorCode: code,
            state: state, sendCurrency: sendCurrency, payoutCurrency: payoutCurrency, sendCountry: sendCountry,
            payoutCountry: payoutCountry, operatorReference: reference, legs: legs)
    }
}

/// One leg's progress: where it went and what the partner said.
public struct LegStatus: Hashable, Sendable, Codable {
    static let blockLength = 16

    public var product: Product
    public var state: LegState
    public var share: UInt16
    public var errorCode: ErrorCode
    public var payoutAmount: Int64
    public var institution: String
    public var partnerReference: String

    public init(product: Product, state: LegState, share: UInt16, errorCode: ErrorCode = .none, payoutAmount: Int64,
                institution: String = "", partnerReference: String = "") {
        self.product = product
        self.state = state
        self.share = share
        self.errorCode = errorCode
        self.payoutAmount = payoutAmount
        self.institution = institution
        self.partnerReference = partnerReference
    }

    func encode(_ w: inout BodyWriter) throws(ProtocolError) {
        w.wireEnum(product)
        w.wireEnum(state)
        w.u16(share)
        w.u16(errorCode.rawValue)
        w.u16(0)
        w.i64(payoutAmount)
        try w.string(institution, .legInstitution, max: FieldLimit.institution, ascii: true)
        try w.string(partnerReference, .none, max: FieldLimit.partnerReference, ascii: true)
    }

    static func decode(_ b: inout BodyReader, _ r: inout BodyReader) throws(ProtocolError) -> LegStatus {
        let product = try b.wireEnum(Product.self, .legProduct)
        let state = try b.wireEnum(LegState.self, .none)
        let share = try b.u16(.legShare)
        let code = try b.errorCode(.none)
        try b.reserved16()
        let amount = try b.i64(.amount)
        let institution = try r.string(.legInstitution, max: FieldLimit.institution, ascii: true)
        return LegStatus(product: product, state: state, share: share, errorCode: code, payoutAmount: amount,
                         institution: institution,
                         partnerReference: try r.string(.none, max: FieldLimit.partnerReference, ascii: true))
    }
}
