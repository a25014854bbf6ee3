import RemitDomain

/// What an account is, which fixes its normal balance: assets and expenses grow with debits,
/// liabilities, equity and revenue with credits.
public enum AccountType: String, Sendable, CaseIterable {
    case asset, liability, equity, revenue, expense

    /// +1 when the normal balance is a debit, −1 when it is a credit.
    public var normalSign: Int64 {
        switch self {
        case .asset, .expense: 1
        case .liability, .equity, .revenue: -1
        }
    }
}

/// A readable, unique account code: `operator/ACME/prefund/USD`. The last segment is always the
/// account's currency; an account holds one currency only.
///
/// ```swift
/// AccountCode.operatorPrefund("ACME", usd).text   // "operator/ACME/prefund/USD"
/// ```
public struct AccountCode: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let text: String
    public let type: AccountType
    public let currency: Currency

    /// `text` is the code without its currency; `names` are the caller-supplied segments in it
    /// (operator or partner ids), which must be non-empty and hold no slash.
    init(_ text: String, names: String..., type: AccountType, currency: Currency) {
        precondition(names.allSatisfy { !$0.isEmpty && !$0.utf8.contains(UInt8(ascii: "/")) },
                     "bad account segment in \(names)")
        self.text = text + "/" + currency.code
        self.type = type
        self.currency = currency
    }

    public var description: String { text }
    public static func < (lhs: AccountCode, rhs: AccountCode) -> Bool { lhs.text < rhs.text }

    /// Money the gateway owes an operator: its prefunded balance. Transfers are held from it.
    public static func operatorPrefund(_ operatorId: String, _ currency: Currency) -> AccountCode {
        AccountCode("operator/\(operatorId)/prefund", names: operatorId, type: .liability, currency: currency)
    }

    /// An operator's money held for accepted transfers not yet paid out or refunded.
    public static func operatorHolds(_ operatorId: String, _ currency: Currency) -> AccountCode {
        AccountCode("operator/\(operatorId)/holds", names: operatorId, type: .liability, currency: currency)
    }

    /// The gateway's bank account that operators fund and withdraw through.
    public static func settlement(_ currency: Currency) -> AccountCode {
        AccountCode("settlement", type: .asset, currency: currency)
    }

    /// Money prefunded at a payout partner, spent as it pays out.
    public static func partnerFloat(_ partner: String, _ currency: Currency) -> AccountCode {
        AccountCode("partner/\(partner)/float", names: partner, type: .asset, currency: currency)
    }

    /// The FX position in one currency: a cross-currency remittance passes through the position
    /// in each of its currencies, so every entry balances per currency.
    public static func fxPosition(_ currency: Currency) -> AccountCode {
        AccountCode("fx/position", type: .asset, currency: currency)
    }

    public static func feeRevenue(_ currency: Currency) -> AccountCode {
        AccountCode("revenue/fees", type: .revenue, currency: currency)
    }

    public static func fxMarginRevenue(_ currency: Currency) -> AccountCode {
        AccountCode("revenue/fx-margin", type: .revenue, currency: currency)
    }

    /// Where conversion rounding remainders go, so none is lost: payouts round down, so the
    /// gateway keeps the fraction of a minor unit, and it shows here as revenue.
    public static func rounding(_ currency: Currency) -> AccountCode {
        AccountCode("revenue/fx-rounding", type: .revenue, currency: currency)
    }

    /// Money held for a collective-remittance project: its contributions and its sponsors'
    /// matches, until a milestone is disbursed or the project is refunded. Never below zero.
    public static func projectEscrow(_ projectId: String, _ currency: Currency) -> AccountCode {
        AccountCode("project/\(projectId)/escrow", names: projectId, type: .liability, currency: currency)
    }

    /// A sponsor's deposited money not yet committed to a project: matches are taken from it,
    /// never below zero, and returned to it when a project is refunded.
    public static func sponsorBudget(_ sponsorId: String, _ currency: Currency) -> AccountCode {
        AccountCode("sponsor/\(sponsorId)/budget", names: sponsorId, type: .liability, currency: currency)
    }

    /// Money whose destination is not yet known (an unmatched statement line, say).
    public static func suspense(_ currency: Currency) -> AccountCode {
        AccountCode("suspense", type: .liability, currency: currency)
    }
}
