import Foundation
import GRDB

/// What `verify` found. Empty `problems` means the books are whole.
public struct VerificationReport: Sendable, CustomStringConvertible {
    public var entries = 0
    public var postings = 0
    public var accounts = 0
    public var auditLines = 0
    public var screenings = 0
    public var problems: [String] = []

    public var isClean: Bool { problems.isEmpty }

    public var description: String {
        isClean ? "ledger verified: \(entries) entries, \(postings) postings, \(accounts) accounts, "
            + "\(auditLines) audit lines, \(screenings) screening decisions, no problem"
            : "ledger NOT verified: \(problems.count) problems\n" + problems.map { "  - " + $0 }.joined(separator: "\n")
    }
}

extension Ledger {
    /// Recomputes every balance from the postings, checks that every entry balances per
    /// currency, walks the hash chains of the journal, the audit log and the screening decisions, and checks that the holds accounts equal the pending holds and that each hold entry moved what its holds hold.
    /// Reads one consistent snapshot; the writer goes on meanwhile.
    public func verify() throws -> VerificationReport {
        try pool.read { db in
            var report = VerificationReport()
            report.accounts = try Int.fetchOne(db, sql: "SELECT count(*) FROM account") ?? 0
            report.postings = try Int.fetchOne(db, sql: "SELECT count(*) FROM posting") ?? 0

            for row in try Row.fetchAll(db, sql: """
                SELECT a.code, a.balance, coalesce(sum(p.amount), 0) AS computed
                FROM account a LEFT JOIN posting p ON p.account_id = a.id GROUP BY a.id ORDER BY a.code
                """) where (row["balance"] as Int64) != (row["computed"] as Int64) {
                report.problems.append("account \(row["code"] as String): balance \(row["balance"] as Int64), "
                                       + "postings sum to \(row["computed"] as Int64)")
            }

            for row in try Row.fetchAll(db, sql: """
                SELECT p.entry_id, a.currency, sum(p.amount) AS total FROM posting p JOIN account a ON a.id = p.account_id
                GROUP BY p.entry_id, a.currency HAVING total <> 0 ORDER BY p.entry_id
                """) {
                report.problems.append("entry \(row["entry_id"] as Int64): postings in \(row["currency"] as String) "
                                       + "sum to \(row["total"] as Int64)")
            }

            var previous = Journal.genesisHash
            var expectedId: Int64 = 1
            let lines = try Row.fetchAll(db, sql: """
                SELECT p.entry_id, a.code, p.amount FROM posting p JOIN account a ON a.id = p.account_id
                ORDER BY p.entry_id, p.line
                """)
            var linesByEntry = [Int64: [(account: String, amount: Int64)]]()
            for line in lines { linesByEntry[line["entry_id"], default: []].append((line["code"], line["amount"])) }
            let entries = try Row.fetchCursor(db, sql: """
                SELECT id, kind, reference, created_at, previous_hash, hash FROM entry ORDER BY id
                """)
            while let entry = try entries.next() {
                report.entries += 1
                let id: Int64 = entry["id"]
                if id != expectedId { report.problems.append("entry \(expectedId): missing (next is \(id))") }
                expectedId = id + 1
                let stored: Data = entry["hash"]
                if (entry["previous_hash"] as Data) != previous {
                    report.problems.append("entry \(id): previous_hash does not match the hash of the entry before it")
                }
                let computed = Journal.entryHash(previous: entry["previous_hash"], id: id, kind: entry["kind"],
                                                 reference: entry["reference"], createdAt: entry["created_at"],
                                                 lines: linesByEntry[id] ?? [])
                if computed != stored { report.problems.append("entry \(id): hash does not match its content") }
                if linesByEntry[id] == nil { report.problems.append("entry \(id): has no postings") }
                previous = stored
            }

            for row in try Row.fetchAll(db, sql: """
                WITH pending (code, remaining) AS (
                    SELECT 'operator/' || operator_id || '/holds/' || currency, remaining FROM hold WHERE state = 'pending'
                    UNION ALL
                    SELECT 'operator/' || operator_id || '/holds/' || send_currency, leg_hold_remaining FROM transfer
                    WHERE leg_hold_state = 'pending'
                    UNION ALL
                    SELECT 'operator/' || l.operator_id || '/holds/' || t.send_currency, l.hold_remaining FROM leg l
                    JOIN transfer t ON t.operator_id = l.operator_id AND t.transfer_id = l.transfer_id
                    WHERE l.hold_state = 'pending')
                SELECT a.code, -a.balance AS held,
                       coalesce((SELECT sum(p.remaining) FROM pending p WHERE p.code = a.code), 0) AS pending
                FROM account a WHERE a.code LIKE 'operator/%/holds/%'
                """) where (row["held"] as Int64) != (row["pending"] as Int64) {
                report.problems.append("account \(row["code"] as String): holds \(row["held"] as Int64), "
                                       + "pending holds add up to \(row["pending"] as Int64)")
            }
            // Each hold entry moves into the holds account what the holds it created hold: one
            // hold, or (since a slice of new transfers moves its money in one entry) many.
            var created = [Int64: Int64]()
            for row in try Row.fetchAll(db, sql: """
                SELECT created_entry_id, sum(amount) FROM hold GROUP BY created_entry_id
                UNION ALL
                SELECT leg_hold_entry_id, sum(leg_hold_amount) FROM transfer WHERE leg_hold_entry_id IS NOT NULL
                GROUP BY leg_hold_entry_id
                UNION ALL
                SELECT hold_entry_id, sum(hold_amount) FROM leg WHERE hold_entry_id IS NOT NULL GROUP BY hold_entry_id
                """) {
                created[row[0], default: 0] += row[1] as Int64
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT e.id, coalesce(sum(CASE WHEN p.amount > 0 THEN p.amount END), 0) FROM entry e
                LEFT JOIN posting p ON p.entry_id = e.id WHERE e.kind = 'hold' GROUP BY e.id ORDER BY e.id
                """) {
                let id: Int64 = row[0], moved: Int64 = row[1]
                let holds = created.removeValue(forKey: id) ?? 0
                if holds != moved {
                    report.problems.append("entry \(id): holds \(moved), the holds it created add up to \(holds)")
                }
            }
            for (id, amount) in created.sorted(by: { $0.key < $1.key }) {
                report.problems.append("holds of \(amount) name entry \(id) as theirs, which is not a hold entry")
            }
            // The overdue-holds gauge counts pending leg holds by their groups (v27).
            for row in try Row.fetchAll(db, sql: HoldGroups.disagreementsSQL) {
                let entry: Int64 = row["entry_id"], expiresAt: Int64 = row["expires_at"], legs: Int64 = row["legs"]
                if let counted = row["counted"] as Int64? {
                    report.problems.append("hold group of entry \(entry) expiring at \(expiresAt): counts \(counted) pending holds, "
                                           + "its legs have \(legs)")
                } else {
                    report.problems.append("entry \(entry): \(legs) pending leg holds expiring at \(expiresAt) have no hold group")
                }
            }
            // Each operator's stream is 1...last, each event once: a row (one event, or a run of
            // them, v25) starts where the one before it ended, and the last ends at the counter.
            for row in try Row.fetchAll(db, sql: """
                SELECT o.id, o.last_event_sequence AS last, coalesce(sum(e.events), 0) AS events,
                       coalesce(max(e.sequence + e.events - 1), 0) AS highest
                FROM operator o LEFT JOIN event e ON e.operator_id = o.id GROUP BY o.id ORDER BY o.id
                """) {
                let last: Int64 = row["last"], count: Int64 = row["events"], highest: Int64 = row["highest"]
                if count != highest || last != highest {
                    report.problems.append("operator \(row["id"] as String): events 1...\(last) expected, "
                                           + "\(count) found, highest \(highest)")
                }
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT operator_id, sequence, expected FROM (
                    SELECT operator_id, sequence,
                           lag(sequence + events, 1, 1) OVER (PARTITION BY operator_id ORDER BY sequence) AS expected
                    FROM event)
                WHERE sequence <> expected
                """) {
                report.problems.append("operator \(row["operator_id"] as String): event \(row["sequence"] as Int64) "
                                       + "where \(row["expected"] as Int64) was next")
            }

            // What a transfer holds: its legs' holds, or its one hold, together send amount plus fee.
            for row in try Row.fetchAll(db, sql: """
                SELECT t.operator_id, hex(t.transfer_id) AS id FROM transfer t
                WHERE t.state <> 'rejected' AND t.send_amount + t.fee IS NOT (CASE t.holds_per_leg
                    WHEN 1 THEN CASE WHEN t.leg_state IS NOT NULL THEN t.leg_hold_amount
                                     + (SELECT coalesce(sum(l.hold_amount), 0) FROM leg l
                                        WHERE l.operator_id = t.operator_id AND l.transfer_id = t.transfer_id) END
                    ELSE (SELECT h.amount FROM hold h WHERE h.id = t.hold_id AND h.operator_id = t.operator_id) END)
                """) {
                report.problems.append("transfer \(row["operator_id"] as String)/\(row["id"] as String): "
                                       + "its holds are missing or differ from send amount plus fee")
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT t.operator_id, hex(t.transfer_id) AS id, t.payout_amount,
                       coalesce(t.leg_payout_amount, 0) + coalesce(sum(l.payout_amount), 0) AS legs,
                       (t.leg_state IS NOT NULL) + count(l.leg_index) AS count
                FROM transfer t LEFT JOIN leg l ON l.operator_id = t.operator_id AND l.transfer_id = t.transfer_id
                WHERE t.state <> 'rejected' GROUP BY t.operator_id, t.transfer_id
                HAVING legs <> t.payout_amount OR count = 0
                """) {
                report.problems.append("transfer \(row["operator_id"] as String)/\(row["id"] as String): legs pay "
                                       + "\(row["legs"] as Int64) in \(row["count"] as Int64) legs, the transfer "
                                       + "\(row["payout_amount"] as Int64)")
            }
            // The first leg of every transfer is in its transfer's row (v26): a leg row with index 0
            // would be a second first leg, which no reader would see.
            let misplaced = try Int.fetchOne(db, sql: "SELECT count(*) FROM leg WHERE leg_index = 0") ?? 0
            if misplaced > 0 { report.problems.append("\(misplaced) legs with index 0 in the leg table") }
            // Resolutions, reversals and contributions name their leg; since v26 their foreign key
            // reaches only the transfer, so that the leg exists is checked here.
            for row in try Row.fetchAll(db, sql: """
                SELECT x.kind, x.operator_id, hex(x.transfer_id) AS id, x.leg_index FROM (
                    SELECT 'resolution' AS kind, operator_id, transfer_id, leg_index FROM resolution
                    UNION ALL SELECT 'reversal', operator_id, transfer_id, leg_index FROM reversal
                    UNION ALL SELECT 'contribution', operator_id, transfer_id, leg_index FROM contribution) x
                WHERE NOT CASE WHEN x.leg_index = 0
                    THEN EXISTS (SELECT 1 FROM transfer t WHERE t.operator_id = x.operator_id
                                 AND t.transfer_id = x.transfer_id AND t.leg_state IS NOT NULL)
                    ELSE EXISTS (SELECT 1 FROM leg l WHERE l.operator_id = x.operator_id
                                 AND l.transfer_id = x.transfer_id AND l.leg_index = x.leg_index) END
                """) {
                report.problems.append("\(row["kind"] as String) of transfer \(row["operator_id"] as String)/\(row["id"] as String) "
                                       + "names leg \(row["leg_index"] as Int64), which it does not have")
            }
            // The outbox's first legs are listed in runs (v28).
            report.problems += try OutboxRuns.problems(db)
            report.problems += try Projects.check(db)
            let audit = try Audit.check(db)
            report.auditLines = audit.lines
            report.problems += audit.problems
            let screenings = try Screenings.check(db)
            report.screenings = screenings.lines
            report.problems += screenings.problems
            return report
        }
    }
}
