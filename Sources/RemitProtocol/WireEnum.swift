/// An enumeration carried as a u8 (PROTOCOL.md section 5). In JSON it is written by name, the
/// case name in capitals with underscores (`mobileWallet` is `MOBILE_WALLET`), as the spec does.
public protocol WireEnum: RawRepresentable, CaseIterable, Codable, Hashable, Sendable
where RawValue == UInt8 {}

extension WireEnum {
    /// The name PROTOCOL.md uses for the value.
    public var name: String {
        var out = ""
        for character in String(describing: self) {
            if character.isUppercase { out.append("_") }
            out.append(contentsOf: character.uppercased())
        }
        return out
    }

    public init?(name: String) {
        guard let value = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(name: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown \(Self.self): \(text)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// Which amount of a quote or transfer the client fixes.
public enum AmountMode: UInt8, WireEnum {
    /// `amount` is what is converted, in the send currency; the fee comes on top.
    case send = 1
    /// `amount` is the total paid out, in the payout currency.
    case receive = 2
}

/// What a payout leg does with its money.
public enum Product: UInt8, WireEnum {
    case mobileWallet = 1
    case cashPickup = 2
    case accountCredit = 3
    case savingsDeposit = 4
    case loanRepayment = 5
    case insurancePremium = 6
    case educationFund = 7
    case pensionContribution = 8
    case rotatingSavings = 9
    case projectContribution = 10

    /// The case's name as configuration and the ledger write it (`mobileWallet`). The same as
    /// `"\(product)"`, which goes through reflection: a microsecond, several times per transfer.
    public var caseName: String {
        switch self {
        case .mobileWallet: "mobileWallet"
        case .cashPickup: "cashPickup"
        case .accountCredit: "accountCredit"
        case .savingsDeposit: "savingsDeposit"
        case .loanRepayment: "loanRepayment"
        case .insurancePremium: "insurancePremium"
        case .educationFund: "educationFund"
        case .pensionContribution: "pensionContribution"
        case .rotatingSavings: "rotatingSavings"
        case .projectContribution: "projectContribution"
        }
    }
}

/// Purpose of the remittance, as senders declare it.
public enum Purpose: UInt8, WireEnum {
    case familySupport = 1
    case education = 2
    case medical = 3
    case savings = 4
    case housing = 5
    case business = 6
    case gift = 7
    case salary = 8
    case communityProject = 9
    case loanRepayment = 10
    case other = 11
}

/// The sender's choice for a leg that cannot be paid out.
public enum LegFailurePolicy: UInt8, WireEnum {
    case refundLeg = 1
    case redirectToFirstLeg = 2
}

/// A transfer's state; states only move forward (PROTOCOL.md section 5).
public enum TransferState: UInt8, WireEnum {
    case accepted = 1
    case dispatched = 2
    case inDoubt = 3
    case paid = 4
    case failed = 5
    case refunded = 6
    case cancelled = 7
    case reversed = 8
    case rejected = 9
    case inReview = 10
    case partiallyPaid = 11
}

/// A payout leg's state.
public enum LegState: UInt8, WireEnum {
    case pending = 1
    case dispatched = 2
    case inDoubt = 3
    case paid = 4
    case failed = 5
    case refunded = 6
    case redirected = 7
    case cancelled = 8
    case reversed = 9
}

/// Version 3: what happens to a project's contributions when it misses its deadline.
public enum ProjectRefundPolicy: UInt8, WireEnum {
    /// Each contribution's amount and the transfer's fee return to the sender's operator.
    case full = 1
    /// The contribution's amount returns; the fee is kept.
    case amount = 2
}

/// Version 3: a project's state. `FUNDED` takes no more contributions and waits for its
/// milestones; `COMPLETED` has paid them all.
public enum ProjectState: UInt8, WireEnum {
    case open = 1
    case funded = 2
    case refunding = 3
    case refunded = 4
    case completed = 5
}

/// Version 3: a milestone's disbursement. `FAILED`: the payment was refunded to the project and
/// may be made again.
public enum MilestoneState: UInt8, WireEnum {
    case pending = 1
    case disbursing = 2
    case paid = 3
    case failed = 4
}

/// Version 3: a contribution is held in the project's escrow until disbursed, or refunded.
public enum ContributionState: UInt8, WireEnum {
    case held = 1
    case refunded = 2
}
