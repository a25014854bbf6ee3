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
    /// About the payout of a redirected leg's money to the first leg's destination.
    public var redirect: Bool

    public enum Outcome: Hashable, Sendable {
        /// Sent to `partner`; its answer is awaited until `answerDueAt` (ms, 0 for at once): the
        /// leg is not work again before then, so that legs waiting on a partner do not fill
        /// `payoutWork`'s rounds. If the answer never comes (the process stopped), it is sent
        /// again then, under the same idempotency key.
        case dispatched(partner: String, answerDueAt: Int64 = 0)
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
        /// Cancelled at the sender's request: never sent, or its partner confirmed the payout
        /// will never be made. The leg's hold goes back to the prefund.
        case cancelled
    }

    public init(operatorId: String, transferId: TransferID, leg: Int, outcome: Outcome, redirect: Bool = false) {
        self.operatorId = operatorId
        self.transferId = transferId
        self.leg = leg
        self.outcome = outcome
        self.redirect = redirect
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
    /// The payout in doubt is a redirected leg's, to the first leg's destination.
    public var redirect: Bool = false
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
    /// The parties, for partners that need them to pay out.
    public var senderName: String = ""
    public var beneficiaryName: String = ""
    public var attempts: Int
    public var inquiries: Int
    /// The partner may have the payout (it answered "pending", or not at all): the leg must not
    /// move to another partner.
    public var taken: Bool = false
    /// The payout of a redirected leg's money to the first leg's destination: product,
    /// institution and account are the first leg's, the amount and the state this payout's own.
    public var redirect: Bool = false

    /// The key a partner deduplicates on: the same for every retry and inquiry of this leg.
    public var idempotencyKey: String {
        PayoutKey(operatorId: operatorId, transferId: transferId, leg: leg, redirect: redirect).text
    }
}

/// A payout leg's idempotency key, `OPERATOR-TRANSFERID-LEG` (`ACME-0f8e…-1`), with `r` after
/// the leg for a redirected leg's payout to the first leg's destination (`ACME-0f8e…-2r`): what
/// partners deduplicate on and what their callbacks name.
public struct PayoutKey: Hashable, Sendable {
    public var operatorId: String
    public var transferId: TransferID
    public var leg: Int
    public var redirect: Bool

    public init(operatorId: String, transferId: TransferID, leg: Int, redirect: Bool = false) {
        self.operatorId = operatorId
        self.transferId = transferId
        self.leg = leg
        self.redirect = redirect
    }

    public var text: String { "\(operatorId)-\(transferId)-\(leg)\(redirect ? "r" : "")" }

