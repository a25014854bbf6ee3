/// Version 3. A project as it stands: its terms, the money raised, matched, held and disbursed,
/// each sponsor's part, each milestone, and the receipts after the one asked for. The answer to
/// `OpenProject` and `GetProject`.
///
/// Receipts are numbered 1, 2, 3, ... within the project; `contributions` counts them all. A
/// statement carries at most `ProjectLimit.receiptsPerStatement`: ask again with `afterReceipt`
/// set to the last one's number until it reaches `contributions`.
public struct ProjectStatement: MessageBody {
    static let type = MessageType.projectStatement
    static let blockLength = 60

    /// A sponsor's rule for the project and what it has matched.
    public struct Sponsor: Hashable, Sendable, Codable {
        static let blockLength = 48

        /// Millionths added per contributed unit: 1,000,000 is one for one.
        public var ratioPpm: Int32
        public var projectCap: Int64
        public var contributorCap: Int64
        /// Contributions below it are not matched.
        public var minContribution: Int64
        /// Matched so far, returned matches included (what `projectCap` counts).
        public var matched: Int64
        /// Returned to the sponsor by refunds.
        public var returned: Int64
        public var sponsorId: String
        public var name: String
        /// The send countries whose contributions it matches, comma-separated; empty: all.
        public var sendCountries: String

        public init(ratioPpm: Int32, projectCap: Int64, contributorCap: Int64, minContribution: Int64 = 0, matched: Int64,
                    returned: Int64 = 0, sponsorId: String, name: String, sendCountries: String = "") {
            self.ratioPpm = ratioPpm
            self.projectCap = projectCap
            self.contributorCap = contributorCap
            self.minContribution = minContribution
            self.matched = matched
            self.returned = returned
            self.sponsorId = sponsorId
            self.name = name
            self.sendCountries = sendCountries
        }

        func encode(_ w: inout BodyWriter) throws(ProtocolError) {
            w.i32(ratioPpm)
            w.u32(0)
            w.i64(projectCap)
            w.i64(contributorCap)
            w.i64(minContribution)
            w.i64(matched)
            w.i64(returned)
            try w.identifier(sponsorId, .sponsorId)
            try w.string(name, .name, max: FieldLimit.projectText)
            try w.string(sendCountries, .sendCountries, max: FieldLimit.sendCountries, ascii: true)
        }

        static func decode(_ b: inout BodyReader, _ r: inout BodyReader) throws(ProtocolError) -> Sponsor {
            let ratio = try b.i32(.body)
            guard try b.u32(.reserved) == 0 else { throw BodyReader.reservedNotZero() }
            let projectCap = try b.i64(.body), contributorCap = try b.i64(.body), minimum = try b.i64(.body)
            let matched = try b.i64(.body), returned = try b.i64(.body)
            let id = try r.identifier(.sponsorId)
            let name = try r.string(.name, max: FieldLimit.projectText)
            return Sponsor(ratioPpm: ratio, projectCap: projectCap, contributorCap: contributorCap, minContribution: minimum,
                           matched: matched, returned: returned, sponsorId: id, name: name,
                           sendCountries: try r.string(.sendCountries, max: FieldLimit.sendCountries, ascii: true))
        }
    }

    /// A milestone and its disbursement.
    public struct Milestone: Hashable, Sendable, Codable {
        static let blockLength = 24

        /// Planned; the last milestone pays what the project holds, surplus included.
        public var amount: Int64
        /// Paid, or being paid, to the beneficiary institution.
        public var disbursed: Int64
        public var state: MilestoneState
        public var description: String

        public init(amount: Int64, disbursed: Int64 = 0, state: MilestoneState = .pending, description: String) {
            self.amount = amount
            self.disbursed = disbursed
            self.state = state
            self.description = description
        }

        func encode(_ w: inout BodyWriter) throws(ProtocolError) {
            w.i64(amount)
            w.i64(disbursed)
            w.wireEnum(state)
            w.u8(0)
            w.u16(0)
            w.u32(0)
            try w.string(description, .description, max: FieldLimit.projectText)
        }

        static func decode(_ b: inout BodyReader, _ r: inout BodyReader) throws(ProtocolError) -> Milestone {
            let amount = try b.i64(.amount), disbursed = try b.i64(.body)
            let state = try b.wireEnum(MilestoneState.self, .state)
            try b.reserved8()
            try b.reserved16()
            guard try b.u32(.reserved) == 0 else { throw BodyReader.reservedNotZero() }
            return Milestone(amount: amount, disbursed: disbursed, state: state,
                             description: try r.string(.description, max: FieldLimit.projectText))
        }
    }

    public var target: Int64
    /// Every contribution received, refunded ones included.
    public var contributed: Int64
    /// Every sponsor's matches, returned ones included.
    public var matched: Int64
    /// What the project holds now and has not moved to pay a milestone.
    public var escrow: Int64
    public var disbursed: Int64
    public var deadline: Int64
    /// The number of receipts, the latest receipt's number.
    public var contributions: UInt32
    public var currency: CurrencyCode
    public var country: CountryCode
    public var state: ProjectState
    public var refundPolicy: ProjectRefundPolicy
    public var projectId: String
    public var associationId: String
    public var associationName: String
    public var title: String
    public var institution: String
    public var account: String
    public var sponsors: [Sponsor]
    public var milestones: [Milestone]
    public var receipts: [Receipt]

