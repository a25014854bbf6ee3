import Foundation
import GRDB

/// Schema v28: the first legs in the payout outbox are listed in outbox runs (`OutboxRuns`), a
/// row per slice and operator, and the partial index `transfer_leg_outbox`, an entry per queued
/// first leg, goes (`docs/lean-accept-step5.md`).
///
/// The first legs already queued are put into runs in the order the dispatcher took them,
/// `leg_queued_at, operator_id, transfer_id`, up to 32 of one operator and moment to a run, and
/// each transfer row names its run: only the queued first legs are written. Legs 1 and up keep
/// their index. Before and after, the queued first legs per operator must be the same, and so
/// must the dispatcher's order of the outbox: otherwise the upgrade stops with nothing changed.
enum OutboxRunMigration {
    static func run(_ db: Database) throws {
        let queued = try Row.fetchAll(db, sql: """
            SELECT operator_id, transfer_id, leg_queued_at FROM transfer WHERE leg_queued_at IS NOT NULL
            ORDER BY leg_queued_at, operator_id, transfer_id
            """)
        try db.execute(sql: """
            CREATE TABLE outbox_run (
                id INTEGER PRIMARY KEY,
                operator_id TEXT NOT NULL REFERENCES operator(id),
                queued_at INTEGER NOT NULL,
                queued INTEGER NOT NULL,
                transfer_ids BLOB NOT NULL,
                CHECK (length(transfer_ids) % 16 = 0 AND length(transfer_ids) BETWEEN 16 AND \(16 * OutboxRuns.longest)),
                CHECK (queued BETWEEN 0 AND length(transfer_ids) / 16)
            ) STRICT;
            CREATE INDEX outbox_run_live ON outbox_run(queued_at, id) WHERE queued > 0;
            ALTER TABLE transfer ADD COLUMN leg_outbox_run INTEGER;
            """)
        var run: (id: Int64, operatorId: String, queuedAt: Int64, ids: Data)?
        func write() throws {
            guard let run else { return }
            try db.execute(sql: "INSERT INTO outbox_run (id, operator_id, queued_at, queued, transfer_ids) VALUES (?, ?, ?, ?, ?)",
                           arguments: [run.id, run.operatorId, run.queuedAt, run.ids.count / 16, run.ids])
        }
        var next: Int64 = 0
        for row in queued {
            let operatorId: String = row[0], transferId: Data = row[1], queuedAt: Int64 = row[2]
            if let current = run, current.operatorId == operatorId, current.queuedAt == queuedAt,
               current.ids.count < 16 * OutboxRuns.longest {
                run!.ids.append(transferId)
            } else {
                try write()
                next += 1
                run = (next, operatorId, queuedAt, transferId)
            }
            try db.execute(sql: "UPDATE transfer SET leg_outbox_run = ? WHERE operator_id = ? AND transfer_id = ?",
                           arguments: [run!.id, operatorId, transferId])
        }
        try write()
        try db.execute(sql: "DROP INDEX transfer_leg_outbox")
        // Each transfer naming a run of its operator and moment, in the order the dispatcher
        // now reads them: runs by moment and id, members in the order they were put in.
        let after = try Row.fetchAll(db, sql: """
            SELECT t.operator_id, t.transfer_id, t.leg_queued_at FROM transfer t
            JOIN outbox_run r ON r.id = t.leg_outbox_run AND r.operator_id = t.operator_id AND r.queued_at = t.leg_queued_at
            ORDER BY r.queued_at, r.id, t.operator_id, t.transfer_id
            """)
        let named = try Int.fetchOne(db, sql: "SELECT count(*) FROM transfer WHERE leg_outbox_run IS NOT NULL") ?? 0
        guard after == queued, named == queued.count else {
            throw LedgerError.storage("""
                putting the queued first legs into outbox runs would change the outbox (\(queued.count) legs before, \
                \(after.count) in runs after); nothing was changed
                """)
        }
    }
}
