import Foundation
import GRDB

/// Schema v21: a leg's hold moves from a row of the `hold` table into columns of its leg.
///
/// Until v20 an accepted transfer wrote a hold row per leg (its own B-tree row, primary-key
/// entry and expiry-index entry) beside the leg that names it; the leg now carries the hold's
/// amount, remaining, state, expiry and the entries that made and closed it, and the hold's name
/// in the journal (`transfer/OP/ID[/LEG]`, `TransferSubmission.holdId`) stays what it was. The
/// `hold` table keeps the holds placed by `hold` commands and the one hold of each transfer
/// recorded before holds per leg (v11), which its transfer row still names.
///
/// SQLite cannot drop the foreign keys and the rule that tied `transfer.hold_id` and
/// `leg.hold_id` to hold rows, so both tables are rebuilt by its documented procedure, their rows
/// unchanged but for the hold. Before anything moves, each leg's hold must be its own, of its
/// operator and its transfer's send currency; after, the money held must be what it was.
enum LegHoldMigration {
    static func run(_ db: Database) throws {
        try refuseHoldsNotTheLegs(db)
        let heldBefore = try pendingHeld(db, legColumns: false)
        try db.execute(sql: """
            CREATE TABLE transfer_v21 (
                operator_id TEXT NOT NULL REFERENCES operator(id),
                transfer_id BLOB NOT NULL CHECK (length(transfer_id) = 16),
                content_hash BLOB NOT NULL CHECK (length(content_hash) = 32),
                state TEXT NOT NULL,
                reason INTEGER NOT NULL DEFAULT 0,
                field INTEGER NOT NULL DEFAULT 0,
                -- The transfer's one hold, for transfers recorded before holds per leg (holds_per_leg = 0).
                hold_id TEXT REFERENCES hold(id),
                send_currency TEXT,
                send_amount INTEGER NOT NULL DEFAULT 0,
                fee INTEGER NOT NULL DEFAULT 0,
                payout_currency TEXT,
                payout_amount INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                last_event_sequence INTEGER NOT NULL DEFAULT 0,
                operator_reference TEXT NOT NULL DEFAULT '',
                send_country TEXT,
                payout_country TEXT,
                quote_id BLOB CHECK (quote_id IS NULL OR length(quote_id) = 16),
                rate INTEGER NOT NULL DEFAULT 0 CHECK (rate >= 0),
                reference_rate INTEGER NOT NULL DEFAULT 0 CHECK (reference_rate >= 0),
                -- 1: each leg holds its own share, in its leg row. 0: the one hold named by hold_id.
                holds_per_leg INTEGER NOT NULL DEFAULT 0 CHECK (holds_per_leg = 0 OR holds_per_leg = 1),
                leg_failure_policy TEXT NOT NULL DEFAULT 'refund' CHECK (leg_failure_policy = 'refund' OR leg_failure_policy = 'redirect'),
                sender_name TEXT NOT NULL DEFAULT '',
                sender_account TEXT NOT NULL DEFAULT '',
                beneficiary_name TEXT NOT NULL DEFAULT '',
                standing_instruction_revision INTEGER,
                PRIMARY KEY (operator_id, transfer_id),
                CHECK (holds_per_leg = 0 OR hold_id IS NULL),
                CHECK (holds_per_leg = 1 OR (state = 'rejected') = (hold_id IS NULL))
            ) STRICT, WITHOUT ROWID;

            CREATE TABLE leg_v21 (
                operator_id TEXT NOT NULL,
                transfer_id BLOB NOT NULL,
                leg_index INTEGER NOT NULL CHECK (leg_index >= 0),
                product TEXT NOT NULL,
                institution TEXT NOT NULL,
                account TEXT NOT NULL,
                share INTEGER NOT NULL CHECK (share > 0 AND share <= 10000),
                payout_amount INTEGER NOT NULL CHECK (payout_amount >= 0),
                state TEXT NOT NULL,
                reason INTEGER NOT NULL DEFAULT 0,
                partner_reference TEXT NOT NULL DEFAULT '',
                partner TEXT NOT NULL DEFAULT '',
                -- The leg's hold on its operator's prefund, in the transfer's send currency: none
                -- (state NULL) when the leg holds nothing or the transfer has one hold for all.
                hold_amount INTEGER NOT NULL DEFAULT 0 CHECK (hold_amount >= 0),
                hold_remaining INTEGER NOT NULL DEFAULT 0 CHECK (hold_remaining >= 0 AND hold_remaining <= hold_amount),
                hold_state TEXT CHECK (\(Schema.oneOf("hold_state", ["pending", "posted", "voided", "expired"]))),
                hold_expires_at INTEGER,
                hold_entry_id INTEGER REFERENCES entry(id),
                hold_closed_entry_id INTEGER REFERENCES entry(id),
                PRIMARY KEY (operator_id, transfer_id, leg_index),
                FOREIGN KEY (operator_id, transfer_id) REFERENCES transfer(operator_id, transfer_id),
                CHECK ((hold_state IS NULL) = (hold_amount = 0)),
                CHECK ((hold_state IS NULL) = (hold_entry_id IS NULL)),
                CHECK ((hold_state IS NULL) = (hold_expires_at IS NULL)),
                CHECK ((coalesce(hold_state, 'pending') = 'pending') = (hold_closed_entry_id IS NULL)),
                CHECK (hold_state = 'pending' OR hold_remaining = 0)
            ) STRICT, WITHOUT ROWID;

            INSERT INTO transfer_v21 (operator_id, transfer_id, content_hash, state, reason, field, hold_id, send_currency,
                                      send_amount, fee, payout_currency, payout_amount, created_at, updated_at,
                                      last_event_sequence, operator_reference, send_country, payout_country, quote_id, rate,
                                      reference_rate, holds_per_leg, leg_failure_policy, sender_name, sender_account,
                                      beneficiary_name, standing_instruction_revision)
                SELECT operator_id, transfer_id, content_hash, state, reason, field,
                       CASE WHEN holds_per_leg = 1 THEN NULL ELSE hold_id END, send_currency, send_amount, fee,
                       payout_currency, payout_amount, created_at, updated_at, last_event_sequence, operator_reference,
                       send_country, payout_country, quote_id, rate, reference_rate, holds_per_leg, leg_failure_policy,
                       sender_name, sender_account, beneficiary_name, standing_instruction_revision
                FROM transfer ORDER BY operator_id, transfer_id;

            INSERT INTO leg_v21 (operator_id, transfer_id, leg_index, product, institution, account, share, payout_amount,
                                 state, reason, partner_reference, partner, hold_amount, hold_remaining, hold_state,
                                 hold_expires_at, hold_entry_id, hold_closed_entry_id)
                SELECT l.operator_id, l.transfer_id, l.leg_index, l.product, l.institution, l.account, l.share,
                       l.payout_amount, l.state, l.reason, l.partner_reference, l.partner, coalesce(h.amount, 0),
                       coalesce(h.remaining, 0), h.state, h.expires_at, h.created_entry_id, h.closed_entry_id
                FROM leg l LEFT JOIN hold h ON h.id = l.hold_id
                ORDER BY l.operator_id, l.transfer_id, l.leg_index;

            DELETE FROM hold WHERE id IN (SELECT hold_id FROM leg WHERE hold_id IS NOT NULL);
            DROP TABLE leg;
            DROP TABLE transfer;
            ALTER TABLE transfer_v21 RENAME TO transfer;
            ALTER TABLE leg_v21 RENAME TO leg;
            CREATE INDEX transfer_in_doubt ON transfer(operator_id) WHERE state = 'inDoubt';
            CREATE INDEX leg_hold_pending_by_expiry ON leg(hold_expires_at) WHERE hold_state = 'pending';
            """)
        let heldAfter = try pendingHeld(db, legColumns: true)
        guard heldAfter == heldBefore else {
            throw LedgerError.storage("""
                moving the legs' holds into their legs would change what is held (\(heldBefore) before, \(heldAfter) \
                after); nothing was changed
                """)
        }
    }