    public init(target: Int64, contributed: Int64, matched: Int64, escrow: Int64, disbursed: Int64, deadline: Int64,
                contributions: UInt32, currency: CurrencyCode, country: CountryCode, state: ProjectState,
                refundPolicy: ProjectRefundPolicy, projectId: String, associationId: String, associationName: String,
                title: String, institution: String, account: String, sponsors: [Sponsor], milestones: [Milestone],
                receipts: [Receipt]) {
        self.target = target
        self.contributed = contributed
        self.matched = matched
        self.escrow = escrow
        self.disbursed = disbursed
        self.deadline = deadline
        self.contributions = contributions
        self.currency = currency
        self.country = country
        self.state = state
        self.refundPolicy = refundPolicy
        self.projectId = projectId
        self.associationId = associationId
        self.associationName = associationName
        self.title = title
        self.institution = institution
        self.account = account
        self.sponsors = sponsors
        self.milestones = milestones
        self.receipts = receipts
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        for money in [target, contributed, matched, escrow, disbursed, deadline] { w.i64(money) }
        w.u32(contributions)
        w.currency(currency)
        w.country(country)
        w.wireEnum(state)
        w.wireEnum(refundPolicy)
        w.u8(0)
        try ProjectStrings.encode(&w, (projectId, associationId, associationName, title, institution, account))
        try w.groupHeader(.sponsors, entryBlockLength: Sponsor.blockLength, count: sponsors.count, minimumCount: 0,
                          maxCount: ProjectLimit.sponsors)
        try w.entries("sponsors", sponsors, topLevel: true) { (w, s) throws(ProtocolError) in try s.encode(&w) }
        try w.groupHeader(.milestones, entryBlockLength: Milestone.blockLength, count: milestones.count, minimumCount: 1,
                          maxCount: ProjectLimit.milestones)
        try w.entries("milestones", milestones, topLevel: true) { (w, m) throws(ProtocolError) in try m.encode(&w) }
        try w.groupHeader(.receipts, entryBlockLength: Receipt.blockLength, count: receipts.count, minimumCount: 0,
                          maxCount: ProjectLimit.receiptsPerStatement)
        try w.entries("receipts", receipts, topLevel: true) { (w, receipt) throws(ProtocolError) in
            receipt.encodeBlock(&w)
            try receipt.encodeVariablePart(&w)
        }
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> ProjectStatement {
        var b = try r.block(minimum: blockLength)
        let target = try b.i64(.target), contributed = try b.i64(.body), matched = try b.i64(.body)
        let escrow = try b.i64(.body), disbursed = try b.i64(.body), deadline = try b.i64(.deadline)
        let contributions = try b.u32(.body)
        let currency = try b.currency(.currency)
        let country = try b.country(.country)
        let state = try b.wireEnum(ProjectState.self, .state)
        let policy = try b.wireEnum(ProjectRefundPolicy.self, .refundPolicy)
        try b.reserved8()
        let (projectId, associationId, associationName, title, institution, account) = try ProjectStrings.decode(&r)
        var group = try r.group(.sponsors, minimumEntryBlock: Sponsor.blockLength, minimumCount: 0,
                                maxCount: ProjectLimit.sponsors)
        let sponsors = try r.entries("sponsors", entryBlockLength: group.entryBlockLength, count: group.count,
                                     topLevel: true) { (b, r) throws(ProtocolError) in try Sponsor.decode(&b, &r) }
        group = try r.group(.milestones, minimumEntryBlock: Milestone.blockLength, minimumCount: 1,
                            maxCount: ProjectLimit.milestones)
        let milestones = try r.entries("milestones", entryBlockLength: group.entryBlockLength, count: group.count,
                                       topLevel: true) { (b, r) throws(ProtocolError) in try Milestone.decode(&b, &r) }
        group = try r.group(.receipts, minimumEntryBlock: Receipt.blockLength, minimumCount: 0,
                            maxCount: ProjectLimit.receiptsPerStatement)
        let receipts = try r.entries("receipts", entryBlockLength: group.entryBlockLength, count: group.count,
                                     topLevel: true) { (b, r) throws(ProtocolError) in
            var receipt = try Receipt.decodeBlock(&b)
            try receipt.decodeVariablePart(&r)
            return receipt
        }
        return ProjectStatement(target: target, contributed: contributed, matched: matched, escrow: escrow,
                                disbursed: disbursed, deadline: deadline, contributions: contributions, currency: currency,
                                country: country, state: state, refundPolicy: policy, projectId: projectId,
                                associationId: associationId, associationName: associationName, title: title,
                                institution: institution, account: account, sponsors: sponsors, milestones: milestones,
                                receipts: receipts)
    }
}
