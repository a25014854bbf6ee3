import Foundation
import GRDB
import RemitDomain

/// A payout leg's life after acceptance, as the dispatcher reports it. Each report is one
/// command, so the leg's new state, its money, the transfer's state, the outbox and the events
/// commit together; a report that no longer fits the leg's state (a duplicate, a late answer) is
/// refused by the state graph and changes nothing.
public struct LegReport: Hashable, Sendable {
    public var operatorId: String
    public var transferId: TransferID
    public var leg: Int
    public var outcome: Outcome

    public enum Outcome: Hashable, Sendable {
        /// Sent to `partner`; its answer is awaited.
        case dispatched(partner: String)
        /// The partner paid the beneficiary: the leg's share of the hold is posted to its float.
        case paid(partnerReference: String)
        /// The partner's answer is unknown (a timeout): the money stays held.
        case inDoubt(ReasonCode)
        /// No partner will pay this leg: it is refunded when the transfer finishes.
        case failed(ReasonCode)
        /// Try again at `dueAt` (ms): a retry, or the next status inquiry. `taken`: the partner
        /// has the payout (it answered "pending"), so the leg must stay with it.
        case retry(dueAt: Int64, inquiry: Bool, taken: Bool = false)
        /// Past the inquiry limit: the leg waits for operations (the review queue).
        case review
    }

    public init(operatorId: String, transferId: TransferID, leg: Int, outcome: Outcome) {
        self.operatorId = operatorId
        self.transferId = transferId
        self.leg = leg
        self.outcome = outcome
    }
}

/// A leg whose payout outcome is unknown, for `remitctl in-doubt list`.
public struct LegInDoubt: Hashable, Sendable {
    public var operatorId: String
    public var transferId: TransferID
    public var leg: Int
    public var state: LegState
    public var partner: String
    public var payoutAmount: Int64
    public var payoutCurrency: String
    /// When its transfer last changed (ms).
    public var since: Int64
    public var inquiries: Int
    public var inReview: Bool
}

/// A leg waiting in the outbox, with what the dispatcher needs to route and pay it.
public struct PayoutWork: Hashable, Sendable {
    public var operatorId: String
    public var transferId: TransferID
    public var leg: Int
    public var state: LegState
    public var partner: String
    public var product: String
    public var institution: String
    public var account: String
    public var payoutAmount: Int64
    public var payoutCurrency: String
    public var payoutCountry: String
    /// Where the remittance was sent from: partners' international transfer APIs ask for it.
    public var sendCountry: String
    public var attempts: Int
    public var inquiries: Int
    /// The partner may have the payout (it answered "pending", or not at all): the leg must not
    /// move to another partner.
    public var taken: Bool = false

    /// The key a partner deduplicates on: the same for every retry and inquiry of this leg.
    public var idempotencyKey: String { PayoutKey(operatorId: operatorId, transferId: transferId, leg: leg).text }
}

/// A payout leg's idempotency key, `OPERATOR-TRANSFERID-LEG` (`ACME-0f8e…-1`): what partners
/// deduplicate on and what their callbacks name.
public struct PayoutKey: Hashable, Sendable {
    public var operatorId: String
    public var transferId: TransferID
    public var leg: Int

    public init(operatorId: String, transferId: TransferID, leg: Int) {
        self.operatorId = operatorId
        self.transferId = transferId
        self.leg = leg
    }

    public var text: String { "\(operatorId)-\(transferId)-\(leg)" }

    /// Read from the end: the leg, then the 36-character transfer id, then the operator, which
    /// may hold hyphens of its own.
    public init?(_ text: String) {
        guard text.utf8.count <= 128, let lastHyphen = text.lastIndex(of: "-") else { return nil }
        let legText = text[text.index(after: lastHyphen)...]
        guard let leg = Int(legText), leg >= 0, leg < 256, String(leg) == legText else { return nil }
        let rest = text[..<lastHyphen]
        guard rest.count > 37 else { return nil }
        let idStart = rest.index(rest.endIndex, offsetBy: -36)
        guard rest[rest.index(before: idStart)] == "-", let id = TransferID(uuid: String(rest[idStart...])) else { return nil }
        let operatorId = String(rest[..<rest.index(before: idStart)])
        guard !operatorId.isEmpty else { return nil }
        self.init(operatorId: operatorId, transferId: id, leg: leg)
    }
}

/// Operations settling a payout in doubt by hand, with the evidence (a partner's statement line,
/// a ticket): recorded beside the leg's report in the same transaction.
public struct PayoutResolution: Hashable, Sendable {
    public var operatorId: String
    public var transferId: TransferID
    public var leg: Int
    /// The partner's reference when paid; nil when it was not paid.
    public var paidReference: String?
    public var evidence: String

