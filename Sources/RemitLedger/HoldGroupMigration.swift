import Foundation
import GRDB

/// Schema v27: the pending leg holds are counted per entry and expiry in `hold_group`
/// (`HoldGroups`), and the two partial indexes on their expiry, one entry per pending leg hold,
/// go (`docs/lean-accept-step5.md`).
///
/// The groups are made from the pending leg holds of both places, and nothing else changes:
/// no leg is rewritten, so the upgrade reads the legs once and writes a row per group.
/// The pending leg holds per expiry, counted in the legs before and in the groups after, must
/// agree: the overdue-holds gauge then answers as before for every moment. The groups are made
/// from the same rows, so a difference would be a fault of this code or of SQLite's, and the
/// upgrade stops with nothing changed.
enum HoldGroupMigration {
    static func run(_ db: Database) throws {
        let before = try Row.fetchAll(db, sql: """
            SELECT leg_hold_expires_at, count(*) FROM transfer WHERE leg_hold_state = 'pending'
            GROUP BY leg_hold_expires_at
            UNION ALL
            SELECT hold_expires_at, count(*) FROM leg WHERE hold_state = 'pending' GROUP BY hold_expires_at
            """).reduce(into: [Int64: Int64]()) { $0[$1[0], default: 0] += $1[1] as Int64 }
        try db.execute(sql: """
            CREATE TABLE hold_group (
                entry_id INTEGER NOT NULL REFERENCES entry(id),
                expires_at INTEGER NOT NULL,
                pending INTEGER NOT NULL CHECK (pending >= 0),
                PRIMARY KEY (entry_id, expires_at)
            ) STRICT, WITHOUT ROWID;
            INSERT INTO hold_group (entry_id, expires_at, pending)
                SELECT hold_entry_id, hold_expires_at, count(*)
                FROM \(LegPlace.allLegs(["hold_entry_id", "hold_expires_at", "hold_state"]))
                WHERE hold_state = 'pending' GROUP BY hold_entry_id, hold_expires_at ORDER BY hold_entry_id, hold_expires_at;
            CREATE INDEX hold_group_pending_by_expiry ON hold_group(expires_at) WHERE pending > 0;
            DROP INDEX transfer_leg_hold_pending_by_expiry;
            DROP INDEX leg_hold_pending_by_expiry;
            """)
        let after = try Row.fetchAll(db, sql: "SELECT expires_at, sum(pending) FROM hold_group GROUP BY expires_at")
            .reduce(into: [Int64: Int64]()) { $0[$1[0]] = $1[1] }
        guard after == before else {
            throw LedgerError.storage("""
                counting the pending leg holds per entry would change how many expire when \
                (\(before.values.reduce(0, +)) pending before, \(after.values.reduce(0, +)) counted after); nothing was changed
                """)
        }
    }
}
