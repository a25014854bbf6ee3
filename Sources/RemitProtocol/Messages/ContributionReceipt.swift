/// Version 3. One contribution to a project and the matches it brought: an entry of
/// `ProjectStatement.receipts`, and the heart of `ContributionReceipt`.
///
/// Another operator's contribution shows no transfer id (all zero: none) and no contributor's
/// name; its number, amount, country and matches are public, as the project's transparency asks.
public struct Receipt: Hashable, Sendable, Codable {
    static let blockLength = 48

    /// A sponsor's match of the contribution, in the project's currency.
    public struct Match: Hashable, Sendable, Codable {
        static let blockLength = 8

        public var amount: Int64
        public var sponsorId: String

        public init(amount: Int64, sponsorId: String) {
            self.amount = amount
            self.sponsorId = sponsorId
        }
    }

    /// 1, 2, 3, ... within the project.
    public var number: UInt64
    /// The operator's own transfer; nil for another operator's.
    public var transferId: ID128?
    /// In the project's currency.
    public var amount: Int64
    public var receivedAt: Int64
    public var legIndex: UInt8
    public var state: ContributionState
    public var sendCountry: CountryCode
    /// The sender's name, for the operator's own contributions; empty for others'.
    public var contributorName: String
    public var matches: [Match]

    public init(number: UInt64, transferId: ID128?, amount: Int64, receivedAt: Int64, legIndex: UInt8,
                state: ContributionState, sendCountry: CountryCode, contributorName: String = "", matches: [Match]) {
        self.number = number
        self.transferId = transferId
        self.amount = amount
        self.receivedAt = receivedAt
        self.legIndex = legIndex
        self.state = state
        self.sendCountry = sendCountry
        self.contributorName = contributorName
        self.matches = matches
    }

    func encodeBlock(_ w: inout BodyWriter) {
        w.u64(number)
        w.id128(transferId)
        w.i64(amount)
        w.i64(receivedAt)
        w.u8(legIndex)
        w.wireEnum(state)
        w.country(sendCountry)
        w.u32(0)
    }

    func encodeVariablePart(_ w: inout BodyWriter) throws(ProtocolError) {
        try w.string(contributorName, .contributorName, max: FieldLimit.name)
        try w.groupHeader(.matches, entryBlockLength: Match.blockLength, count: matches.count, minimumCount: 0,
                          maxCount: ProjectLimit.matchesPerReceipt)
        try w.entries("matches", matches, topLevel: false) { (w, match) throws(ProtocolError) in
            w.i64(match.amount)
            try w.identifier(match.sponsorId, .sponsorId)
        }
    }

    static func decodeBlock(_ b: inout BodyReader) throws(ProtocolError) -> Receipt {
        let number = try b.u64(.body)
        let transferId = try b.optionalID128(.transferId)
        let amount = try b.i64(.amount), receivedAt = try b.i64(.body)
        let leg = try b.u8(.legIndex)
        let state = try b.wireEnum(ContributionState.self, .state)
        let country = try b.country(.sendCountry)
        guard try b.u32(.reserved) == 0 else { throw BodyReader.reservedNotZero() }
        return Receipt(number: number, transferId: transferId, amount: amount, receivedAt: receivedAt, legIndex: leg,
                       state: state, sendCountry: country, matches: [])
    }

    mutating func decodeVariablePart(_ r: inout BodyReader) throws(ProtocolError) {
        contributorName = try r.string(.contributorName, max: FieldLimit.name)
        let group = try r.group(.matches, minimumEntryBlock: Match.blockLength, minimumCount: 0,
                                maxCount: ProjectLimit.matchesPerReceipt)
        matches = try r.entries("matches", entryBlockLength: group.entryBlockLength, count: group.count, topLevel: false) {
            (b, r) throws(ProtocolError) in
            let amount = try b.i64(.amount)
            return Match(amount: amount, sponsorId: try r.identifier(.sponsorId))
        }
    }
}

/// Version 3. The receipt of one contribution, with its project's id, title and currency: the
/// answer to `GetContributionReceipt`.
public struct ContributionReceipt: MessageBody {
    static let type = MessageType.contributionReceipt
    static let blockLength = Receipt.blockLength + 4

    public var receipt: Receipt
    public var currency: CurrencyCode
    public var projectId: String
    public var title: String

    public init(receipt: Receipt, currency: CurrencyCode, projectId: String, title: String) {
        self.receipt = receipt
        self.currency = currency
        self.projectId = projectId
        self.title = title
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        receipt.encodeBlock(&w)
        w.currency(currency)
        w.u8(0)
        try w.identifier(projectId, .projectId)
        try w.string(title, .title, max: FieldLimit.projectText)
        try receipt.encodeVariablePart(&w)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> ContributionReceipt {
        var b = try r.block(minimum: blockLength)
        var receipt = try Receipt.decodeBlock(&b)
        let currency = try b.currency(.currency)
        try b.reserved8()
        let projectId = try r.identifier(.projectId)
        let title = try r.string(.title, max: FieldLimit.projectText)
        try receipt.decodeVariablePart(&r)
        return ContributionReceipt(receipt: receipt, currency: currency, projectId: projectId, title: title)
    }
}
