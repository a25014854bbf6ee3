import Foundation
import GRDB
import RemitDomain

/// A journal entry as operations read it: its postings with their accounts, debits positive.
public struct EntryRecord: Hashable, Sendable {
    public struct Line: Hashable, Sendable {
        public var account: String
        public var currency: String
        /// Debit positive, credit negative, in minor units of `currency`.
        public var amount: Int64
    }

    public var id: Int64
    public var kind: String
    public var reference: String
    public var createdAt: Int64
    public var lines: [Line]
    /// For a hold entry that also holds other transfers' money (the holds placed by a slice of
    /// new transfers move in one entry), what of it is this transfer's, in minor units of the
    /// entry's currency; nil for an entry that is the transfer's alone.
    public var transferPart: Int64? = nil
}

/// One account's movements over a period, with its balance before and after, in the account's
/// normal terms (what an operator's prefund holds is positive).
public struct AccountStatement: Hashable, Sendable {
    public struct Line: Hashable, Sendable {
        public var entryId: Int64
        public var kind: String
        public var reference: String
        public var createdAt: Int64
        /// In normal terms: an increase of the account positive.
        public var amount: Int64
        public var balance: Int64
    }

    public var account: String
    public var type: AccountType
    public var currency: String
    public var opening: Int64
    public var lines: [Line]
    public var closing: Int64
    /// More movements fell in the period than the limit allowed; `closing` is after the last shown.
    public var truncated: Bool
}

extension Ledger {
    /// The entries that moved a transfer's money, oldest first: its holds' creation (acceptance)
    /// and settlement (paid, refunded, expired), and any reversal of a paid leg.
    ///
    /// ```swift
    /// for entry in try ledger.entries(operatorId: "ACME", transferId: id) { print(entry.kind, entry.lines) }
    /// ```
    public func entries(operatorId: String, transferId: TransferID) throws -> [EntryRecord] {
        try pool.read { db in
            // The legs' holds are in their rows; a transfer recorded before holds per leg has one
            // hold in the hold table, named transfer/OP/ID.
            var ids = Set<Int64>()
            var held = [Int64: Int64]()
            for row in try Row.fetchAll(db, sql: """
                SELECT hold_entry_id AS created_entry_id, hold_closed_entry_id AS closed_entry_id, hold_amount AS amount
                FROM \(LegPlace.legsOfTransfer(["hold_entry_id", "hold_closed_entry_id", "hold_amount", "hold_state"]))
                WHERE hold_state IS NOT NULL
                UNION ALL
                SELECT created_entry_id, closed_entry_id, amount FROM hold WHERE id = ?3
                """, arguments: [operatorId, Data(transferId.bytes), TransferSubmission.holdId(operatorId, transferId)]) {
                ids.insert(row["created_entry_id"])
                held[row["created_entry_id"], default: 0] += row["amount"] as Int64
                if let closed: Int64 = row["closed_entry_id"] { ids.insert(closed) }
            }
            for id in try Int64.fetchAll(db, sql: "SELECT entry_id FROM reversal WHERE operator_id = ? AND transfer_id = ?",
                                         arguments: [operatorId, Data(transferId.bytes)]) {
                ids.insert(id)
            }
            return try ids.sorted().map { id in
                var entry = try Self.entry(db, id: id)
                if let part = held[id], part != entry.lines.reduce(0, { $0 + max($1.amount, 0) }) { entry.transferPart = part }
                return entry
            }
        }
    }

    static func entry(_ db: Database, id: Int64) throws -> EntryRecord {
        let entry = try Row.fetchOne(db, sql: "SELECT kind, reference, created_at FROM entry WHERE id = ?", arguments: [id])!
        let lines = try Row.fetchAll(db, sql: """
            SELECT a.code, a.currency, p.amount FROM posting p JOIN account a ON a.id = p.account_id
            WHERE p.entry_id = ? ORDER BY p.line
            """, arguments: [id]).map { EntryRecord.Line(account: $0["code"], currency: $0["currency"], amount: $0["amount"]) }
        return EntryRecord(id: id, kind: entry["kind"], reference: entry["reference"], createdAt: entry["created_at"], lines: lines)
    }

