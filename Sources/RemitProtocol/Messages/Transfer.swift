import NIOCore

/// One remittance in a SubmitTransfers batch: its id, its terms, the sender and beneficiary data
/// FATF Recommendation 16 asks for, and one or more payout legs.
///
/// Phones are E.164 digits as a number (0 when absent); `senderDateOfBirth` is `YYYYMMDD`
/// (0 when absent); an empty string is an absent optional field. `applyStandingInstruction`
/// (version 2, bit 0 of `options`) asks the gateway to split the one leg by the beneficiary's
/// standing instruction.
public struct Transfer: Hashable, Sendable, Codable {
    static let blockLength = 74

    public var transferId: ID128
    public var quoteId: ID128?
    public var amount: Int64
    public var senderPhone: UInt64
    public var beneficiaryPhone: UInt64
    public var senderDateOfBirth: UInt32
    public var sendCurrency: CurrencyCode
    public var payoutCurrency: CurrencyCode
    public var sendCountry: CountryCode
    public var payoutCountry: CountryCode
    public var amountMode: AmountMode
    public var purpose: Purpose
    public var legFailurePolicy: LegFailurePolicy
    @OmittedWhenFalse public var applyStandingInstruction: Bool
    public var operatorReference: String
    public var senderName: String
    public var senderAccount: String
    public var senderAddress: String
    public var senderNationalId: String
    public var senderPlaceOfBirth: String
    public var beneficiaryName: String
    public var beneficiaryAccount: String
    public var legs: [Leg]

    public init(
        transferId: ID128, quoteId: ID128? = nil, amount: Int64, senderPhone: UInt64 = 0, beneficiaryPhone: UInt64 = 0,
        senderDateOfBirth: UInt32 = 0, sendCurrency: CurrencyCode, payoutCurrency: CurrencyCode,
        sendCountry: CountryCode, payoutCountry: CountryCode, amountMode: AmountMode = .send,
        purpose: Purpose = .familySupport, legFailurePolicy: LegFailurePolicy = .refundLeg,
        applyStandingInstruction: Bool = false, operatorReference: String = "", senderName: String, senderAccount: String = "", senderAddress: String = "",
        senderNationalId: String = "", senderPlaceOfBirth: String = "", beneficiaryName: String,
        beneficiaryAccount: String = "", legs: [Leg]
    ) {
        self.transferId = transferId
        self.quoteId = quoteId
        self.amount = amount
        self.senderPhone = senderPhone
        self.beneficiaryPhone = beneficiaryPhone
        self.senderDateOfBirth = senderDateOfBirth
        self.sendCurrency = sendCurrency
        self.payoutCurrency = payoutCurrency
        self.sendCountry = sendCountry
        self.payoutCountry = payoutCountry
        self.amountMode = amountMode
        self.purpose = purpose
        self.legFailurePolicy = legFailurePolicy
        self.applyStandingInstruction = applyStandingInstruction
        self.operatorReference = operatorReference
        self.senderName = senderName
        self.senderAccount = senderAccount
        self.senderAddress = senderAddress
        self.senderNationalId = senderNationalId
        self.senderPlaceOfBirth = senderPlaceOfBirth
        self.beneficiaryName = beneficiaryName
        self.beneficiaryAccount = beneficiaryAccount
        self.legs = legs
    }

    func encode(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.id128(transferId)
        w.id128(quoteId)
        w.i64(amount)
        try w.msisdn(senderPhone, .senderPhone)
        try w.msisdn(beneficiaryPhone, .beneficiaryPhone)
        w.u32(senderDateOfBirth)
        w.currency(sendCurrency)
        w.currency(payoutCurrency)
        w.country(sendCountry)
        w.country(payoutCountry)
        w.wireEnum(amountMode)
        w.wireEnum(purpose)
        w.wireEnum(legFailurePolicy)
        if applyStandingInstruction && w.version < 2 {
            throw ProtocolError(.invalidValue, field: .options, detail: "options: standing instructions need version 2")
        }
        w.u8(applyStandingInstruction ? TransferOptions.applyStandingInstruction : 0)
        try w.string(operatorReference, .operatorReference, max: FieldLimit.operatorReference)
        try w.string(senderName, .senderName, max: FieldLimit.name)
        try w.string(senderAccount, .senderAccount, max: FieldLimit.account, ascii: true)
        try w.string(senderAddress, .senderAddress, max: FieldLimit.address)
        try w.string(senderNationalId, .senderNationalId, max: FieldLimit.nationalId)
        try w.string(senderPlaceOfBirth, .senderPlaceOfBirth, max: FieldLimit.placeOfBirth)
        try w.string(beneficiaryName, .beneficiaryName, max: FieldLimit.name)
        try w.string(beneficiaryAccount, .beneficiaryAccount, max: FieldLimit.account, ascii: true)
        try w.groupHeader(.legs, entryBlockLength: Leg.blockLength, count: legs.count, minimumCount: 1,
                          maxCount: limits.maxLegsPerTransfer)
        try w.entries("legs", legs, topLevel: false) { (w, leg) throws(ProtocolError) in try leg.encode(&w) }
    }

