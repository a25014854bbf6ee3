/// Version 3. Opens a hometown association's community project (a school, a well, a clinic):
/// contributions to it are legs of product `PROJECT_CONTRIBUTION` whose `account` is `projectId`.
///
/// The operator registers the association with its first project; later projects name the same
/// association. The same request again is answered with the stored project; other details under
/// a registered id are `4008 PROJECT_EXISTS`. Answered by `ProjectStatement`.
///
/// ```swift
/// OpenProject(projectId: "KISUMU-CLINIC", associationId: "KISUMU-HTA", associationName: "Kisumu Hometown Association",
///             title: "Community clinic, Kisumu", target: 50_000_000, deadline: endOf2027, currency: CurrencyCode("KES")!,
///             country: CountryCode("KE")!, refundPolicy: .full, institution: "KMFI", account: "CLINIC-0042",
///             milestones: [.init(amount: 30_000_000, description: "Foundations and walls"),
///                          .init(amount: 20_000_000, description: "Roof, water and solar power")])
/// ```
public struct OpenProject: MessageBody {
    static let type = MessageType.openProject
    static let blockLength = 24

    /// One stage of the project; the milestones' amounts add up to the target.
    public struct Milestone: Hashable, Sendable, Codable {
        static let blockLength = 8

        public var amount: Int64
        public var description: String

        public init(amount: Int64, description: String) {
            self.amount = amount
            self.description = description
        }

        func encode(_ w: inout BodyWriter) throws(ProtocolError) {
            w.i64(amount)
            try w.string(description, .description, max: FieldLimit.projectText)
        }

        static func decode(_ b: inout BodyReader, _ r: inout BodyReader) throws(ProtocolError) -> Milestone {
            let amount = try b.i64(.amount)
            return Milestone(amount: amount, description: try r.string(.description, max: FieldLimit.projectText))
        }
    }

    public var projectId: String
    public var associationId: String
    public var associationName: String
    public var title: String
    /// Minor units of `currency`.
    public var target: Int64
    /// Contributions are taken until then; a project not funded by then is refunded.
    public var deadline: Int64
    public var currency: CurrencyCode
    /// Where the association's projects are.
    public var country: CountryCode
    public var refundPolicy: ProjectRefundPolicy
    /// The beneficiary institution and the account there that milestones are paid to.
    public var institution: String
    public var account: String
    public var milestones: [Milestone]

    public init(projectId: String, associationId: String, associationName: String, title: String, target: Int64,
                deadline: Int64, currency: CurrencyCode, country: CountryCode, refundPolicy: ProjectRefundPolicy,
                institution: String, account: String, milestones: [Milestone]) {
        self.projectId = projectId
        self.associationId = associationId
        self.associationName = associationName
        self.title = title
        self.target = target
        self.deadline = deadline
        self.currency = currency
        self.country = country
        self.refundPolicy = refundPolicy
        self.institution = institution
        self.account = account
        self.milestones = milestones
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.i64(target)
        w.i64(deadline)
        w.currency(currency)
        w.country(country)
        w.wireEnum(refundPolicy)
        w.u16(0)
        try ProjectStrings.encode(&w, (projectId, associationId, associationName, title, institution, account))
        try w.groupHeader(.milestones, entryBlockLength: Milestone.blockLength, count: milestones.count, minimumCount: 1,
                          maxCount: ProjectLimit.milestones)
        try w.entries("milestones", milestones, topLevel: true) { (w, m) throws(ProtocolError) in try m.encode(&w) }
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> OpenProject {
        var b = try r.block(minimum: blockLength)
        let target = try b.i64(.target)
        let deadline = try b.i64(.deadline)
        let currency = try b.currency(.currency)
        let country = try b.country(.country)
        let policy = try b.wireEnum(ProjectRefundPolicy.self, .refundPolicy)
        try b.reserved16()
        let (projectId, associationId, associationName, title, institution, account) = try ProjectStrings.decode(&r)
        let group = try r.group(.milestones, minimumEntryBlock: Milestone.blockLength, minimumCount: 1,
                                maxCount: ProjectLimit.milestones)
        let milestones = try r.entries("milestones", entryBlockLength: group.entryBlockLength, count: group.count,
                                       topLevel: true) { (b, r) throws(ProtocolError) in try Milestone.decode(&b, &r) }
        return OpenProject(projectId: projectId, associationId: associationId, associationName: associationName,
                           title: title, target: target, deadline: deadline, currency: currency, country: country,
                           refundPolicy: policy, institution: institution, account: account, milestones: milestones)
    }
}

/// Version 3. Asks for a project's statement, with the receipts numbered after `afterReceipt`
/// (up to `ProjectLimit.receiptsPerStatement` of them). Any operator may read any project: an
/// association's members send through several operators. Answered by `ProjectStatement`.
public struct GetProject: MessageBody {
    static let type = MessageType.getProject
    static let blockLength = 8

    public var afterReceipt: UInt64
    public var projectId: String

    public init(projectId: String, afterReceipt: UInt64 = 0) {
        self.projectId = projectId
        self.afterReceipt = afterReceipt
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.u64(afterReceipt)
        try w.identifier(projectId, .projectId)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> GetProject {
        var b = try r.block(minimum: blockLength)
        let after = try b.u64(.afterReceipt)
        return GetProject(projectId: try r.identifier(.projectId), afterReceipt: after)
    }
}

/// Version 3. Asks for the receipt of the contribution one of the operator's transfers made
/// with its leg `legIndex`. Answered by `ContributionReceipt`; `3003 NOT_FOUND` until the leg
/// is settled, for a leg that contributes nothing, and for another operator's transfer.
public struct GetContributionReceipt: MessageBody {
    static let type = MessageType.getContributionReceipt
    static let blockLength = 17

    public var transferId: ID128
    public var legIndex: UInt8

    public init(transferId: ID128, legIndex: UInt8 = 0) {
        self.transferId = transferId
        self.legIndex = legIndex
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.id128(transferId)
        w.u8(legIndex)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> GetContributionReceipt {
        var b = try r.block(minimum: blockLength)
        let id = try b.id128(.transferId)
        return GetContributionReceipt(transferId: id, legIndex: try b.u8(.legIndex))
    }
}

/// The strings that open the variable part of `OpenProject` and `ProjectStatement`: the
/// project's and association's ids, the association's name, the title, and the beneficiary
/// institution and account.
enum ProjectStrings {
    typealias Fields = (projectId: String, associationId: String, associationName: String, title: String,
                        institution: String, account: String)

    static func encode(_ w: inout BodyWriter, _ f: Fields) throws(ProtocolError) {
        try w.identifier(f.projectId, .projectId)
        try w.identifier(f.associationId, .associationId)
        try w.string(f.associationName, .associationName, max: FieldLimit.projectText)
        try w.string(f.title, .title, max: FieldLimit.projectText)
        try w.string(f.institution, .institution, max: FieldLimit.institution, ascii: true)
        try w.string(f.account, .account, max: FieldLimit.account, ascii: true)
    }

    static func decode(_ r: inout BodyReader) throws(ProtocolError) -> Fields {
        (try r.identifier(.projectId), try r.identifier(.associationId),
         try r.string(.associationName, max: FieldLimit.projectText), try r.string(.title, max: FieldLimit.projectText),
         try r.string(.institution, max: FieldLimit.institution, ascii: true),
         try r.string(.account, max: FieldLimit.account, ascii: true))
    }
}
