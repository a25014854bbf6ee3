import Foundation
import GRDB
import RemitDomain

/// A paid leg whose money came back: the partner reversed the payout (the wallet bounced it, the
/// account was closed after all) and returned the amount to the gateway's float there. Booked
/// as a new entry, never an edit: the exact mirror of the leg's payment, so that the leg nets to
/// zero in every account, and its send amount and fee return to the operator's prefund (the
/// operator refunds its sender). `source` says who reported it: "partner" (a signed callback) or
/// "operations" (with the statement line or ticket as evidence).
///
/// ```swift
/// await ledger.apply(.reversePayout(PayoutReversal(operatorId: "ACME", transferId: id, leg: 0,
///                                                  source: "operations", evidence: "MPESA statement line 88")))
/// ```
public struct PayoutReversal: Hashable, Sendable {
    public var operatorId: String
    public var transferId: TransferID
    public var leg: Int
    public var source: String
    public var evidence: String

    public init(operatorId: String, transferId: TransferID, leg: Int, source: String, evidence: String) {
        self.operatorId = operatorId
        self.transferId = transferId
        self.leg = leg
        self.source = source
        self.evidence = evidence
    }
}

/// A reversal as recorded, for `remitctl transfers show` and reconciliation.
public struct ReversalRecord: Hashable, Sendable {
    public var leg: Int
    public var entryId: Int64
    public var source: String
    public var evidence: String
    public var reversedAt: Int64
}

enum Reversals {
    static func reverse(_ db: Database, _ reversal: PayoutReversal, _ context: WriteContext) throws -> [Int64] {
        guard !reversal.evidence.isEmpty, reversal.evidence.utf8.count <= 500,
              ["partner", "operations"].contains(reversal.source)
        else { throw LedgerError.invalidEvidence }
        let id = Data(reversal.transferId.bytes)
        let operatorId = reversal.operatorId
        let entry = try mirror(db, operatorId: operatorId, transferId: reversal.transferId, leg: reversal.leg,
                               reason: .partnerReversed, refundFee: true, contribution: false, context)
        try db.cachedStatement(sql: """
            INSERT INTO reversal (operator_id, transfer_id, leg_index, entry_id, source, evidence, reversed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [operatorId, id, reversal.leg, entry, reversal.source, reversal.evidence, context.time])
        return [entry]
    }

    /// Books the exact mirror of a paid leg's payment as a new entry and moves the leg (and the
    /// transfer, when no leg's money is with a beneficiary any more) to REVERSED: the partner
    /// reversed the payout, or (`contribution`) a project refunds a contribution. Without
    /// `refundFee` the fee's revenue stays and only the send amount returns to the prefund.
    static func mirror(_ db: Database, operatorId: String, transferId: TransferID, leg: Int, reason: ReasonCode,
                       refundFee: Bool, contribution: Bool, _ context: WriteContext) throws -> Int64 {
        let id = Data(transferId.bytes)
        guard let transfer = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT state, send_currency, send_amount, fee, payout_currency, rate, reference_rate
            FROM transfer WHERE operator_id = ? AND transfer_id = ?
            """), arguments: [operatorId, id])
        else { throw LedgerError.unknownTransfer(transferId.description) }
        let legs = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM \(LegPlace.legsOfTransfer(["leg_index", "share", "payout_amount", "partner", "product", "account",
                                                      "state"]))
            ORDER BY leg_index
            """), arguments: [operatorId, id])
        guard let position = legs.firstIndex(where: { ($0["leg_index"] as Int) == leg }) else {
            throw LedgerError.unknownLeg(transferId.description, leg)
        }
        // Only a leg paid to its own destination: a redirected leg's money was paid through the
        // first leg's partner, whose reversal is that payout's, not this leg's.
        let state: String = legs[position]["state"]
        // A contribution was paid into its project's escrow, not to a partner: only the
        // project's refund returns it, and only a contribution is returned that way.
        guard (legs[position]["product"] as String == Projects.product) == contribution else {
            throw LedgerError.illegalTransition("\(transferId) leg \(leg)", from: state, to: LegState.reversed.rawValue)
        }
        guard state == LegState.paid.rawValue else {
            throw LedgerError.illegalTransition("\(transferId) leg \(leg)", from: state,
                                                to: LegState.reversed.rawValue)
        }
        // The payment's own postings, computed as they were (the transfer's amounts and rates do
        // not change), each turned around; what came out of the hold goes back to the prefund.
        let paid = try LegPostings.paid(db, transfer: transfer, legs: legs, position: position, context)
        let send: Currency
        do { send = try Currency(transfer["send_currency"] as String) } catch { throw LedgerError.money(error) }
        var returned = paid.filter { $0.account.currency == send }.reduce(Int64(0)) { $0 - $1.amount }
        var postings = paid.map { posting -> Posting in
            var turned = posting
            turned.amount = 0 &- posting.amount
            return turned
        }
        // A refund policy may keep the fee: its revenue stays, and only the send amount returns.
        if !refundFee, let fee = postings.firstIndex(where: { $0.account == .feeRevenue(send) }) {
            returned -= postings[fee].amount
            postings.remove(at: fee)
        }
        // A leg whose share of a tiny send amount rounded to nothing took nothing from the hold,
        // and a zero posting is refused: only its payout side turns around.
        if returned > 0 { postings.append(Posting(.operatorPrefund(operatorId, send), credit: Money(returned, send))) }
        let entry = try Journal.append(db, context, kind: "reverse",
                                       reference: TransferSubmission.holdId(operatorId, transferId, leg: leg),
                                       postings: postings)
        try Transfers.moveLeg(db, operatorId: operatorId, transferId: transferId, leg: leg, to: .reversed,
                              reason: reason, partnerReference: "", context)
        // A settled transfer is REVERSED once no leg's money is with a beneficiary any more (a
        // REDIRECTED leg in a settled transfer was paid through the first leg's destination);
        // until then a PAID one is PARTIALLY_PAID. One still under way ends as its other legs
        // do, this one counting as not paid.
        let stillPaid = legs.enumerated().contains {
            $0.offset != position && [LegState.paid.rawValue, LegState.redirected.rawValue].contains($0.element["state"] as String)
        }
        let current = TransferState(rawValue: transfer["state"])!
        if current == .paid || current == .partiallyPaid {
            if !stillPaid {
                try Transfers.move(db, operatorId: operatorId, transferId: transferId, to: .reversed,
                                   reason: reason, context)
            } else if current == .paid {
                try Transfers.move(db, operatorId: operatorId, transferId: transferId, to: .partiallyPaid,
                                   reason: reason, context)
            }
        }
        return entry
    }

    static func records(_ db: Database, operatorId: String, transferId: TransferID) throws -> [ReversalRecord] {
        try Row.fetchAll(db, sql: """
            SELECT leg_index, entry_id, source, evidence, reversed_at FROM reversal
            WHERE operator_id = ? AND transfer_id = ? ORDER BY id
            """, arguments: [operatorId, Data(transferId.bytes)]).map {
            ReversalRecord(leg: $0["leg_index"], entryId: $0["entry_id"], source: $0["source"], evidence: $0["evidence"],
                           reversedAt: $0["reversed_at"])
        }
    }
}

extension Ledger {
    /// The reversals booked on a transfer's legs, oldest first.
    public func reversals(operatorId: String, transferId: TransferID) throws -> [ReversalRecord] {
        try pool.read { db in try Reversals.records(db, operatorId: operatorId, transferId: transferId) }
    }
}