    /// `legBlocksCanonical` is cleared when the legs' blocks are longer than this version's.
    static func decode(_ b: inout BodyReader, _ r: inout BodyReader, limits: ProtocolLimits,
                       legBlocksCanonical: inout Bool) throws(ProtocolError) -> Transfer
    {
        let transferId = try b.id128(.transferId)
        let quoteId = try b.optionalID128(.quoteId)
        let amount = try b.i64(.amount)
        let senderPhone = try b.msisdn(.senderPhone)
        let beneficiaryPhone = try b.msisdn(.beneficiaryPhone)
        let dateOfBirth = try b.u32(.senderDateOfBirth)
        let sendCurrency = try b.currency(.sendCurrency)
        let payoutCurrency = try b.currency(.payoutCurrency)
        let sendCountry = try b.country(.sendCountry)
        let payoutCountry = try b.country(.payoutCountry)
        let mode = try b.wireEnum(AmountMode.self, .amountMode)
        let purpose = try b.wireEnum(Purpose.self, .purpose)
        let policy = try b.wireEnum(LegFailurePolicy.self, .legFailurePolicy)
        let options = try TransferOptions.read(&b)
        let operatorReference = try r.string(.operatorReference, max: FieldLimit.operatorReference)
        let senderName = try r.string(.senderName, max: FieldLimit.name)
        let senderAccount = try r.string(.senderAccount, max: FieldLimit.account, ascii: true)
        let senderAddress = try r.string(.senderAddress, max: FieldLimit.address)
        let senderNationalId = try r.string(.senderNationalId, max: FieldLimit.nationalId)
        let senderPlaceOfBirth = try r.string(.senderPlaceOfBirth, max: FieldLimit.placeOfBirth)
        let beneficiaryName = try r.string(.beneficiaryName, max: FieldLimit.name)
        let beneficiaryAccount = try r.string(.beneficiaryAccount, max: FieldLimit.account, ascii: true)
        let group = try r.group(.legs, minimumEntryBlock: Leg.blockLength, minimumCount: 1,
                                maxCount: limits.maxLegsPerTransfer)
        legBlocksCanonical = group.entryBlockLength == Leg.blockLength
        let legs = try r.entries("legs", entryBlockLength: group.entryBlockLength, count: group.count, topLevel: false) {
            (b, r) throws(ProtocolError) in try Leg.decode(&b, &r)
        }
        return Transfer(
            transferId: transferId, quoteId: quoteId, amount: amount, senderPhone: senderPhone,
            beneficiaryPhone: beneficiaryPhone, senderDateOfBirth: dateOfBirth, sendCurrency: sendCurrency,
            payoutCurrency: payoutCurrency, sendCountry: sendCountry, payoutCountry: payoutCountry, amountMode: mode,
            purpose: purpose, legFailurePolicy: policy,
            applyStandingInstruction: options & TransferOptions.applyStandingInstruction != 0,
            operatorReference: operatorReference, senderName: senderName,
            senderAccount: senderAccount, senderAddress: senderAddress, senderNationalId: senderNationalId,
            senderPlaceOfBirth: senderPlaceOfBirth, beneficiaryName: beneficiaryName,
            beneficiaryAccount: beneficiaryAccount, legs: legs)
    }
}

/// A payout leg: a product, its share of the payout, the institution (empty lets the gateway
/// route) and the beneficiary's account there.
public struct Leg: Hashable, Sendable, Codable {
    static let blockLength = 4

