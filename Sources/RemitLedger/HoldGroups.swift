import Foundation
import GRDB
import RemitDomain

/// The transfers' pending holds by expiry, counted per hold entry (schema v27): a `hold_group`
/// row per entry and expiry, with how many of the entry's leg holds expiring then are still
/// pending. The overdue-holds gauge sums the live groups' counts through a partial index on
/// `expires_at WHERE pending > 0`.
///
/// Until v27 each pending leg hold had an entry in a partial index on its expiry, written on
/// every accept and read only by the gauge: the accept's rows are written 7 % faster without it
/// (`docs/lean-accept-step5.md`). A slice's new transfers move their money in one entry per
/// operator and currency (`Holds.placeTogether`), and a batch's transfers share one expiry,
/// so a slice of 32 writes one group, or two where it spans two batches. The count is exact:
/// holds that expire at different times are in different groups, so the gauge is what it was.
///
///     // a slice: 32 one-leg transfers of one batch, expiring together, in entry 42
///     // hold_group (entry_id 42, expires_at 1_795_694_400_000, pending 32)
///     try HoldGroups.leave(db, entry: 42, expiresAt: 1_795_694_400_000, operatorId: "ACME", transfer: id, leg: 0)  // 31
enum HoldGroups {
    /// Counts `holds` new holds expiring at `expiresAt` in an entry's groups.
    static func count(_ holds: Int, expiringAt expiresAt: Int64, in expiries: inout [(at: Int64, holds: Int)]) {
        guard holds > 0 else { return }
        if let last = expiries.indices.last, expiries[last].at == expiresAt {
            expiries[last].holds += holds
        } else if let index = expiries.firstIndex(where: { $0.at == expiresAt }) {
            expiries[index].holds += holds
        } else {
            expiries.append((expiresAt, holds))
        }
    }

    /// Writes a new entry's groups: its holds are all pending.
    static func write(_ db: Database, entry: Int64, _ expiries: [(at: Int64, holds: Int)], _ context: WriteContext) throws {
        precondition(!expiries.isEmpty, "a hold entry with no holds")
        for expiry in expiries {
            try context.hot.run(db, .insertHoldGroup) {
                $0.int(entry)
                $0.int(expiry.at)
                $0.int(Int64(expiry.holds))
            }
        }
    }

    /// On the payout path, so `HotPathTests` compiles it.
    static let leaveSQL = "UPDATE hold_group SET pending = pending - 1 WHERE entry_id = ? AND expires_at = ?"

    /// A leg's hold that leaves `pending` (posted, voided) leaves its group's count. Every pending
    /// leg hold has a group (`verify` checks it): a missing one is a damaged ledger, and the
    /// command is refused rather than the gauge left wrong.
    static func leave(_ db: Database, entry: Int64, expiresAt: Int64, operatorId: String, transfer: Data, leg: Int) throws {
        try db.cachedStatement(sql: leaveSQL).execute(arguments: [entry, expiresAt])
        guard db.changesCount == 1 else {
            throw LedgerError.storage("""
                the hold of leg \(leg) of transfer \(TransferID(bytes: [UInt8](transfer)).map(\.description) ?? "?") \
                of \(operatorId) has no hold group (entry \(entry), expiring at \(expiresAt)): run remitctl verify
                """)
        }
    }

    /// Pending holds past their expiry at `?1`: the hold table's (through its partial index) and
    /// the legs' (the live groups', through theirs).
    static let overdueSQL = """
        SELECT (SELECT count(*) FROM hold WHERE state = 'pending' AND expires_at <= ?1)
             + (SELECT coalesce(sum(pending), 0) FROM hold_group WHERE pending > 0 AND expires_at <= ?1)
        """

    /// Groups whose count differs from their pending leg holds, and pending leg holds of no
    /// group, for `verify`: the entry, the expiry, what the group counts (NULL: no group) and
    /// how many leg holds are pending.
    static let disagreementsSQL = """
        WITH legs (entry_id, expires_at, pending) AS (
            SELECT hold_entry_id, hold_expires_at, count(*)
            FROM \(LegPlace.allLegs(["hold_entry_id", "hold_expires_at", "hold_state"]))
            WHERE hold_state = 'pending' GROUP BY hold_entry_id, hold_expires_at)
        SELECT l.entry_id, l.expires_at, g.pending AS counted, l.pending AS legs
        FROM legs l LEFT JOIN hold_group g ON g.entry_id = l.entry_id AND g.expires_at = l.expires_at
        WHERE g.pending IS NOT l.pending
        UNION ALL
        SELECT g.entry_id, g.expires_at, g.pending, 0 FROM hold_group g
        WHERE g.pending > 0 AND NOT EXISTS (SELECT 1 FROM legs l WHERE l.entry_id = g.entry_id AND l.expires_at = g.expires_at)
        ORDER BY 1, 2
        """
}