    /// Read from the end: the leg, then the 36-character transfer id, then the operator, which
    /// may hold hyphens of its own.
    public init?(_ text: String) {
        // Bytes, not characters: statements hand over a million of these.
        let bytes = Array(text.utf8)
        let hyphen = UInt8(ascii: "-")
        guard bytes.count <= 128, let lastHyphen = bytes.lastIndex(of: hyphen) else { return nil }
        var legEnd = bytes.count
        let redirect = legEnd > lastHyphen + 1 && bytes[legEnd - 1] == UInt8(ascii: "r")
        if redirect { legEnd -= 1 }
        let legDigits = bytes[(lastHyphen + 1)..<legEnd]
        guard (1...3).contains(legDigits.count), legDigits.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              legDigits.count == 1 || legDigits.first != 48
        else { return nil }
        let leg = legDigits.reduce(0) { $0 * 10 + Int($1 - 48) }
        guard leg < 256 else { return nil }
        // The transfer id's 36 characters before the leg, a hyphen before them, an operator before that.
        guard lastHyphen > 37, bytes[lastHyphen - 37] == hyphen,
              let id = TransferID(uuid: String(decoding: bytes[(lastHyphen - 36)..<lastHyphen], as: UTF8.self))
        else { return nil }
        let operatorId = String(decoding: bytes[..<(lastHyphen - 37)], as: UTF8.self)
        guard !operatorId.isEmpty else { return nil }
        self.init(operatorId: operatorId, transferId: id, leg: leg, redirect: redirect)
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
    /// Takes a leg out of the payout outbox (schema v22: the outbox is the legs whose
    /// `queued_at` is set), clearing its progress, as deleting its outbox row did before; a first
    /// leg no longer names its outbox run (v28), whose count the caller has taken it from
    /// (`OutboxRuns.leave`).
    static func leaveOutbox(_ place: LegPlace) -> String {
        (["queued_at = NULL", "due_at = 0", "attempts = 0", "inquiries = 0", "review = 0", "taken = 0", "redirect = 0",
          "redirect_state = NULL"] + (place.table == LegPlace.transferRow.table ? ["outbox_run = NULL"] : [])).map { place[$0] }
            .joined(separator: ", ")
    }

    static func resolve(_ db: Database, _ resolution: PayoutResolution, _ context: WriteContext) throws -> [Int64] {
        guard !resolution.evidence.isEmpty, resolution.evidence.utf8.count <= 500 else {
            throw LedgerError.invalidEvidence
        }
        // A redirected leg's payout through the first leg's destination is what is in doubt, if any.
        let place = LegPlace.of(resolution.leg)
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT coalesce(\(place["redirect_state"]), \(place["state"])) AS state, \(place["redirect_state"]) IS NOT NULL AS redirect
            FROM \(place.table) WHERE \(place.key)
            """), arguments: [resolution.operatorId, Data(resolution.transferId.bytes), resolution.leg])
        guard let row else { throw LedgerError.unknownLeg(resolution.transferId.description, resolution.leg) }
        let state: String = row["state"], redirect: Bool = row["redirect"]
        // Only a leg whose outcome is unknown is settled by hand; the rest have their answer.
        guard state == LegState.inDoubt.rawValue || state == LegState.dispatched.rawValue else {
            throw LedgerError.illegalTransition("\(resolution.transferId) leg \(resolution.leg)", from: state,
                                                to: resolution.paidReference == nil ? "failed" : "paid")
        }
        let outcome: LegReport.Outcome = resolution.paidReference.map { .paid(partnerReference: $0) } ?? .failed(.partnerRejected)
        let entries = try report(db, LegReport(operatorId: resolution.operatorId, transferId: resolution.transferId,
                                               leg: resolution.leg, outcome: outcome, redirect: redirect), context)
        try db.cachedStatement(sql: """
            INSERT INTO resolution (operator_id, transfer_id, leg_index, outcome, evidence, resolved_at) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [resolution.operatorId, Data(resolution.transferId.bytes), resolution.leg,
                                     resolution.paidReference == nil ? "failed" : "paid", resolution.evidence, context.time])
        return entries
    }