    public init(operatorId: String, transferId: TransferID, leg: Int, paidReference: String?, evidence: String) {
        self.operatorId = operatorId
        self.transferId = transferId
        self.leg = leg
        self.paidReference = paidReference
        self.evidence = evidence
    }
}

enum Payouts {
    static func resolve(_ db: Database, _ resolution: PayoutResolution, _ context: WriteContext) throws -> [Int64] {
        guard !resolution.evidence.isEmpty, resolution.evidence.utf8.count <= 500 else {
            throw LedgerError.invalidEvidence
        }
        let state = try String.fetchOne(db.cachedStatement(sql: """
            SELECT state FROM leg WHERE operator_id = ? AND transfer_id = ? AND leg_index = ?
            """), arguments: [resolution.operatorId, Data(resolution.transferId.bytes), resolution.leg])
        guard let state else { throw LedgerError.unknownLeg(resolution.transferId.description, resolution.leg) }
        // Only a leg whose outcome is unknown is settled by hand; the rest have their answer.
        guard state == LegState.inDoubt.rawValue || state == LegState.dispatched.rawValue else {
            throw LedgerError.illegalTransition("\(resolution.transferId) leg \(resolution.leg)", from: state,
                                                to: resolution.paidReference == nil ? "failed" : "paid")
        }
        let outcome: LegReport.Outcome = resolution.paidReference.map { .paid(partnerReference: $0) } ?? .failed(.partnerRejected)
        let entries = try report(db, LegReport(operatorId: resolution.operatorId, transferId: resolution.transferId,
                                               leg: resolution.leg, outcome: outcome), context)
        try db.cachedStatement(sql: """
            INSERT INTO resolution (operator_id, transfer_id, leg_index, outcome, evidence, resolved_at) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [resolution.operatorId, Data(resolution.transferId.bytes), resolution.leg,
                                     resolution.paidReference == nil ? "failed" : "paid", resolution.evidence, context.time])
        return entries
    }

    static func report(_ db: Database, _ report: LegReport, _ context: WriteContext) throws -> [Int64] {
        let id = Data(report.transferId.bytes)
        guard let transfer = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT state, hold_id, send_currency, send_amount, fee, payout_currency, rate, reference_rate FROM transfer
            WHERE operator_id = ? AND transfer_id = ?
            """), arguments: [report.operatorId, id])
        else { throw LedgerError.unknownTransfer(report.transferId.description) }
        let transferState = TransferState(rawValue: transfer["state"])!
        func moveLeg(_ state: LegState, _ reason: ReasonCode = .none, _ reference: String = "") throws {
            try Transfers.moveLeg(db, operatorId: report.operatorId, transferId: report.transferId, leg: report.leg,
                                  to: state, reason: reason, partnerReference: reference, context)
        }
        func moveTransfer(_ state: TransferState, _ reason: ReasonCode = .none) throws {
            try Transfers.move(db, operatorId: report.operatorId, transferId: report.transferId, to: state,
                               reason: reason, context)
        }
        let outboxKey: [DatabaseValueConvertible?] = [report.operatorId, id, report.leg]
        switch report.outcome {
        case .dispatched(let partner):
            // Pending to dispatched; or, after a partner's definite refusal, to the next partner.
            let current = try String.fetchOne(db.cachedStatement(sql: """
                SELECT state FROM leg WHERE operator_id = ? AND transfer_id = ? AND leg_index = ?
                """), arguments: StatementArguments(outboxKey))
            guard let current else { throw LedgerError.unknownLeg(report.transferId.description, report.leg) }
            if current != LegState.dispatched.rawValue { try moveLeg(.dispatched) }
            try db.cachedStatement(sql: """
                UPDATE leg SET partner = ? WHERE operator_id = ? AND transfer_id = ? AND leg_index = ?
                """).execute(arguments: StatementArguments([partner] + outboxKey))
            // A new partner has not seen the payout.
            try db.cachedStatement(sql: """
                UPDATE outbox SET attempts = attempts + 1, taken = 0 WHERE operator_id = ? AND transfer_id = ? AND leg_index = ?
                """).execute(arguments: StatementArguments(outboxKey))
            if transferState == .accepted { try moveTransfer(.dispatched) }
            return []

        case .retry(let dueAt, let inquiry, let taken):
            try db.cachedStatement(sql: """
                UPDATE outbox SET due_at = ?, inquiries = inquiries + ?, taken = max(taken, ?)
                WHERE operator_id = ? AND transfer_id = ? AND leg_index = ?
                """).execute(arguments: StatementArguments([dueAt, inquiry ? 1 : 0, taken ? 1 : 0] + outboxKey))
            return []

        case .review:
            try db.cachedStatement(sql: """
                UPDATE outbox SET review = 1 WHERE operator_id = ? AND transfer_id = ? AND leg_index = ?
                """).execute(arguments: StatementArguments(outboxKey))
            return []

        case .inDoubt(let reason):
            try db.cachedStatement(sql: """
                UPDATE outbox SET taken = 1 WHERE operator_id = ? AND transfer_id = ? AND leg_index = ?
                """).execute(arguments: StatementArguments(outboxKey))
            try moveLeg(.inDoubt, reason)
            if transferState == .dispatched { try moveTransfer(.inDoubt, reason) }
            return []

        case .paid(let partnerReference):
            guard let holdId: String = transfer["hold_id"] else { throw LedgerError.unknownHold("(none)") }
            let legs = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT leg_index, share, payout_amount, partner FROM leg WHERE operator_id = ? AND transfer_id = ?
                ORDER BY leg_index
                """), arguments: [report.operatorId, id])
            guard let position = legs.firstIndex(where: { ($0["leg_index"] as Int) == report.leg }) else {
                throw LedgerError.unknownLeg(report.transferId.description, report.leg)
            }
            try moveLeg(.paid, .none, partnerReference)
            let shares = legs.map { UInt16($0["share"] as Int64) }
            let send = try Currency(transfer["send_currency"]), payout = try Currency(transfer["payout_currency"])
            // The leg's part of the send amount and the fee: split by share like the payout,
            // so that the legs' parts add up to the hold exactly.
            let sendPart = LegSplit.amounts(payout: transfer["send_amount"], shares: shares)[position]
            let feePart = LegSplit.amounts(payout: transfer["fee"], shares: shares)[position]
            let payoutAmount: Int64 = legs[position]["payout_amount"]
            let partner: String = legs[position]["partner"]
            var credits: [Posting] = []
            if feePart > 0 { credits.append(Posting(.feeRevenue(send), credit: Money(feePart, send))) }
            var accounts = [AccountCode.feeRevenue(send), .partnerFloat(partner, payout)]
            if send == payout {
                credits.append(Posting(.partnerFloat(partner, payout), credit: Money(sendPart, send)))
            } else {
                let applied = Rate(nanos: transfer["rate"])
                let referenceNanos: Int64 = transfer["reference_rate"]
                let reference = referenceNanos > 0 ? Rate(nanos: referenceNanos) : applied
                guard applied.nanos > 0,
                      let fx = FXSettlement(sendPart: sendPart, payout: payoutAmount, applied: applied, reference: reference,
                                            from: send, to: payout)
                else { throw LedgerError.invalidRate(applied: applied.nanos, reference: reference.nanos) }
                credits.append(Posting(.fxPosition(send), credit: Money(fx.atReference, send)))
                // Signed: a credit when positive, a debit when negative, nothing when zero.
                accounts += [.fxPosition(send), .fxPosition(payout)]
                if fx.margin != 0 {
                    credits.append(Posting(.fxMarginRevenue(send), credit: Money(fx.margin, send)))
                    accounts.append(.fxMarginRevenue(send))
                }
                if fx.rounding != 0 {
                    credits.append(Posting(.rounding(send), credit: Money(fx.rounding, send)))
                    accounts.append(.rounding(send))
                }
                credits += [Posting(.fxPosition(payout), debit: Money(payoutAmount, payout)),
                            Posting(.partnerFloat(partner, payout), credit: Money(payoutAmount, payout))]
            }
            for code in accounts {
                try Accounts.open(db, code, floor: nil, at: context.time, ifMissing: true)
            }
            var entries = try Holds.post(db, id: holdId, credits: credits, final: false, context)
            entries += try deleteOutboxAndFinish(db, report, holdId: holdId, context)
            return entries

        case .failed(let reason):
            // A leg no partner could take fails before dispatch; the transfer has been tried.
            if transferState == .accepted { try moveTransfer(.dispatched) }
            try moveLeg(.failed, reason)
            try moveLeg(.refunded, reason)
            guard let holdId: String = transfer["hold_id"] else { throw LedgerError.unknownHold("(none)") }
            return try deleteOutboxAndFinish(db, report, holdId: holdId, context)
        }
    }

    /// The leg is settled: its outbox row goes, and if it was the transfer's last open leg the
    /// transfer takes its final state and what is left of the hold returns to the prefund.
    private static func deleteOutboxAndFinish(_ db: Database, _ report: LegReport, holdId: String,
                                              _ context: WriteContext) throws -> [Int64] {
        let id = Data(report.transferId.bytes)
        try db.cachedStatement(sql: "DELETE FROM outbox WHERE operator_id = ? AND transfer_id = ? AND leg_index = ?")
            .execute(arguments: [report.operatorId, id, report.leg])
        let states = try String.fetchAll(db.cachedStatement(sql: """
            SELECT state FROM leg WHERE operator_id = ? AND transfer_id = ?
            """), arguments: [report.operatorId, id]).map { LegState(rawValue: $0)! }
        guard states.allSatisfy({ $0 == .paid || $0 == .refunded || $0 == .cancelled }) else { return [] }
        let paid = states.filter { $0 == .paid }.count
        let move = { (state: TransferState, reason: ReasonCode) in
            try Transfers.move(db, operatorId: report.operatorId, transferId: report.transferId, to: state,
                               reason: reason, context)
        }
        var entries: [Int64] = []
        let hold = try Holds.fetch(db, holdId)
        if hold.state == "pending" && hold.remaining > 0 {
            entries.append(try Holds.finish(db, id: holdId, postedBefore: paid > 0, context))
        }
        if paid == states.count {
            try move(.paid, .none)
        } else if paid > 0 {
            try move(.partiallyPaid, .none)
        } else {
            try move(.failed, .partnerRejected)
            try move(.refunded, .partnerRejected)
        }
        return entries
    }
}

extension Ledger {
    /// Legs due for work at `now`, oldest first, not in review: new ones to route, dispatched
    /// ones whose answer never came (after a restart), and ones in doubt due for an inquiry.
    public func payoutWork(now: Int64, limit: Int) throws -> [PayoutWork] {
        try payoutWork(where: "o.review = 0 AND o.due_at <= ? ORDER BY o.id LIMIT ?", [now, limit])
    }

    /// One leg's outbox work, due or not, in review or not; nil once it is settled.
    public func payoutWork(_ key: PayoutKey) throws -> PayoutWork? {
        try payoutWork(where: "o.operator_id = ? AND o.transfer_id = ? AND o.leg_index = ?",
                       [key.operatorId, Data(key.transferId.bytes), key.leg]).first
    }

    private func payoutWork(where condition: String, _ arguments: StatementArguments) throws -> [PayoutWork] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT o.operator_id, o.transfer_id, o.leg_index, o.attempts, o.inquiries, o.taken, l.state, l.partner, l.product,
                       l.institution, l.account, l.payout_amount, t.payout_currency, t.payout_country, t.send_country
                FROM outbox o
                JOIN leg l ON l.operator_id = o.operator_id AND l.transfer_id = o.transfer_id AND l.leg_index = o.leg_index
                JOIN transfer t ON t.operator_id = o.operator_id AND t.transfer_id = o.transfer_id
                WHERE \(condition)
                """, arguments: arguments).map { row in
                PayoutWork(operatorId: row["operator_id"], transferId: TransferID(bytes: [UInt8](row["transfer_id"] as Data))!,
                           leg: row["leg_index"], state: LegState(rawValue: row["state"])!, partner: row["partner"],
                           product: row["product"], institution: row["institution"], account: row["account"],
                           payoutAmount: row["payout_amount"], payoutCurrency: row["payout_currency"] ?? "",
                           payoutCountry: row["payout_country"] ?? "", sendCountry: row["send_country"] ?? "",
                           attempts: row["attempts"], inquiries: row["inquiries"], taken: row["taken"])
            }
        }
    }

    /// Legs whose outcome is not known: in doubt, or waiting for operations (review), oldest first.
    public func legsInDoubt(limit: Int) throws -> [LegInDoubt] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT l.operator_id, l.transfer_id, l.leg_index, l.state, l.partner, l.payout_amount, t.payout_currency,
                       t.updated_at, coalesce(o.inquiries, 0) AS inquiries, coalesce(o.review, 0) AS review
                FROM leg l JOIN transfer t ON t.operator_id = l.operator_id AND t.transfer_id = l.transfer_id
                LEFT JOIN outbox o ON o.operator_id = l.operator_id AND o.transfer_id = l.transfer_id AND o.leg_index = l.leg_index
                WHERE l.state = 'inDoubt' OR o.review = 1
                ORDER BY t.updated_at LIMIT ?
                """, arguments: [limit]).map { row in
                LegInDoubt(operatorId: row["operator_id"], transferId: TransferID(bytes: [UInt8](row["transfer_id"] as Data))!,
                           leg: row["leg_index"], state: LegState(rawValue: row["state"])!, partner: row["partner"],
                           payoutAmount: row["payout_amount"], payoutCurrency: row["payout_currency"] ?? "",
                           since: row["updated_at"], inquiries: row["inquiries"], inReview: (row["review"] as Int) == 1)
            }
        }
    }

    /// Legs waiting for operations after their inquiries ran out.
    public func payoutsInReview() throws -> Int {
        try pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM outbox WHERE review = 1") ?? 0 }
    }
}
