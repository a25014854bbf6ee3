import Foundation
import GRDB
import RemitDomain

/// One payout the ledger sent to a partner, as reconciliation compares it with the partner's
/// statement: which leg (and whether it is a redirected leg's payout, key suffix `r`), how much,
/// where the ledger says it stands, and the partner's reference once paid.
public struct PartnerPayout: Hashable, Sendable {
    /// Where the ledger says the payout stands, reduced to what a statement can confirm.
    public enum Standing: String, Hashable, Sendable {
        /// Sent, no answer yet, or in doubt: a statement line can settle it.
        case open
        /// Paid (for a redirected leg: its payout through the first leg's destination).
        case paid
        /// Paid, then reversed by a new entry.
        case reversed
        /// Refunded, failed, cancelled: the ledger holds that no money left.
        case unpaid
    }

    public var key: PayoutKey
    public var amount: Int64
    public var currency: String
    public var standing: Standing
    /// The leg's state as recorded (for reports).
    public var state: LegState
    public var partnerReference: String
    /// When its transfer last changed (ms since the epoch): the payout's date for matching by
    /// amount and date, and for deciding which payouts a statement's period should show.
    public var updatedAt: Int64

    public init(key: PayoutKey, amount: Int64, currency: String, standing: Standing, state: LegState,
                partnerReference: String = "", updatedAt: Int64) {
        self.key = key
        self.amount = amount
        self.currency = currency
        self.standing = standing
        self.state = state
        self.partnerReference = partnerReference
        self.updatedAt = updatedAt
    }
}

extension Ledger {
    /// Every payout sent to `partner`: legs dispatched there, and redirected legs' payouts
    /// routed there. One pass over the legs, for statements of any size.
    ///
    /// ```swift
    /// let payouts = try ledger.partnerPayouts("MPESA")
    /// let open = payouts.filter { $0.standing == .open }
    /// ```
    public func partnerPayouts(_ partner: String) throws -> [PartnerPayout] {
        try pool.read { db in
            let rows = try Row.fetchCursor(db, sql: LegPlace.eachPlace { from, leg in
                """
                SELECT t.operator_id, t.transfer_id, \(leg("leg_index")) AS leg_index, \(leg("state")) AS state,
                       \(leg("payout_amount")) AS payout_amount, \(leg("partner_reference")) AS partner_reference,
                       t.payout_currency, t.updated_at, \(leg("redirect_state")) AS redirect_state
                FROM \(from)
                WHERE \(leg("partner")) = ?1
                """
            }, arguments: [partner])
            var payouts: [PartnerPayout] = []
            while let row = try rows.next() {
                guard let id = TransferID(bytes: [UInt8](row["transfer_id"] as Data)),
                      let state = LegState(rawValue: row["state"])
                else { continue }
                // A REDIRECTED leg's own payout failed; the payout recorded against this partner
                // is the redirected one, open while the outbox still has it, paid once it left.
                let redirected = state == .redirected
                let redirectState = (row["redirect_state"] as String?).flatMap(LegState.init(rawValue:))
                let standing: PartnerPayout.Standing
                switch redirected ? (redirectState ?? .paid) : state {
                case .paid: standing = .paid
                case .reversed: standing = .reversed
                case .pending, .dispatched, .inDoubt: standing = .open
                default: standing = .unpaid
                }
                payouts.append(PartnerPayout(
                    key: PayoutKey(operatorId: row["operator_id"], transferId: id, leg: row["leg_index"], redirect: redirected),
                    amount: row["payout_amount"], currency: row["payout_currency"] ?? "", standing: standing, state: state,
                    partnerReference: row["partner_reference"], updatedAt: row["updated_at"]))
            }
            return payouts
        }
    }
}
