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
    /// Each decision is a row of its own hash chain (`Chain.screening`), so that a decision
    /// changed or removed afterwards shows in `verify`.
    static func record(_ db: Database, _ submission: TransferSubmission, _ context: WriteContext) throws {
        for screening in submission.screenings {
            let tail = try context.chainTail(.screening, db)
            let id = tail.id + 1
            let hash = rowHash(previous: tail.hash, id: id, operatorId: submission.operatorId, transfer: submission.transferId,
                               screening.party, screening.decision, scoreBps: Int64(screening.scoreBps), screening.entryId,
                               screening.matchedName, screening.source, at: context.time)
            try context.hot.run(db, .insertScreening) {
                $0.int(id)
                $0.text(submission.operatorId)
                $0.blob(submission.transferId.bytes)
                $0.text(screening.party)
                $0.text(screening.decision)
                $0.int(Int64(screening.scoreBps))
                $0.optionalText(screening.entryId)
                $0.optionalText(screening.matchedName)
                $0.optionalText(screening.source)
                $0.int(context.time)
                $0.blob(hash)
            }
            context.advance(.screening, to: id, hash: hash)
        }
    }

    /// A decision's hash: the previous row's, then the id, the transfer (operator and id), the
    /// party, decision, score, entry, matched name, list version and time.
    static func rowHash(previous: Data, id: Int64, operatorId: String, transfer: TransferID, _ party: String,
                        _ decision: String, scoreBps: Int64, _ entryId: String?, _ matchedName: String?, _ source: String?,
                        at: Int64) -> Data {
        var hasher = ChainHasher(previous: previous)
        hasher.integer(id)
        hasher.text(operatorId)
        hasher.integer(Int64(bitPattern: transfer.high))
        hasher.integer(Int64(bitPattern: transfer.low))
        hasher.text(party)
        hasher.text(decision)
        hasher.integer(scoreBps)
        hasher.text(entryId)
        hasher.text(matchedName)
        hasher.text(source)
        hasher.integer(at)
        return hasher.finalize()
    }

    /// A stored row's hash as `rowHash` makes it, from `previous` and `id`.
    static func rowHash(_ row: Row, previous: Data, id: Int64) -> Data {
        let transfer = TransferID(bytes: [UInt8](row["transfer_id"] as Data)) ?? TransferID(high: 0, low: 0)
        return rowHash(previous: previous, id: id, operatorId: row["operator_id"], transfer: transfer, row["party"],
                       row["decision"], scoreBps: row["score_bps"], row["entry_id"], row["matched_name"], row["source"],
                       at: row["screened_at"])
    }

    /// Problems in the chain, for `verify`.
    static func check(_ db: Database) throws -> (lines: Int, problems: [String]) {
        try Chain.screening.check(db, columns: "operator_id, transfer_id, party, decision, score_bps, entry_id, "
                                      + "matched_name, source, screened_at") { row, previous, id in
            rowHash(row, previous: previous, id: id)
        }
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
                INSERT INTO outbox (operator_id, transfer_id, leg_index, created_at)
                SELECT operator_id, transfer_id, leg_index, ? FROM leg WHERE operator_id = ? AND transfer_id = ?
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
                """, arguments: [operatorId, Data(id.bytes)]).map {
                ScreeningRecord(party: $0["party"], decision: $0["decision"], scoreBps: $0["score_bps"], entryId: $0["entry_id"],
                                matchedName: $0["matched_name"], source: $0["source"])
            }
        }
    }
}
