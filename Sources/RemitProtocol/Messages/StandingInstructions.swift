/// Version 2. Registers, replaces or deletes the default split for one of the operator's
/// beneficiaries, named by the account the operator sends in `Transfer.beneficiaryAccount`.
///
/// The legs take their shares of every transfer to that beneficiary that opts in
/// (`applyStandingInstruction`); the transfer's own leg keeps the rest and stays leg 0. No legs
/// deletes the instruction. Answered by `StandingInstruction`.
///
/// ```swift
/// // 10 % of every opted-in transfer to ACC-2001 goes to a savings account at MFI1.
/// SetStandingInstruction(beneficiaryAccount: "ACC-2001", reference: "CONSENT-77",
///                        legs: [Leg(product: .savingsDeposit, share: 1_000, institution: "MFI1", account: "SAV-88")])
/// ```
public struct SetStandingInstruction: MessageBody {
    static let type = MessageType.setStandingInstruction
    static let blockLength = 0

    public var beneficiaryAccount: String
    /// The operator's own reference for the instruction (the beneficiary's consent, say).
    public var reference: String
    public var legs: [Leg]

    public init(beneficiaryAccount: String, reference: String = "", legs: [Leg]) {
        self.beneficiaryAccount = beneficiaryAccount
        self.reference = reference
        self.legs = legs
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        try StandingInstructionParts.encode(&w, beneficiaryAccount, reference, legs, limits: limits)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> SetStandingInstruction {
        _ = try r.block(minimum: blockLength)
        let (account, reference, legs) = try StandingInstructionParts.decode(&r, limits: limits)
        return SetStandingInstruction(beneficiaryAccount: account, reference: reference, legs: legs)
    }
}

/// Version 2. Asks for the standing instruction of one beneficiary; answered by
/// `StandingInstruction` (with no legs when there is none).
public struct GetStandingInstruction: MessageBody {
    static let type = MessageType.getStandingInstruction
    static let blockLength = 0

    public var beneficiaryAccount: String

    public init(beneficiaryAccount: String) { self.beneficiaryAccount = beneficiaryAccount }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        try w.string(beneficiaryAccount, .beneficiaryAccount, max: FieldLimit.account, ascii: true)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> GetStandingInstruction {
        _ = try r.block(minimum: blockLength)
        return GetStandingInstruction(
            beneficiaryAccount: try r.string(.beneficiaryAccount, max: FieldLimit.account, ascii: true))
    }
}

/// Version 2. A beneficiary's standing instruction as the gateway holds it: `revision` counts
/// its changes (0 and no legs: never set), `updatedAt` is the last one.
public struct StandingInstruction: MessageBody {
    static let type = MessageType.standingInstruction
    static let blockLength = 16

    public var updatedAt: Int64
    public var revision: UInt32
    public var beneficiaryAccount: String
    public var reference: String
    public var legs: [Leg]

    public init(updatedAt: Int64, revision: UInt32, beneficiaryAccount: String, reference: String = "", legs: [Leg]) {
        self.updatedAt = updatedAt
        self.revision = revision
        self.beneficiaryAccount = beneficiaryAccount
        self.reference = reference
        self.legs = legs
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.i64(updatedAt)
        w.u32(revision)
        w.u32(0)
        try StandingInstructionParts.encode(&w, beneficiaryAccount, reference, legs, limits: limits)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> StandingInstruction {
        var b = try r.block(minimum: blockLength)
        let updatedAt = try b.i64(.body)
        let revision = try b.u32(.body)
        guard try b.u32(.reserved) == 0 else { throw BodyReader.reservedNotZero() }
        let (account, reference, legs) = try StandingInstructionParts.decode(&r, limits: limits)
        return StandingInstruction(updatedAt: updatedAt, revision: revision, beneficiaryAccount: account,
                                   reference: reference, legs: legs)
    }
}

/// The variable part both instruction messages share: the account, the reference, the legs.
/// An instruction has at most `maxLegsPerTransfer - 1` legs: the transfer's own leg is the other.
enum StandingInstructionParts {
    static func maxLegs(_ limits: ProtocolLimits) -> Int { limits.maxLegsPerTransfer - 1 }

    static func encode(_ w: inout BodyWriter, _ account: String, _ reference: String, _ legs: [Leg],
                       limits: ProtocolLimits) throws(ProtocolError) {
        try w.string(account, .beneficiaryAccount, max: FieldLimit.account, ascii: true)
        try w.string(reference, .instructionReference, max: FieldLimit.operatorReference)
        try w.groupHeader(.legs, entryBlockLength: Leg.blockLength, count: legs.count, minimumCount: 0,
                          maxCount: maxLegs(limits))
        try w.entries("legs", legs, topLevel: true) { (w, leg) throws(ProtocolError) in try leg.encode(&w) }
    }

    static func decode(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError)
        -> (String, String, [Leg])
    {
        let account = try r.string(.beneficiaryAccount, max: FieldLimit.account, ascii: true)
        let reference = try r.string(.instructionReference, max: FieldLimit.operatorReference)
        let group = try r.group(.legs, minimumEntryBlock: Leg.blockLength, minimumCount: 0, maxCount: maxLegs(limits))
        let legs = try r.entries("legs", entryBlockLength: group.entryBlockLength, count: group.count, topLevel: true) {
            (b, r) throws(ProtocolError) in try Leg.decode(&b, &r)
        }
        return (account, reference, legs)
    }
}
