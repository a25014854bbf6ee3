import RemitDomain

/// A remittance as the ledger records it when it arrives: either accepted on terms the domain
/// computed (the ledger may still refuse it for insufficient prefund), or rejected with a reason.
/// Rejections are recorded too, because a failed id stays failed.
public struct TransferSubmission: Hashable, Sendable {
    public var operatorId: String
    public var transferId: TransferID
    /// SHA-256 of the transfer's content as submitted (its encoding, `Transfer.canonicalBytes`): the same id with
    /// the same hash gets the stored result, with another hash `idReused`.
    public var contentHash: [UInt8]
    public var decision: Decision
    /// What the transfer said about itself, kept for its status whatever the decision.
    public var details: Details
    /// Who it counts against and their limits; nil counts nothing (no limits configured).
    public var volume: VolumeParties?
    /// The screening decisions taken on its parties, recorded with it.
    public var screenings: [ScreeningRecord] = [] { didSet { parties = Screenings.Parties(screenings) } }
    /// The screenings by party and laid out for the chain's hash, kept in step with `screenings`.
    private(set) var parties = Screenings.Parties.none

    /// The parts of a submitted transfer that its status reports back, accepted or rejected.
    /// Codes are kept as the client sent them (a rejection may be for an unknown currency).
    public struct Details: Hashable, Sendable {
        public var operatorReference: String
        public var sendCurrency: String?
        public var payoutCurrency: String?
        public var sendCountry: String?
        public var payoutCountry: String?
        public var quoteId: TransferID?
        /// The applied rate times 10^9 (PROTOCOL.md `rate`), 0 if none was applied.
        public var rate: Int64
        /// The reference mid rate the applied rate was taken from, times 10^9; 0 if none. The
        /// margin between the two is posted to FX revenue when a leg is paid.
        public var referenceRate: Int64
        /// A leg that cannot be paid: refunded, or (`redirectToFirstLeg`) paid through the first
        /// leg's destination.
        public var redirectToFirstLeg: Bool
        /// The parties, as partners need them to pay out (FATF Recommendation 16).
        public var senderName: String
        public var senderAccount: String
        public var beneficiaryName: String
        /// The revision of the beneficiary's standing instruction whose legs the transfer took.
        public var standingInstructionRevision: Int64?

        public init(operatorReference: String = "", sendCurrency: String? = nil, payoutCurrency: String? = nil,
                    sendCountry: String? = nil, payoutCountry: String? = nil, quoteId: TransferID? = nil,
                    rate: Int64 = 0, referenceRate: Int64 = 0, redirectToFirstLeg: Bool = false,
                    senderName: String = "", senderAccount: String = "", beneficiaryName: String = "") {
            self.redirectToFirstLeg = redirectToFirstLeg
            self.senderName = senderName
            self.senderAccount = senderAccount
            self.beneficiaryName = beneficiaryName
            self.operatorReference = operatorReference
            self.sendCurrency = sendCurrency
            self.payoutCurrency = payoutCurrency
            self.sendCountry = sendCountry
            self.payoutCountry = payoutCountry
            self.quoteId = quoteId
            self.rate = rate
            self.referenceRate = referenceRate
        }
    }

    public enum Decision: Hashable, Sendable {
        case accept(Terms)
        case reject(ReasonCode, field: UInt16)
    }

    public struct Terms: Hashable, Sendable {
        public var sendAmount: Money
        public var fee: Money
        public var payoutAmount: Money
        public var legs: [LegPlan]
        /// When an unsettled hold lapses back to the prefund.
        public var holdExpiresAt: Int64
        /// Held for compliance review: recorded `inReview` with its hold, sent to no partner until
        /// approved.
        public var review: Bool

        public init(sendAmount: Money, fee: Money, payoutAmount: Money, legs: [LegPlan], holdExpiresAt: Int64,
                    review: Bool = false) {
            self.review = review
            self.sendAmount = sendAmount
            self.fee = fee
            self.payoutAmount = payoutAmount
            self.legs = legs
            self.holdExpiresAt = holdExpiresAt
        }
    }

    public struct LegPlan: Hashable, Sendable {
        public var product: String
        public var institution: String
        public var account: String
        public var share: UInt16
        public var payoutAmount: Int64

        public init(product: String, institution: String, account: String, share: UInt16, payoutAmount: Int64) {
            self.product = product
            self.institution = institution
            self.account = account
            self.share = share
            self.payoutAmount = payoutAmount
        }
    }

    public init(operatorId: String, transferId: TransferID, contentHash: [UInt8], decision: Decision,
                details: Details = Details(), volume: VolumeParties? = nil) {
        self.volume = volume
        self.operatorId = operatorId
        self.transferId = transferId
        self.contentHash = contentHash
        self.decision = decision
        self.details = details
    }

    /// The id of the hold an accepted transfer places on its operator's prefund for a leg: the
    /// first leg's is the transfer's own id, the others' add their index.
    public static func holdId(_ operatorId: String, _ transferId: TransferID, leg: Int = 0) -> String {
        let id = Holds.transferNamespace + "\(operatorId)/\(transferId)"
        return leg == 0 ? id : "\(id)/\(leg)"
    }

    /// The transfer and leg whose hold `holdId(_:_:leg:)` named `id`; nil for any other id.
    ///
    ///     legOfHold("transfer/ACME/0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07/1")  // ("ACME", 0191f3c2-…, 1)
    static func legOfHold(_ id: String) -> (operatorId: String, transferId: TransferID, leg: Int)? {
        guard id.hasPrefix(Holds.transferNamespace) else { return nil }
        var parts = id.dropFirst(Holds.transferNamespace.count).split(separator: "/", omittingEmptySubsequences: false)
        var leg = 0
        if parts.count >= 3, let index = Int(parts[parts.count - 1]), index > 0, "\(index)" == parts[parts.count - 1] {
            leg = index
            parts.removeLast()
        }
        guard parts.count >= 2, let transferId = TransferID(uuid: String(parts.removeLast())) else { return nil }
        let operatorId = parts.joined(separator: "/")
        guard !operatorId.isEmpty, holdId(operatorId, transferId, leg: leg) == id else { return nil }
        return (operatorId, transferId, leg)
    }

    /// What each leg holds: its share of the send amount and of the fee, split like the payout
    /// (each rounded down, the remainder to the first leg), so that the legs add up to the whole.
    public static func legHolds(sendAmount: Int64, fee: Int64, shares: [UInt16]) -> [(send: Int64, fee: Int64)] {
        let sends = LegSplit.amounts(payout: sendAmount, shares: shares), fees = LegSplit.amounts(payout: fee, shares: shares)
        return Array(zip(sends, fees)).map { (send: $0, fee: $1) }
    }
}

/// What the ledger recorded for a submitted transfer, or had recorded for it before.
public struct TransferReceipt: Hashable, Sendable {
    public var transferId: TransferID
    public var state: TransferState
    public var reason: ReasonCode
    public var field: UInt16
    /// The id was submitted before with the same content: this is its stored result.
    public var replayed: Bool
    public var recordedAt: Int64
    public var sendAmount: Int64
    public var fee: Int64
    public var payoutAmount: Int64
}
