import RemitDomain

/// A partner's statement of the gateway's account there (its float), whatever file it came in:
/// the lines to match against the ledger's payouts, and the balances that must agree with them.
/// Amounts are minor units of the line's currency, never floating point.
///
/// ```swift
/// let statements = try CamtStatement.parse(data)         // camt.053 or camt.054
/// let statement = try CSVStatement.parse(text, mapping)   // a partner's CSV export
/// for line in statement.lines where line.endToEndId != nil { … }
/// ```
public struct PartnerStatement: Equatable, Sendable {
    /// Which way money moved on the gateway's account at the partner.
    public enum Direction: String, Equatable, Sendable {
        /// Out of the float: a payout.
        case debit
        /// Into it: a funding, a returned or reversed payout.
        case credit
    }

    public enum Status: String, Equatable, Sendable {
        /// Booked on the account.
        case booked
        /// Announced, not booked yet (camt `PDNG`), or for information only (`INFO`).
        case pending
        /// A booked entry that cancels an earlier one (camt `RvslInd` true): its direction is
        /// the opposite of the entry it reverses.
        case reversal
    }

    public struct Line: Equatable, Sendable {
        /// Where it is in the file: 1-based, in the order read (for break reports).
        public var number: Int
        /// The id the gateway sent with the payout, echoed by the partner: the leg's idempotency
        /// key (`ACME-0191f3c2-…-0`), when the partner carries it.
        public var endToEndId: String?
        /// The partner's own reference for the movement.
        public var reference: String?
        public var amount: Int64
        public var currency: String
        public var direction: Direction
        public var status: Status
        /// `YYYY-MM-DD`, the booking date (or the value date when there is no booking date).
        public var date: String?
        /// Why it came back: an ISO 20022 return reason (`AC01`, …) or the partner's own words.
        public var returnReason: String?

        public init(number: Int, endToEndId: String? = nil, reference: String? = nil, amount: Int64, currency: String,
                    direction: Direction, status: Status = .booked, date: String? = nil, returnReason: String? = nil) {
            self.number = number
            self.endToEndId = endToEndId
            self.reference = reference
            self.amount = amount
            self.currency = currency
            self.direction = direction
            self.status = status
            self.date = date
            self.returnReason = returnReason
        }
    }

    /// A balance as the statement gives it: signed minor units (credit positive), on a date.
    public struct Balance: Equatable, Sendable {
        public var amount: Int64
        public var currency: String
        public var date: String?

        public init(amount: Int64, currency: String, date: String?) {
            self.amount = amount
            self.currency = currency
            self.date = date
        }
    }

    /// The statement's or notification's own id.
    public var id: String
    /// The account it is about: an IBAN, or the partner's own account id.
    public var account: String?
    public var currency: String?
    public var opening: Balance?
    public var closing: Balance?
    public var lines: [Line]
    /// Every movement of its period, as a statement (camt.053) or an export lists them; false for
    /// a notification (camt.054), which carries only the movements it reports, so that a payout
    /// absent from it is not missing.
    public var complete: Bool

    public init(id: String, account: String? = nil, currency: String? = nil, opening: Balance? = nil,
                closing: Balance? = nil, lines: [Line], complete: Bool = true) {
        self.complete = complete
        self.id = id
        self.account = account
        self.currency = currency
        self.opening = opening
        self.closing = closing
        self.lines = lines
    }

    /// Why a statement file cannot be read: what is wrong and where.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// The most lines one statement may hold: a day of a large partner's payouts, with room.
    public static let maxLines = 2_000_000

    /// Booked lines only, credits positive: what opening plus movements must make the closing.
    public var bookedNet: Int64 {
        lines.reduce(Int64(0)) { sum, line in
            guard line.status != .pending else { return sum }
            return sum &+ (line.direction == .credit ? line.amount : 0 &- line.amount)
        }
    }

    /// Minor units of `text` (`"1234.50"`) in `currency`, or why not.
    static func minorUnits(_ text: String, _ currency: String, at place: String) throws(Invalid) -> Int64 {
        guard let unit = try? Currency(currency) else { throw Invalid("\(place): unknown currency \"\(currency.prefix(8))\"") }
        guard let minor = Money.parseMinorUnits(text, unit), minor >= 0 else {
            throw Invalid("\(place): \"\(text.prefix(40))\" is not an amount in \(currency) (at most \(unit.exponent) decimals)")
        }
        return minor
    }
}
