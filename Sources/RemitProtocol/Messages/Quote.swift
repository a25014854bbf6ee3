/// The terms of a remittance, binding until `expiresAt` for a transfer that names `quoteId`.
///
/// `rateMargin` and `totalCost` are in parts per million; `totalCost` is the World Bank RPW
/// measure: fee plus FX margin cost, over the send amount.
public struct Quote: MessageBody {
    static let type = MessageType.quote
    static let blockLength = 92

    public var quoteId: ID128
    public var sendAmount: Int64
    public var fee: Int64
    public var payoutAmount: Int64
    public var rate: Int64
    public var referenceRate: Int64
    public var createdAt: Int64
    public var expiresAt: Int64
    public var rateMargin: Int32
    public var totalCost: Int32
    public var sendCurrency: CurrencyCode
    public var payoutCurrency: CurrencyCode
    public var sendCountry: CountryCode
    public var payoutCountry: CountryCode
    public var amountMode: AmountMode
    public var legs: [QuotedLeg]

    public init(quoteId: ID128, sendAmount: Int64, fee: Int64, payoutAmount: Int64, rate: Int64, referenceRate: Int64,
                createdAt: Int64, expiresAt: Int64, rateMargin: Int32, totalCost: Int32, sendCurrency: CurrencyCode,
                payoutCurrency: CurrencyCode, sendCountry: CountryCode, payoutCountry: CountryCode,
                amountMode: AmountMode, legs: [QuotedLeg]) {
        self.quoteId = quoteId
        self.sendAmount = sendAmount
        self.fee = fee
        self.payoutAmount = payoutAmount
        self.rate = rate
        self.referenceRate = referenceRate
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.rateMargin = rateMargin
        self.totalCost = totalCost
        self.sendCurrency = sendCurrency
        self.payoutCurrency = payoutCurrency
        self.sendCountry = sendCountry
        self.payoutCountry = payoutCountry
        self.amountMode = amountMode
        self.legs = legs
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.id128(quoteId)
        w.i64(sendAmount)
        w.i64(fee)
        w.i64(payoutAmount)
        w.i64(rate)
        w.i64(referenceRate)
        w.i64(createdAt)
        w.i64(expiresAt)
        w.i32(rateMargin)
        w.i32(totalCost)
        w.currency(sendCurrency)
        w.currency(payoutCurrency)
        w.country(sendCountry)
        w.country(payoutCountry)
        w.wireEnum(amountMode)
        w.u8(0)
        try w.groupHeader(.legs, entryBlockLength: QuotedLeg.blockLength, count: legs.count, minimumCount: 1,
                          maxCount: limits.maxLegsPerTransfer)
        try w.entries("legs", legs, topLevel: true) { (w, leg) throws(ProtocolError) in try leg.encode(&w) }
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> Quote {
        var b = try r.block(minimum: blockLength)
        let quoteId = try b.id128(.quoteId)
        let sendAmount = try b.i64(.amount)
        let fee = try b.i64(.none)
        let payoutAmount = try b.i64(.none)
        let rate = try b.i64(.none)
        let referenceRate = try b.i64(.none)
        let createdAt = try b.i64(.none)
        let expiresAt = try b.i64(.none)
        let rateMargin = try b.i32(.none)
        let totalCost = try b.i32(.none)
        let sendCurrency = try b.currency(.sendCurrency)
        let payoutCurrency = try b.currency(.payoutCurrency)
        let sendCountry = try b.country(.sendCountry)
        let payoutCountry = try b.country(.payoutCountry)
        let mode = try b.wireEnum(AmountMode.self, .amountMode)
        try b.reserved8()
        let group = try r.group(.legs, minimumEntryBlock: QuotedLeg.blockLength, minimumCount: 1,
                                maxCount: limits.maxLegsPerTransfer)
        let legs = try r.entries("legs", entryBlockLength: group.entryBlockLength, count: group.count, topLevel: true) {
            (b, r) throws(ProtocolError) in try QuotedLeg.decode(&b, &r)
        }
        return Quote(quoteId: quoteId, sendAmount: sendAmount, fee: fee, payoutAmount: payoutAmount, rate: rate,
                     referenceRate: referenceRate, createdAt: createdAt, expiresAt: expiresAt, rateMargin: rateMargin,
                     totalCost: totalCost, sendCurrency: sendCurrency, payoutCurrency: payoutCurrency,
                     sendCountry: sendCountry, payoutCountry: payoutCountry, amountMode: mode, legs: legs)
    }
}

/// A leg of a quote, with the amount it pays out.
public struct QuotedLeg: Hashable, Sendable, Codable {
    static let blockLength = 12

    public var product: Product
    public var share: UInt16
    public var payoutAmount: Int64
    public var institution: String

    public init(product: Product, share: UInt16, payoutAmount: Int64, institution: String = "") {
        self.product = product
        self.share = share
        self.payoutAmount = payoutAmount
        self.institution = institution
    }

    func encode(_ w: inout BodyWriter) throws(ProtocolError) {
        w.wireEnum(product)
        w.u8(0)
        w.u16(share)
        w.i64(payoutAmount)
        try w.string(institution, .legInstitution, max: FieldLimit.institution, ascii: true)
    }

    static func decode(_ b: inout BodyReader, _ r: inout BodyReader) throws(ProtocolError) -> QuotedLeg {
        let product = try b.wireEnum(Product.self, .legProduct)
        try b.reserved8()
        let share = try b.u16(.legShare)
        let amount = try b.i64(.amount)
        return QuotedLeg(product: product, share: share, payoutAmount: amount,
                         institution: try r.string(.legInstitution, max: FieldLimit.institution, ascii: true))
    }
}
