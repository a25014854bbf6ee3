import Foundation
import GRDB
import RemitDomain

/// Schema v23: a transfer's screening decisions move into its row, and the screening chain's
/// rows become links, each covering the transfers of one slice of commands (`Screenings.join`).
/// Each row of the old chain (one per transfer, since v17) becomes a link of one transfer, with
/// its id and time; the chain is hashed anew in the links' form. The old chain is checked first,
/// row by row: hashing anew rows edited before the upgrade would hide the edit, so a broken
/// chain, or a row that names no transfer or the same transfer as another, stops the upgrade and
/// changes nothing.
enum ScreeningLinkMigration {
    static func run(_ db: Database) throws {
        let party = { (name: String) in
            """
            ALTER TABLE transfer ADD COLUMN \(name)_decision TEXT
                CHECK (\(Schema.oneOf("\(name)_decision", ["clear", "review", "match"])));
            ALTER TABLE transfer ADD COLUMN \(name)_score_bps INTEGER
                CHECK (\(name)_score_bps BETWEEN 0 AND 10000 AND (\(name)_decision IS NULL) = (\(name)_score_bps IS NULL));
            ALTER TABLE transfer ADD COLUMN \(name)_entry_id TEXT;
            ALTER TABLE transfer ADD COLUMN \(name)_matched_name TEXT;
            ALTER TABLE transfer ADD COLUMN \(name)_source TEXT;
            """
        }
        let rows = try Int.fetchOne(db, sql: "SELECT count(*) FROM screening") ?? 0
        try checkOldChain(db)
        if let twice = try Row.fetchOne(db, sql: """
            SELECT min(id) AS id, count(*) AS count FROM screening GROUP BY operator_id, transfer_id HAVING count > 1 LIMIT 1
            """) {
            throw refusal("screening decision \(twice["id"] as Int64) names a transfer that \(twice["count"] as Int64) rows name")
        }
        // Columns added to a table cost nothing to add; only the screened transfers are written.
        try db.execute(sql: """
            \(party("sender"))
            \(party("beneficiary"))
            ALTER TABLE transfer ADD COLUMN screening_id INTEGER
                CHECK ((screening_id IS NULL) = (sender_decision IS NULL AND beneficiary_decision IS NULL));
            UPDATE transfer SET screening_id = s.id,
                sender_decision = s.sender_decision, sender_score_bps = s.sender_score_bps, sender_entry_id = s.sender_entry_id,
                sender_matched_name = s.sender_matched_name, sender_source = s.sender_source,
                beneficiary_decision = s.beneficiary_decision, beneficiary_score_bps = s.beneficiary_score_bps,
                beneficiary_entry_id = s.beneficiary_entry_id, beneficiary_matched_name = s.beneficiary_matched_name,
                beneficiary_source = s.beneficiary_source
                FROM screening s WHERE s.operator_id = transfer.operator_id AND s.transfer_id = transfer.transfer_id;
            CREATE TABLE screening_v23 (
                id INTEGER PRIMARY KEY,
                screened_at INTEGER NOT NULL,
                transfers INTEGER NOT NULL CHECK (transfers > 0),
                hash BLOB NOT NULL CHECK (length(hash) = 32)
            ) STRICT;
            """)
        let moved = try Int.fetchOne(db, sql: "SELECT count(*) FROM transfer WHERE screening_id IS NOT NULL") ?? 0
        guard moved == rows else {
            let orphan = try Int64.fetchOne(db, sql: """
                SELECT min(s.id) FROM screening s WHERE NOT EXISTS
                    (SELECT 1 FROM transfer t WHERE t.operator_id = s.operator_id AND t.transfer_id = s.transfer_id)
                """)
            let named = orphan.map { "\($0)" } ?? "?"
            throw refusal("screening decision \(named) names no transfer (\(rows) rows, \(moved) transfers)")
        }
        let links = try Row.fetchCursor(db, sql: """
            SELECT id, operator_id, transfer_id, screened_at, \(Screenings.decisionColumns) FROM screening ORDER BY id
            """)
        let insert = try db.makeStatement(sql: "INSERT INTO screening_v23 (id, screened_at, transfers, hash) VALUES (?, ?, 1, ?)")
        var previous = Chain.screening.genesisHash
        while let row = try links.next() {
            let id: Int64 = row["id"], at: Int64 = row["screened_at"]
            let member = Screenings.Member(row)
            let hash = Screenings.linkHash(previous: previous, id: id, at: at, members: [member])
            try insert.execute(arguments: [id, at, hash])
            previous = hash
        }
        try db.execute(sql: """
            DROP TABLE screening;
            ALTER TABLE screening_v23 RENAME TO screening;
            """)
    }

    /// The chain as v17 to v22 kept it: a row per transfer, each hashed after the one before.
    static func checkOldChain(_ db: Database) throws {
        let rows = try Row.fetchCursor(db, sql: """
            SELECT id, operator_id, transfer_id, screened_at, \(Screenings.decisionColumns), hash FROM screening ORDER BY id
            """)
        var previous = Chain.screening.genesisHash
        var expected: Int64 = 1
        while let row = try rows.next() {
            let id: Int64 = row["id"], stored: Data = row["hash"]
            guard id == expected, Screenings.v17RowHash(row, previous: previous, id: id) == stored else {
                throw refusal("screening decision \(expected) does not follow from the chain before it (remitctl verify "
                              + "of the previous version shows it): the decisions were changed, and chaining them anew "
                              + "would hide that")
            }
            previous = stored
            expected += 1
        }
    }

    static func refusal(_ what: String) -> LedgerError {
        .storage("\(what); keep this file as evidence and restore a backup; nothing was changed")
    }
}

extension Screenings {
    /// A row's hash as v17 to v22 chained them, one row per transfer: the previous row's hash,
    /// the id, the transfer (operator and id), the time, and each party's decision
    /// (`partyHash`), sender first. The v17 migration writes it; v23 checks it.
    static func v17RowHash(previous: Data, id: Int64, operatorId: String, transfer: TransferID, sender: ScreeningRecord?,
                           beneficiary: ScreeningRecord?, at: Int64) -> Data {
        var hasher = ChainHasher(previous: previous)
        hasher.integer(id)
        hasher.text(operatorId)
        hasher.integer(Int64(bitPattern: transfer.high))
        hasher.integer(Int64(bitPattern: transfer.low))
        hasher.integer(at)
        partyHash(&hasher, sender)
        partyHash(&hasher, beneficiary)
        return hasher.finalize()
    }

    /// A stored v17 row's hash as `v17RowHash` makes it, from `previous` and `id`.
    static func v17RowHash(_ row: Row, previous: Data, id: Int64) -> Data {
        let member = Member(row), decided = decisions(row)
        return v17RowHash(previous: previous, id: id, operatorId: member.operatorId, transfer: member.transferId,
                          sender: decided.first { $0.party == "sender" },
                          beneficiary: decided.first { $0.party == "beneficiary" }, at: row["screened_at"])
    }

    /// The hash of a decision as v15 chained them, one row per decision: the previous row's
    /// hash, the id, the transfer, the party, decision, score, entry, matched name, list version
    /// and time. Only the v17 migration uses it, for ledgers older than v17.
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
}
