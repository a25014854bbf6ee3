/// Asks for the terms of a remittance before the sender commits: fee, rate, payout per leg,
/// total cost and expiry.
///
/// ```swift
/// QuoteRequest(amount: 10_000, sendCurrency: CurrencyCode("USD")!, payoutCurrency: CurrencyCode("KES")!,
///              sendCountry: CountryCode("US")!, payoutCountry: CountryCode("KE")!, amountMode: .send,
///              legs: [QuoteLeg(product: .mobileWallet, share: 10_000)])
/// ```
public struct QuoteRequest: MessageBody {
    static let type = MessageType.quoteRequest
    static let blockLength = 20

    public var amount: Int64
    public var sendCurrency: CurrencyCode
    public var payoutCurrency: CurrencyCode
    public var sendCountry: CountryCode
    public var payoutCountry: CountryCode
    public var amountMode: AmountMode
    public var legs: [QuoteLeg]

    public init(amount: Int64, sendCurrency: CurrencyCode, payoutCurrency: CurrencyCode, sendCountry: CountryCode,
                payoutCountry: CountryCode, amountMode: AmountMode, legs: [QuoteLeg]) {
        self.amount = amount
        self.sendCurrency = sendCurrency
        self.payoutCurrency = payoutCurrency
        self.sendCountry = sendCountry
        self.payoutCountry = payoutCountry
        self.amountMode = amountMode
        self.legs = legs
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.i64(amount)
        w.currency(sendCurrency)
        w.currency(payoutCurrency)
        w.country(sendCountry)
        w.country(payoutCountry)
        w.wireEnum(amountMode)
        w.u8(0)
        try w.groupHeader(.legs, entryBlockLength: QuoteLeg.blockLength, count: legs.count, minimumCount: 1,
                          maxCount: limits.maxLegsPerTransfer)
        try w.entries("legs", legs, topLevel: true) { (w, leg) throws(ProtocolError) in try leg.encode(&w) }
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> QuoteRequest {
        var b = try r.block(minimum: blockLength)
        let amount = try b.i64(.amount)
        let sendCurrency = try b.currency(.sendCurrency)
        let payoutCurrency = try b.currency(.payoutCurrency)
        let sendCountry = try b.country(.sendCountry)
        let payoutCountry = try b.country(.payoutCountry)
        let mode = try b.wireEnum(AmountMode.self, .amountMode)
        try b.reserved8()
        let group = try r.group(.legs, minimumEntryBlock: QuoteLeg.blockLength, minimumCount: 1,
                                maxCount: limits.maxLegsPerTransfer)
        let legs = try r.entries("legs", entryBlockLength: group.entryBlockLength, count: group.count, topLevel: true) {
            (b, r) throws(ProtocolError) in try QuoteLeg.decode(&b, &r)
        }
        return QuoteRequest(amount: amount, sendCurrency: sendCurrency, payoutCurrency: payoutCurrency,
                            sendCountry: sendCountry, payoutCountry: payoutCountry, amountMode: mode, legs: legs)
    }
}

/// A leg as quoted: a product, its share of the payout, and optionally the institution.
public struct QuoteLeg: Hashable, Sendable, Codable {
    static let blockLength = 4

    public var product: Product
    /// Basis points of the payout; the legs' shares add up to 10,000.
    public var share: UInt16
    public var institution: String

    public init(product: Product, share: UInt16, institution: String = "") {
        self.product = product
        self.share = share
        self.institution = institution
    }

    func encode(_ w: inout BodyWriter) throws(ProtocolError) {
        w.wireEnum(product)
        w.u8(0)
        w.u16(share)
        try w.string(institution, .legInstitution, max: FieldLimit.institution, ascii: true)
    }

    static func decode(_ b: inout BodyReader, _ r: inout BodyReader) throws(ProtocolError) -> QuoteLeg {
        let product = try b.wireEnum(Product.self, .legProduct)
        try b.reserved8()
        let share = try b.u16(.legShare)
        return QuoteLeg(product: product, share: share,
                        institution: try r.string(.legInstitution, max: FieldLimit.institution, ascii: true))
    }
}