    /// A leg's hold moves only if it is the leg's alone, in its transfer's send currency and of its
    /// operator, and its transfer keeps a hold per leg: anything else was written by no version
    /// of the gateway, and moving it would change what the ledger says.
    private static func refuseHoldsNotTheLegs(_ db: Database) throws {
        if let row = try Row.fetchOne(db, sql: """
            SELECT l.operator_id, hex(l.transfer_id) AS transfer, l.leg_index, l.hold_id
            FROM leg l
            JOIN transfer t ON t.operator_id = l.operator_id AND t.transfer_id = l.transfer_id
            LEFT JOIN hold h ON h.id = l.hold_id
            WHERE l.hold_id IS NOT NULL
              AND (h.id IS NULL OR h.operator_id <> l.operator_id OR h.currency IS NOT t.send_currency OR t.holds_per_leg <> 1)
            UNION ALL
            SELECT min(operator_id) AS operator_id, hex(min(transfer_id)) AS transfer, min(leg_index) AS leg_index, hold_id
            FROM leg WHERE hold_id IS NOT NULL GROUP BY hold_id HAVING count(*) > 1
            LIMIT 1
            """) {
            throw LedgerError.storage("""
                leg \(row["leg_index"] as Int64) of transfer \(row["operator_id"] as String)/\(row["transfer"] as String) \
                names hold \(row["hold_id"] as String), which is missing, another operator's or currency's, or shared: \
                the ledger was changed outside the gateway; keep this file as evidence and restore a backup
                """)
        }
    }

    /// What pending holds hold, per operator and currency, in a canonical text form.
    private static func pendingHeld(_ db: Database, legColumns: Bool) throws -> String {
        let legs = legColumns ? """
            UNION ALL SELECT l.operator_id, t.send_currency, l.hold_remaining FROM leg l
            JOIN transfer t ON t.operator_id = l.operator_id AND t.transfer_id = l.transfer_id WHERE l.hold_state = 'pending'
            """ : ""
        return try Row.fetchAll(db, sql: """
            SELECT operator_id, currency, sum(remaining) AS held FROM (
                SELECT operator_id, currency, remaining FROM hold WHERE state = 'pending' \(legs))
            GROUP BY operator_id, currency ORDER BY operator_id, currency
            """).map { "\($0["operator_id"] as String) \($0["currency"] as String) \($0["held"] as Int64)" }
            .joined(separator: ", ")
    }
}