    public var product: Product
    public var share: UInt16
    public var institution: String
    public var account: String

    public init(product: Product, share: UInt16, institution: String = "", account: String) {
        self.product = product
        self.share = share
        self.institution = institution
        self.account = account
    }

    func encode(_ w: inout BodyWriter) throws(ProtocolError) {
        w.wireEnum(product)
        w.u8(0)
        w.u16(share)
        try w.string(institution, .legInstitution, max: FieldLimit.institution, ascii: true)
        try w.string(account, .legAccount, max: FieldLimit.account, ascii: true)
    }

    static func decode(_ b: inout BodyReader, _ r: inout BodyReader) throws(ProtocolError) -> Leg {
        let product = try b.wireEnum(Product.self, .legProduct)
        try b.reserved8()
        let share = try b.u16(.legShare)
        let institution = try r.string(.legInstitution, max: FieldLimit.institution, ascii: true)
        return Leg(product: product, share: share, institution: institution,
                   account: try r.string(.legAccount, max: FieldLimit.account, ascii: true))
    }
}

extension Transfer {
    /// The transfer's encoding as one entry of `SubmitTransfers` (block, strings, legs): what
    /// PROTOCOL.md section 8 compares to decide whether a resubmitted id has the same content.
    /// Written in the newest version, whose bytes equal version 1's for a transfer without
    /// options, so a version-1 client's transfer compares equal over either version.
    public func canonicalBytes(limits: ProtocolLimits = .default) throws(ProtocolError) -> [UInt8] {
        try withCanonicalBytes(limits: limits) { Array($0) }
    }

    /// Calls `body` with the transfer's canonical bytes where they were written, without copying
    /// them out (`canonicalBytes` allocates an array). A decoded SubmitTransfers reads its
    /// transfers' bytes as they arrived instead: `SubmitTransfers.withCanonicalBytes(ofTransferAt:)`.
    ///
    /// ```swift
    /// let digest = try transfer.withCanonicalBytes { SHA256.hash(data: $0) }
    /// ```
    public func withCanonicalBytes<Result>(limits: ProtocolLimits = .default,
                                           _ body: (UnsafeRawBufferPointer) -> Result) throws(ProtocolError) -> Result {
        // Room for a typical transfer: its block, a dozen short strings and a leg or two.
        var writer = BodyWriter(ByteBufferAllocator().buffer(capacity: Self.typicalEncodedSize),
                                version: FrameHeader.versions.upperBound)
        try encode(&writer, limits: limits)
        return writer.buffer.withUnsafeReadableBytes(body)
    }

    static let typicalEncodedSize = 512
}

/// Transfer's byte 73: reserved (zero) in version 1, `options` in version 2.
enum TransferOptions {
    static let applyStandingInstruction: UInt8 = 0x01

    static func read(_ b: inout BodyReader) throws(ProtocolError) -> UInt8 {
        let value = try b.u8(b.version < 2 ? .reserved : .options)
        if b.version < 2 {
            guard value == 0 else { throw BodyReader.reservedNotZero() }
        } else if value & ~applyStandingInstruction != 0 {
            throw ProtocolError(.reservedNotZero, field: .options, detail: "options: only bit 0 is defined")
        }
        return value
    }
}

/// A flag that vectors and tools leave out of the JSON while it is false, so that the JSON of
/// a version-1 message stays as it was.
@propertyWrapper
public struct OmittedWhenFalse: Hashable, Sendable, Codable {
    public var wrappedValue: Bool
    public init(wrappedValue: Bool) { self.wrappedValue = wrappedValue }
    public init(from decoder: any Decoder) throws { wrappedValue = try decoder.singleValueContainer().decode(Bool.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

extension KeyedDecodingContainer {
    func decode(_ type: OmittedWhenFalse.Type, forKey key: Key) throws -> OmittedWhenFalse {
        try decodeIfPresent(type, forKey: key) ?? OmittedWhenFalse(wrappedValue: false)
    }
}

extension KeyedEncodingContainer {
    mutating func encode(_ value: OmittedWhenFalse, forKey key: Key) throws {
        if value.wrappedValue { try encodeIfPresent(value, forKey: key) }
    }
}
