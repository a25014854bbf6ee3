import RemitDomain
import RemitFormats
import RemitLedger

/// What a partner's statement says against what the ledger says: every line matched to a payout
/// or reported as a break, the changes the statement proves (payouts in doubt paid or unpaid,
/// paid payouts reversed), and whether the statement agrees with itself (opening balance plus
/// booked lines equals closing balance).
///
/// ```swift
/// let result = Reconciler(partner: "MPESA", statements: statements, payouts: try ledger.partnerPayouts("MPESA"),
///                         label: "MPESA 2026-11-23").run()
/// result.breaks.count   // 0 on a good day
/// result.actions        // what to book through the daemon
/// ```
public struct Reconciliation: Sendable {
    public enum BreakType: String, Sendable, CaseIterable, Comparable {
        /// Matched to a payout, but the amount or currency differs.
        case amountMismatch = "amount-mismatch"
        /// Paid in the ledger within the statement's period; no line shows it.
        case missingAtPartner = "missing-at-partner"
        /// A line that is no payout of the ledger's, or a payout the ledger holds unpaid.
        case missingInLedger = "missing-in-ledger"
        /// A second line paying the same payout.
        case duplicateAtPartner = "duplicate-at-partner"
        /// The partner returned or reversed a payout the ledger has paid (booked as a reversal
        /// when the statement proves it), or the two disagree about a reversal.
        case returnedOrReversed = "returned-or-reversed"

        public static func < (a: BreakType, b: BreakType) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    public struct Break: Sendable, Hashable {
        public var type: BreakType
        /// The statement and its line, when a line is involved.
        public var statement: String?
        public var line: Int?
        /// The line's date, else the payout's ledger day.
        public var date: String?
        public var endToEndId: String?
        public var partnerReference: String?
        public var amount: Int64?
        public var currency: String?
        /// The payout it concerns, when one was found.
        public var payout: String?
        public var ledgerAmount: Int64?
        public var ledgerState: String?
        public var detail: String
        /// What reconciliation did about it ("reversal booked"), empty when operations must look.
        public var action: String = ""
    }

    /// A change the statement proves, made through the daemon's admin socket (one ledger writer).
    public enum Action: Sendable, Hashable {
        /// An open payout the partner booked: paid, with the partner's reference.
        case resolvePaid(PayoutKey, reference: String, evidence: String)
        /// An open payout the partner returned: not paid (refunded, or redirected as the sender chose).
        case resolveFailed(PayoutKey, evidence: String)
        /// A paid payout the partner returned or reversed.
        case reverse(PayoutKey, evidence: String)

        public var key: PayoutKey {
            switch self {
            case .resolvePaid(let key, _, _), .resolveFailed(let key, _), .reverse(let key, _): key
            }
        }

        public var name: String {
            switch self {
            case .resolvePaid: "resolve paid"
            case .resolveFailed: "resolve failed"
            case .reverse: "reverse"
            }
        }

        public var evidence: String {
            switch self {
            case .resolvePaid(_, _, let evidence), .resolveFailed(_, let evidence), .reverse(_, let evidence): evidence
            }
        }
    }

    public enum Method: String, Sendable, CaseIterable {
        case endToEndId = "end-to-end id"
        case reference = "partner reference"
        case amountAndDate = "amount and date"
    }

    /// A statement's own arithmetic: opening plus booked lines against closing.
    public struct BalanceCheck: Sendable, Hashable {
        public var statement: String
        public var currency: String?
        public var opening: Int64?
        public var movements: Int64
        public var closing: Int64?
        /// nil when the statement states no opening or closing balance.
        public var agrees: Bool? {
            guard let opening, let closing else { return nil }
            return opening &+ movements == closing
        }
        public var difference: Int64? {
            guard let opening, let closing else { return nil }
            return closing &- (opening &+ movements)
        }
    }

    /// Lines and breaks per day, for the report's chart.
    public struct Day: Sendable, Hashable {
        public var date: String
        public var matched: Int
        public var broken: Int

        public init(date: String, matched: Int, broken: Int) {
            self.date = date
            self.matched = matched
            self.broken = broken
        }
    }

    public var partner: String
    public var label: String
    public var lines = 0
    /// Lines matched to a payout with nothing wrong (including those that settle a payout in doubt).
    public var matched = 0
    public var matchedBy: [Method: Int] = [:]
    public var pending = 0
    /// Credits that are no payout's return: the float being funded, interest, fees.
    public var notPayouts = 0
    /// Open payouts (sent, in doubt) the statement does not show yet.
    public var openNotShown = 0
    /// Whether payouts missing from the statement were looked for: not for notifications
    /// (camt.054), which carry only some movements.
    public var checkedMissing = true
    /// The first and last day the statement covers, from its lines and balances.
    public var period: ClosedRange<String>?
    public var breaks: [Break] = []
    public var actions: [Action] = []
    public var balances: [BalanceCheck] = []
    public var days: [Day] = []

    public var isClean: Bool { breaks.isEmpty && balances.allSatisfy { $0.agrees != false } }

    /// `12.34` for 1234 minor units of a currency with two decimals.
    public static func amount(_ minor: Int64, _ code: String?) -> String {
        guard let code, let currency = try? Currency(code) else { return String(minor) }
        return Money(minor, currency).formatted
    }
}