    /// A transfer's events in its operator's stream, oldest first: read back from the transfer's
    /// last event until events older than the transfer, so that a busy stream is not read whole.
    public func events(operatorId: String, transferId: TransferID) throws -> [EventRecord] {
        try pool.read { db in
            guard let transfer = try Row.fetchOne(db, sql: """
                SELECT created_at, last_event_sequence FROM transfer WHERE operator_id = ? AND transfer_id = ?
                """, arguments: [operatorId, Data(transferId.bytes)])
            else { return [] }
            let createdAt: Int64 = transfer["created_at"]
            let id = Data(transferId.bytes)
            let rows = try Row.fetchCursor(db, sql: """
                SELECT * FROM event WHERE operator_id = ? AND sequence <= ? ORDER BY sequence DESC
                """, arguments: [operatorId, transfer["last_event_sequence"] as Int64])
            var events: [EventRecord] = []
            while let row = try rows.next() {
                if (row["occurred_at"] as Int64) < createdAt { break }
                if (row["transfer_id"] as Data) == id {
                    events.append(contentsOf: EventRuns.records(row).prefix(1))
                } else if row["run_transfer_ids"] as Data? != nil {
                    // A run of new transfers' events: the transfer's own is at most one of them.
                    events.append(contentsOf: EventRuns.records(row).dropFirst().filter { $0.transferId == transferId })
                }
            }
            return events.reversed()
        }
    }

    /// An account's movements from `from` (inclusive) to `to` (exclusive), both in ms since the
    /// epoch, at most `limit` of them, with the balance before and after. Entries are found by
    /// their order, which is the order of their times: a search by id, not a scan.
    ///
    /// ```swift
    /// let march = try ledger.statement(account: "operator/ACME/prefund/USD", from: start, to: end, limit: 10_000)
    /// ```
    public func statement(account code: String, from: Int64, to: Int64, limit: Int) throws -> AccountStatement? {
        try pool.read { db in
            guard let account = try Row.fetchOne(db, sql: "SELECT id, type, currency, balance FROM account WHERE code = ?",
                                                 arguments: [code])
            else { return nil }
            let accountId: Int64 = account["id"]
            let type = AccountType(rawValue: account["type"])!
            let first = try Self.firstEntry(db, atOrAfter: from), end = try Self.firstEntry(db, atOrAfter: to)
            // The balance now, less everything since the period began, is the balance before it.
            let since = try Int64.fetchOne(db, sql: """
                SELECT coalesce(sum(amount), 0) FROM posting WHERE account_id = ? AND entry_id >= ?
                """, arguments: [accountId, first]) ?? 0
            let opening = type.normalSign * ((account["balance"] as Int64) - since)
            var balance = opening
            var lines: [AccountStatement.Line] = []
            let rows = try Row.fetchCursor(db, sql: """
                SELECT p.entry_id, e.kind, e.reference, e.created_at, p.amount FROM posting p JOIN entry e ON e.id = p.entry_id
                WHERE p.account_id = ? AND p.entry_id >= ? AND p.entry_id < ? ORDER BY p.entry_id, p.line
                """, arguments: [accountId, first, end])
            var truncated = false
            while let row = try rows.next() {
                guard lines.count < limit else {
                    truncated = true
                    break
                }
                let amount = type.normalSign * (row["amount"] as Int64)
                balance += amount
                lines.append(AccountStatement.Line(entryId: row["entry_id"], kind: row["kind"], reference: row["reference"],
                                                   createdAt: row["created_at"], amount: amount, balance: balance))
            }
            return AccountStatement(account: code, type: type, currency: account["currency"], opening: opening, lines: lines,
                                    closing: balance, truncated: truncated)
        }
    }

    /// The id of the first entry made at or after `time`, or one past the last.
    static func firstEntry(_ db: Database, atOrAfter time: Int64) throws -> Int64 {
        var low = try Int64.fetchOne(db, sql: "SELECT min(id) FROM entry") ?? 1
        var high = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM entry") ?? 0) + 1
        while low < high {
            let middle = low + (high - low) / 2
            let created = try Int64.fetchOne(db, sql: "SELECT created_at FROM entry WHERE id >= ? ORDER BY id LIMIT 1",
                                             arguments: [middle]) ?? .max
            if created < time { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// An operator as the ledger knows it: when it was opened, its event stream, its accounts.
public struct OperatorRecord: Hashable, Sendable {
    public var id: String
    public var openedAt: Int64
    public var lastEventSequence: UInt64
}

extension Ledger {
    /// Every operator opened in the ledger, by id.
    public func operators() throws -> [OperatorRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, created_at, last_event_sequence FROM operator ORDER BY id").map {
                OperatorRecord(id: $0["id"], openedAt: $0["created_at"], lastEventSequence: UInt64($0["last_event_sequence"] as Int64))
            }
        }
    }

    /// How many of the operator's transfers are in each state.
    public func transferCounts(operatorId: String) throws -> [TransferState: Int] {
        try pool.read { db in
            var counts: [TransferState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, count(*) AS n FROM transfer WHERE operator_id = ? GROUP BY state",
                                        arguments: [operatorId]) {
                if let state = TransferState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }
}

extension Ledger {
    /// The newest journal entry's id and time, or nil for empty books.
    public func lastEntry() throws -> (id: Int64, at: Int64)? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, created_at FROM entry ORDER BY id DESC LIMIT 1").map { ($0["id"], $0["created_at"]) }
        }
    }
}
