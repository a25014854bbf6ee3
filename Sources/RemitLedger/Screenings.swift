import Foundation
import GRDB
import RemitDomain

/// One sanctions-screening decision on a party of a transfer, kept with the transfer: which list
/// (and which version of it), the best score, the entry it was for, and what was decided.
public struct ScreeningRecord: Hashable, Sendable {
    /// "sender" or "beneficiary".
    public var party: String
    /// "clear", "review" or "match".
    public var decision: String
    /// The score in basis points (0 to 10,000).
    public var scoreBps: Int
    public var entryId: String?
    public var matchedName: String?
    public var source: String?

    public init(party: String, decision: String, scoreBps: Int, entryId: String?, matchedName: String?, source: String?) {
        self.party = party
        self.decision = decision
        self.scoreBps = scoreBps
        self.entryId = entryId
        self.matchedName = matchedName
        self.source = source
    }
}

enum Screenings {
    /// The parties, in the order a row holds them.
    static let parties = ["sender", "beneficiary"]

    /// A transfer's decisions are one row (since v17; one row per decision before), with at most
    /// one decision per party, and each row is a link of its own hash chain (`Chain.screening`), so
    /// that a decision changed or removed afterwards shows in `verify`. One row, not two: a row
    /// per decision was about a third of the accept path's time.
    static func record(_ db: Database, _ submission: TransferSubmission, _ context: WriteContext) throws {
        guard !submission.screenings.isEmpty else { return }
        var byParty: [ScreeningRecord?] = [nil, nil]
        for screening in submission.screenings {
            guard let index = parties.firstIndex(of: screening.party), byParty[index] == nil else {
                throw LedgerError.invalidScreening(screening.party)
            }
            byParty[index] = screening
        }
        let tail = try context.chainTail(.screening, db)
        let id = tail.id + 1
        let hash = rowHash(previous: tail.hash, id: id, operatorId: submission.operatorId, transfer: submission.transferId,
                           sender: byParty[0], beneficiary: byParty[1], at: context.time)
        try context.hot.run(db, .insertScreening) {
            $0.int(id)
            $0.text(submission.operatorId)
            $0.blob(submission.transferId.bytes)
            $0.int(context.time)
            for screening in byParty {
                if let screening {
                    $0.text(screening.decision)
                    $0.int(Int64(screening.scoreBps))
                    $0.optionalText(screening.entryId)
                    $0.optionalText(screening.matchedName)
                    $0.optionalText(screening.source)
                } else {
                    for _ in 0..<5 { $0.null() }
                }
            }
            $0.blob(hash)
        }
        context.advance(.screening, to: id, hash: hash)
    }

    /// A row's hash: the previous row's, then the id, the transfer (operator and id), the time,
    /// and for each party in order a mark (1 decided, 0 not), then the decision, score, entry,
    /// matched name and list version.
    static func rowHash(previous: Data, id: Int64, operatorId: String, transfer: TransferID, sender: ScreeningRecord?,
                        beneficiary: ScreeningRecord?, at: Int64) -> Data {
        var hasher = ChainHasher(previous: previous)
        hasher.integer(id)
        hasher.text(operatorId)
        hasher.integer(Int64(bitPattern: transfer.high))
        hasher.integer(Int64(bitPattern: transfer.low))
        hasher.integer(at)
        for screening in [sender, beneficiary] {
            guard let screening else {
                hasher.integer(0)
                continue
            }
            hasher.integer(1)
            hasher.text(screening.decision)
            hasher.integer(Int64(screening.scoreBps))
            hasher.text(screening.entryId)
            hasher.text(screening.matchedName)
            hasher.text(screening.source)
        }
        return hasher.finalize()
    }

    /// The row's decisions, sender first.
    static func decisions(_ row: Row) -> [ScreeningRecord] {
        parties.compactMap { party in
            guard let decision: String = row["\(party)_decision"] else { return nil }
            return ScreeningRecord(party: party, decision: decision, scoreBps: row["\(party)_score_bps"],
                                   entryId: row["\(party)_entry_id"], matchedName: row["\(party)_matched_name"],
                                   source: row["\(party)_source"])
        }
    }

    /// Each party's five columns, in the order a row holds them.
    static let decisionColumns = parties
        .map { "\($0)_decision, \($0)_score_bps, \($0)_entry_id, \($0)_matched_name, \($0)_source" }
        .joined(separator: ", ")

    /// The columns a row's hash covers, besides its id.
    static let columns = "operator_id, transfer_id, screened_at, " + decisionColumns

    /// A stored row's hash as `rowHash` makes it, from `previous` and `id`.
    static func rowHash(_ row: Row, previous: Data, id: Int64) -> Data {
        let transfer = TransferID(bytes: [UInt8](row["transfer_id"] as Data)) ?? TransferID(high: 0, low: 0)
        let decided = decisions(row)
        return rowHash(previous: previous, id: id, operatorId: row["operator_id"], transfer: transfer,
                       sender: decided.first { $0.party == "sender" }, beneficiary: decided.first { $0.party == "beneficiary" },
                       at: row["screened_at"])
    }