    static func report(_ db: Database, _ report: LegReport, _ context: WriteContext) throws -> [Int64] {
        let id = Data(report.transferId.bytes)
        guard let transfer = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT state, hold_id, send_currency, send_amount, fee, payout_currency, rate, reference_rate, holds_per_leg
            FROM transfer WHERE operator_id = ? AND transfer_id = ?
            """), arguments: [report.operatorId, id])
        else { throw LedgerError.unknownTransfer(report.transferId.description) }
        let transferState = TransferState(rawValue: transfer["state"])!
        // Transfers recorded before holds per leg have one hold, posted in parts.
        let legacyHold: String? = (transfer["holds_per_leg"] as Int64) == 1 ? nil : transfer["hold_id"]
        let legKey: [DatabaseValueConvertible?] = [report.operatorId, id, report.leg]
        let place = LegPlace.of(report.leg)
        // A leg's own hold, kept in its row; a leg whose share rounds to nothing has none. Named
        // only by the reports that settle the leg.
        var legHold: String { TransferSubmission.holdId(report.operatorId, report.transferId, leg: report.leg) }
        func legHasHold() throws -> Bool {
            try String.fetchOne(db.cachedStatement(sql: """
                SELECT \(place["hold_state"]) FROM \(place.table) WHERE \(place.key)
                """), arguments: StatementArguments(legKey)) != nil
        }
        // A redirected leg's payout to the first leg's destination keeps its progress in the
        // outbox; the leg itself stays REDIRECTED until that payout is paid (or refunded).
        let redirectState = try String.fetchOne(db.cachedStatement(sql: """
            SELECT \(place["redirect_state"]) FROM \(place.table) WHERE \(place.key)
            """), arguments: StatementArguments(legKey))
        let isRedirect = redirectState != nil
        guard isRedirect == report.redirect else {
            throw LedgerError.illegalTransition("\(report.transferId) leg \(report.leg)",
                                                from: isRedirect ? "redirected" : "not redirected",
                                                to: report.redirect ? "redirected payout" : "leg payout")
        }
        func moveLeg(_ state: LegState, _ reason: ReasonCode = .none, _ reference: String = "") throws {
            if let redirectState, state != .refunded {
                let current = LegState(rawValue: redirectState)!
                guard current.canMove(to: state) else {
                    throw LedgerError.illegalTransition("\(report.transferId) leg \(report.leg) redirected payout",
                                                        from: current.rawValue, to: state.rawValue)
                }
                try db.cachedStatement(sql: """
                    UPDATE \(place.table) SET \(place["redirect_state"]) = ? WHERE \(place.key)
                    """).execute(arguments: StatementArguments([state.rawValue] + legKey))
                if state == .paid {
                    // The leg stays REDIRECTED; its event now carries the paying partner's reference.
                    try db.cachedStatement(sql: """
                        UPDATE \(place.table) SET \(place["partner_reference"]) = ? WHERE \(place.key)
                        """).execute(arguments: StatementArguments([reference] + legKey))
                    try Transfers.appendEvent(db, context, operatorId: report.operatorId, transferId: report.transferId,
                                              leg: report.leg, state: LegState.redirected.rawValue, reason: .none,
                                              partnerReference: reference)
                }
                return
            }
            try Transfers.moveLeg(db, operatorId: report.operatorId, transferId: report.transferId, leg: report.leg,
                                  to: state, reason: reason, partnerReference: reference, context)
        }
        func moveTransfer(_ state: TransferState, _ reason: ReasonCode = .none) throws {
            try Transfers.move(db, operatorId: report.operatorId, transferId: report.transferId, to: state,
                               reason: reason, context)
        }
        switch report.outcome {
        case .dispatched(let partner, let answerDueAt):
            // Pending to dispatched; or, after a partner's definite refusal, to the next partner.
            guard let legState = try String.fetchOne(db.cachedStatement(sql: """
                SELECT \(place["state"]) FROM \(place.table) WHERE \(place.key)
                """), arguments: StatementArguments(legKey))
            else { throw LedgerError.unknownLeg(report.transferId.description, report.leg) }
            let current = redirectState ?? legState
            if current != LegState.dispatched.rawValue { try moveLeg(.dispatched) }
            try db.cachedStatement(sql: """
                UPDATE \(place.table) SET \(place["partner"]) = ? WHERE \(place.key)
                """).execute(arguments: StatementArguments([partner] + legKey))
            // A new partner has not seen the payout.
            try db.cachedStatement(sql: """
                UPDATE \(place.table) SET \(place["attempts"]) = \(place["attempts"]) + 1, \(place["taken"]) = 0,
                                          \(place["due_at"]) = max(\(place["due_at"]), ?)
                WHERE \(place.key) AND \(place["queued_at"]) IS NOT NULL
                """).execute(arguments: StatementArguments([answerDueAt] + legKey))
            if transferState == .accepted { try moveTransfer(.dispatched) }
            return []

        case .retry(let dueAt, let inquiry, let taken):
            try db.cachedStatement(sql: """
                UPDATE \(place.table) SET \(place["due_at"]) = ?, \(place["inquiries"]) = \(place["inquiries"]) + ?,
                                          \(place["taken"]) = max(\(place["taken"]), ?)
                WHERE \(place.key) AND \(place["queued_at"]) IS NOT NULL
                """).execute(arguments: StatementArguments([dueAt, inquiry ? 1 : 0, taken ? 1 : 0] + legKey))
            return []

        case .review:
            try db.cachedStatement(sql: """
                UPDATE \(place.table) SET \(place["review"]) = 1 WHERE \(place.key) AND \(place["queued_at"]) IS NOT NULL
                """).execute(arguments: StatementArguments(legKey))
            return []

        case .inDoubt(let reason):
            try db.cachedStatement(sql: """
                UPDATE \(place.table) SET \(place["taken"]) = 1 WHERE \(place.key) AND \(place["queued_at"]) IS NOT NULL
                """).execute(arguments: StatementArguments(legKey))
            try moveLeg(.inDoubt, reason)
            if transferState == .dispatched { try moveTransfer(.inDoubt, reason) }
            return []

        case .paid(let partnerReference):
            let legs = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM \(LegPlace.legsOfTransfer(["leg_index", "share", "payout_amount", "partner", "product",
                                                          "account", "hold_state"]))
                ORDER BY leg_index
                """), arguments: [report.operatorId, id])
            guard let position = legs.firstIndex(where: { ($0["leg_index"] as Int) == report.leg }) else {
                throw LedgerError.unknownLeg(report.transferId.description, report.leg)
            }
            try moveLeg(.paid, .none, partnerReference)
            let credits = try LegPostings.paid(db, transfer: transfer, legs: legs, position: position, context)
            var entries: [Int64]
            if let legacyHold {
                entries = try Holds.post(db, id: legacyHold, credits: credits, final: false, context)
            } else if (legs[position]["hold_state"] as String?) != nil {
                entries = try Holds.post(db, id: legHold, credits: credits, final: true, context)
            } else if !credits.isEmpty {
                // A leg that holds nothing (its share of a tiny amount rounds to zero): the send
                // side balances by itself, and the payout side is paid from FX.
                entries = [try Journal.append(db, context, kind: "post", reference: legHold, postings: credits)]
            } else {
                entries = []
            }
            entries += try leaveOutboxAndFinish(db, report, legacyHold: legacyHold, context)
            return entries

        case .failed(let reason):
            // A leg no partner could take fails before dispatch; the transfer has been tried.
            if transferState == .accepted { try moveTransfer(.dispatched) }
            try moveLeg(.failed, reason)
            // The sender may have chosen to have it paid through the first leg instead.
            if !isRedirect, legacyHold == nil,
               try RedirectedLegs.begin(db, operatorId: report.operatorId, transferId: report.transferId, leg: report.leg,
                                        reason: reason, context) {
                return []
            }
            try moveLeg(.refunded, reason)
            var entries: [Int64] = []
            // Its own hold goes back to the prefund now, whatever the other legs are doing.
            if legacyHold == nil, try legHasHold() {
                entries.append(try Holds.close(db, id: legHold, state: "voided", context))
            }
            return entries + (try leaveOutboxAndFinish(db, report, legacyHold: legacyHold, context))

        case .cancelled:
            // A redirected leg's payout is the gateway's own doing, not the sender's to cancel.
            guard !isRedirect else {
                throw LedgerError.illegalTransition("\(report.transferId) leg \(report.leg)", from: "redirected",
                                                    to: LegState.cancelled.rawValue)
            }
            try moveLeg(.cancelled)
            var entries: [Int64] = []
            if legacyHold == nil, try legHasHold() {
                entries.append(try Holds.close(db, id: legHold, state: "voided", context))
            }
            return entries + (try leaveOutboxAndFinish(db, report, legacyHold: legacyHold, context))
        }
    }

    /// The leg is settled: it leaves the outbox, and if it was the transfer's last open leg the
    /// transfer takes its final state (and, for a transfer with one hold for all its legs, what
    /// is left of that hold returns to the prefund).
    private static func leaveOutboxAndFinish(_ db: Database, _ report: LegReport, legacyHold: String?,
                                             _ context: WriteContext) throws -> [Int64] {
        let id = Data(report.transferId.bytes)
        let place = LegPlace.of(report.leg)
        if report.leg == 0 { try OutboxRuns.leave(db, operatorId: report.operatorId, transferId: id) }
        try db.cachedStatement(sql: "UPDATE \(place.table) SET \(leaveOutbox(place)) WHERE \(place.key)")
            .execute(arguments: [report.operatorId, id, report.leg])
        // A redirected leg is settled once its payout through the first leg's destination is: it
        // counts as paid then, out of the outbox.
        let states = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT state, queued_at IS NOT NULL AS open FROM \(LegPlace.legsOfTransfer(["state", "queued_at"]))
            """), arguments: [report.operatorId, id]).map { row -> LegState in
            let state = LegState(rawValue: row["state"])!
            return state == .redirected && !(row["open"] as Bool) ? .paid : state
        }
        // A leg its partner reversed is settled too: its money is back on the prefund already.
        guard states.allSatisfy({ $0 == .paid || $0 == .refunded || $0 == .cancelled || $0 == .reversed }) else { return [] }
        let paid = states.filter { $0 == .paid }.count
        let move = { (state: TransferState, reason: ReasonCode) in
            try Transfers.move(db, operatorId: report.operatorId, transferId: report.transferId, to: state,
                               reason: reason, context)
        }
        var entries: [Int64] = []
        if let holdId = legacyHold {
            let hold = try Holds.fetch(db, holdId)
            if hold.state == "pending" && hold.remaining > 0 {
                entries.append(try Holds.finish(db, id: holdId, postedBefore: paid > 0, context))
            }
        }
        if paid == states.count {
            try move(.paid, .none)
        } else if paid > 0 {
            try move(.partiallyPaid, .none)
        } else if states.allSatisfy({ $0 == .cancelled }) {
            try move(.cancelled, .none)
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
        guard limit > 0 else { return [] }
        return try pool.read { db in
            let legTable = try Row.fetchAll(db.cachedStatement(sql: Self.legTableWorkSQL), arguments: [now, limit])
                .map { (queuedAt: $0["queued_at"] as Int64, item: Self.payoutWork($0)) }
            let firstLeg = try db.cachedStatement(sql: Self.firstLegWorkSQL)
            return try OutboxRuns.merged(db, limit: limit, legTable: legTable) { operatorId, transferId in
                try Row.fetchOne(firstLeg, arguments: [operatorId, transferId, now]).map(Self.payoutWork)
            }
        }
    }

    /// The dispatcher's read of the leg table's outbox, bound as `now` and `limit`: its index in
    /// order (`QueryPlanTests`). The first legs come from the outbox runs (`OutboxRuns.merged`).
    static let legTableWorkSQL = LegPlace.legTable.withTransfer { from, leg in
        payoutWorkArm(from, leg, where: "\(leg("queued_at")) IS NOT NULL AND \(leg("review")) = 0 AND \(leg("due_at")) <= ?1")
    } + " ORDER BY l.queued_at, l.operator_id, l.transfer_id, l.leg_index LIMIT ?2"

    /// A run member's first leg if it is due at `?3` and not in review, by its transfer's key.
    static let firstLegWorkSQL = LegPlace.transferRow.withTransfer { from, leg in
        payoutWorkArm(from, leg, where: """
            t.operator_id = ?1 AND t.transfer_id = ?2 AND \(leg("queued_at")) IS NOT NULL AND \(leg("review")) = 0
            AND \(leg("due_at")) <= ?3
            """)
    }

    /// One leg's outbox work, due or not, in review or not; nil once it is settled.
    public func payoutWork(_ key: PayoutKey) throws -> PayoutWork? {
        let place = LegPlace.of(key.leg)
        let sql = place.withTransfer { from, leg in
            Self.payoutWorkArm(from, leg, where: """
                \(place.key(alias: place.withTransfer.alias)) AND \(leg("redirect")) = ? AND \(leg("queued_at")) IS NOT NULL
                """)
        }
        return try payoutWork(sql: sql, [key.operatorId, Data(key.transferId.bytes), key.leg, key.redirect ? 1 : 0]).first
    }

    /// The outbox's legs in one place, with the destination a redirected leg pays to: the first
    /// leg's, which is always in the transfer row (the first leg itself is never redirected).
    private static func payoutWorkArm(_ from: String, _ leg: (String) -> String, where condition: String) -> String {
        func destination(_ name: String) -> String {
            "CASE \(leg("redirect")) WHEN 1 THEN t.leg_\(name) ELSE \(leg(name)) END AS \(name)"
        }
        return """
            SELECT t.operator_id, t.transfer_id, \(leg("leg_index")) AS leg_index, \(leg("queued_at")) AS queued_at,
                   \(leg("attempts")) AS attempts, \(leg("inquiries")) AS inquiries, \(leg("taken")) AS taken,
                   \(leg("redirect")) AS redirect, coalesce(\(leg("redirect_state")), \(leg("state"))) AS state,
                   \(leg("partner")) AS partner, \(leg("payout_amount")) AS payout_amount, \(destination("product")),
                   \(destination("institution")), \(destination("account")), t.payout_currency, t.payout_country,
                   t.send_country, t.sender_name, t.beneficiary_name
            FROM \(from)
            WHERE \(condition)
            """
    }

    private func payoutWork(sql: String, _ arguments: StatementArguments) throws -> [PayoutWork] {
        try pool.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.payoutWork) }
    }

    private static func payoutWork(_ row: Row) -> PayoutWork {
        PayoutWork(operatorId: row["operator_id"], transferId: TransferID(bytes: [UInt8](row["transfer_id"] as Data))!,
                   leg: row["leg_index"], state: LegState(rawValue: row["state"])!, partner: row["partner"],
                   product: row["product"], institution: row["institution"], account: row["account"],
                   payoutAmount: row["payout_amount"], payoutCurrency: row["payout_currency"] ?? "",
                   payoutCountry: row["payout_country"] ?? "", sendCountry: row["send_country"] ?? "",
                   senderName: row["sender_name"], beneficiaryName: row["beneficiary_name"],
                   attempts: row["attempts"], inquiries: row["inquiries"], taken: row["taken"],
                   redirect: row["redirect"])
    }

    /// Legs in doubt or in review, oldest first: each place read through its partial index
    /// (`transfer_leg_awaiting_operations`, `leg_awaiting_operations`), whose condition is this
    /// query's, so the cost follows the legs waiting for operations, not the ledger's size.
    static let legsInDoubtSQL = LegPlace.eachPlace { from, leg in
        """
        SELECT t.operator_id, t.transfer_id, \(leg("leg_index")) AS leg_index,
               coalesce(\(leg("redirect_state")), \(leg("state"))) AS state, \(leg("partner")) AS partner,
               \(leg("payout_amount")) AS payout_amount, t.payout_currency, t.updated_at,
               \(leg("inquiries")) AS inquiries, \(leg("review")) AS review, \(leg("redirect")) AS redirect
        FROM \(from)
        WHERE \(leg("state")) = 'inDoubt' OR \(leg("redirect_state")) = 'inDoubt' OR \(leg("review")) = 1
        """
    } + " ORDER BY updated_at LIMIT ?"

    /// Legs in review and still in the outbox, counted on every metrics scrape: through the same
    /// indexes, since `review = 1` implies their condition. Named, since SQLite would otherwise
    /// take the outbox's indexes and read every leg waiting in them.
    static let payoutsInReviewSQL = """
        SELECT (SELECT count(*) FROM transfer INDEXED BY transfer_leg_awaiting_operations
                WHERE leg_queued_at IS NOT NULL AND leg_review = 1)
             + (SELECT count(*) FROM leg INDEXED BY leg_awaiting_operations WHERE queued_at IS NOT NULL AND review = 1)
        """

    /// Legs whose outcome is not known: in doubt, or waiting for operations (review), oldest first.
    public func legsInDoubt(limit: Int) throws -> [LegInDoubt] {
        try pool.read { db in
            try Row.fetchAll(db, sql: Self.legsInDoubtSQL, arguments: [limit]).map { row in
                LegInDoubt(operatorId: row["operator_id"], transferId: TransferID(bytes: [UInt8](row["transfer_id"] as Data))!,
                           leg: row["leg_index"], state: LegState(rawValue: row["state"])!, partner: row["partner"],
                           payoutAmount: row["payout_amount"], payoutCurrency: row["payout_currency"] ?? "",
                           since: row["updated_at"], inquiries: row["inquiries"], inReview: (row["review"] as Int) == 1,
                           redirect: (row["redirect"] as Int) == 1)
            }
        }
    }

    /// Legs waiting for operations after their inquiries ran out.
    public func payoutsInReview() throws -> Int {
        try pool.read { try Int.fetchOne($0, sql: Self.payoutsInReviewSQL) ?? 0 }
    }
}