    /// Problems in the chain, for `verify`.
    static func check(_ db: Database) throws -> (lines: Int, problems: [String]) {
        try Chain.screening.check(db, columns: columns) { row, previous, id in rowHash(row, previous: previous, id: id) }
    }

    /// The hash of a decision as v15 chained them, one row per decision: the previous row's
    /// hash, the id, the transfer, the party, decision, score, entry, matched name, list version
    /// and time. Only the v15 migration uses it, for ledgers older than v17.
    static func v15RowHash(_ row: Row, previous: Data, id: Int64) -> Data {
        let transfer = TransferID(bytes: [UInt8](row["transfer_id"] as Data)) ?? TransferID(high: 0, low: 0)
        var hasher = ChainHasher(previous: previous)
        hasher.integer(id)
        hasher.text(row["operator_id"] as String)
        hasher.integer(Int64(bitPattern: transfer.high))
        hasher.integer(Int64(bitPattern: transfer.low))
        hasher.text(row["party"] as String)
        hasher.text(row["decision"] as String)
        hasher.integer(row["score_bps"] as Int64)
        hasher.text(row["entry_id"] as String?)
        hasher.text(row["matched_name"] as String?)
        hasher.text(row["source"] as String?)
        hasher.integer(row["screened_at"] as Int64)
        return hasher.finalize()
    }

    /// Approves or rejects a transfer held for review. Approval makes it accepted and queues its
    /// legs for payout; rejection releases its hold and rejects it with `reason`.
    static func decide(_ db: Database, operatorId: String, transferId: TransferID, approve: Bool, reason: ReasonCode,
                       note: String, _ context: WriteContext) throws -> [Int64] {
        let id = Data(transferId.bytes)
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT state, hold_id FROM transfer WHERE operator_id = ? AND transfer_id = ?
            """), arguments: [operatorId, id])
        else { throw LedgerError.unknownTransfer(transferId.description) }
        let state: String = row["state"]
        guard state == TransferState.inReview.rawValue else {
            throw LedgerError.illegalTransition(transferId.description, from: state, to: approve ? "accepted" : "rejected")
        }
        guard !note.isEmpty, note.utf8.count <= 500 else { throw LedgerError.invalidEvidence }
        try db.cachedStatement(sql: """
            INSERT INTO review_decision (operator_id, transfer_id, decision, note, decided_at) VALUES (?, ?, ?, ?, ?)
            """).execute(arguments: [operatorId, id, approve ? "approved" : "rejected", note, context.time])
        if approve {
            try Transfers.move(db, operatorId: operatorId, transferId: transferId, to: .accepted, reason: .none, context)
            try db.cachedStatement(sql: """
                UPDATE leg SET queued_at = ? WHERE operator_id = ? AND transfer_id = ?
                """).execute(arguments: [context.time, operatorId, id])
            return []
        }
        let entries = try Transfers.voidHolds(db, operatorId: operatorId, transferId: transferId, context)
        // A rejected transfer holds no hold (the table's rule); the hold keeps its own record.
        try db.cachedStatement(sql: """
            UPDATE transfer SET state = 'rejected', reason = ?, hold_id = NULL, updated_at = ?
            WHERE operator_id = ? AND transfer_id = ?
            """).execute(arguments: [Int(reason.rawValue), context.time, operatorId, id])
        try Transfers.appendEvent(db, context, operatorId: operatorId, transferId: transferId, leg: nil,
                                  state: TransferState.rejected.rawValue, reason: reason, partnerReference: "")
        for leg in try Int.fetchAll(db.cachedStatement(sql: """
            SELECT leg_index FROM leg WHERE operator_id = ? AND transfer_id = ? ORDER BY leg_index
            """), arguments: [operatorId, id]) {
            try Transfers.moveLeg(db, operatorId: operatorId, transferId: transferId, leg: leg, to: .cancelled, reason: reason,
                                  partnerReference: "", context)
        }
        return entries
    }
}

extension Ledger {
    /// Transfers held for compliance review, oldest first, with the decisions that held them.
    public func transfersInReview(limit: Int) throws -> [(transfer: TransferView, screenings: [ScreeningRecord])] {
        let views = try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT operator_id, transfer_id FROM transfer WHERE state = 'inReview' ORDER BY created_at LIMIT ?
                """, arguments: [limit]).map { (operator: $0["operator_id"] as String, id: [UInt8]($0["transfer_id"] as Data)) }
        }
        return try views.compactMap { item in
            guard let id = TransferID(bytes: item.id), let view = try transfer(operatorId: item.operator, id: id) else { return nil }
            return (view, try screenings(operatorId: item.operator, id: id))
        }
    }

    public func screenings(operatorId: String, id: TransferID) throws -> [ScreeningRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM screening WHERE operator_id = ? AND transfer_id = ? ORDER BY id
                """, arguments: [operatorId, Data(id.bytes)]).flatMap(Screenings.decisions)
        }
    }
}
