import Foundation
import GRDB

/// Schema v26: leg 0 of every transfer moves from the `leg` table into its transfer's row, as
/// `leg_`-prefixed columns (`LegPlace`); legs 1 and up stay where they are.
///
/// Most transfers have one leg, and its row in `leg` was a B-tree entry of its own on every
/// accept: measured end to end, the accept is 15 % faster in batches of 8,189 and 32 % in batches
/// of 100 without it (`docs/lean-accept-step3.md`). The leg's CHECKs move with its columns, as
/// column CHECKs, which SQLite tests against every existing row when a column is added; its three
/// partial indexes get twins on the transfer.
///
/// `resolution`, `reversal` and `contribution` name a leg by a foreign key to the `leg` table,
/// which leg 0 leaves; SQLite cannot change a foreign key in place, so the three are rebuilt by
/// its documented procedure with a key to their transfer instead, their rows unchanged.
///
/// About a minute per million transfers on this project's benchmark machine. Before and after,
/// the legs, the money their holds hold and the legs in the outbox must be what they were.
enum LegRowMigration {
    static func run(_ db: Database) throws {
        let before = try census(db, legColumnsInTransfer: false)
        try db.execute(sql: """
            ALTER TABLE transfer ADD COLUMN leg_product TEXT;
            ALTER TABLE transfer ADD COLUMN leg_institution TEXT;
            ALTER TABLE transfer ADD COLUMN leg_account TEXT;
            ALTER TABLE transfer ADD COLUMN leg_share INTEGER CHECK (leg_share > 0 AND leg_share <= 10000);
            ALTER TABLE transfer ADD COLUMN leg_payout_amount INTEGER CHECK (leg_payout_amount >= 0);
            -- NULL while the transfer has no legs (rejected): then every leg column is NULL or its default.
            ALTER TABLE transfer ADD COLUMN leg_state TEXT
                CHECK ((leg_state IS NULL) = (leg_product IS NULL) AND (leg_state IS NULL) = (leg_institution IS NULL)
                       AND (leg_state IS NULL) = (leg_account IS NULL) AND (leg_state IS NULL) = (leg_share IS NULL)
                       AND (leg_state IS NULL) = (leg_payout_amount IS NULL));
            ALTER TABLE transfer ADD COLUMN leg_reason INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE transfer ADD COLUMN leg_partner_reference TEXT NOT NULL DEFAULT '';
            ALTER TABLE transfer ADD COLUMN leg_partner TEXT NOT NULL DEFAULT '';
            ALTER TABLE transfer ADD COLUMN leg_hold_amount INTEGER NOT NULL DEFAULT 0 CHECK (leg_hold_amount >= 0);
            ALTER TABLE transfer ADD COLUMN leg_hold_remaining INTEGER NOT NULL DEFAULT 0
                CHECK (leg_hold_remaining >= 0 AND leg_hold_remaining <= leg_hold_amount);
            ALTER TABLE transfer ADD COLUMN leg_hold_state TEXT
                CHECK (\(Schema.oneOf("leg_hold_state", ["pending", "posted", "voided", "expired"]))
                       AND (leg_hold_state = 'pending' OR leg_hold_remaining = 0));
            ALTER TABLE transfer ADD COLUMN leg_hold_expires_at INTEGER
                CHECK ((leg_hold_state IS NULL) = (leg_hold_expires_at IS NULL) AND (leg_hold_state IS NULL) = (leg_hold_amount = 0));
            ALTER TABLE transfer ADD COLUMN leg_hold_entry_id INTEGER REFERENCES entry(id)
                CHECK ((leg_hold_state IS NULL) = (leg_hold_entry_id IS NULL));
            ALTER TABLE transfer ADD COLUMN leg_hold_closed_entry_id INTEGER REFERENCES entry(id)
                CHECK ((coalesce(leg_hold_state, 'pending') = 'pending') = (leg_hold_closed_entry_id IS NULL));
            ALTER TABLE transfer ADD COLUMN leg_queued_at INTEGER;
            ALTER TABLE transfer ADD COLUMN leg_due_at INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE transfer ADD COLUMN leg_attempts INTEGER NOT NULL DEFAULT 0 CHECK (leg_attempts >= 0);
            ALTER TABLE transfer ADD COLUMN leg_inquiries INTEGER NOT NULL DEFAULT 0 CHECK (leg_inquiries >= 0);
            ALTER TABLE transfer ADD COLUMN leg_review INTEGER NOT NULL DEFAULT 0 CHECK (leg_review = 0 OR leg_review = 1);
            ALTER TABLE transfer ADD COLUMN leg_taken INTEGER NOT NULL DEFAULT 0 CHECK (leg_taken = 0 OR leg_taken = 1);
            ALTER TABLE transfer ADD COLUMN leg_redirect INTEGER NOT NULL DEFAULT 0 CHECK (leg_redirect = 0 OR leg_redirect = 1);
            ALTER TABLE transfer ADD COLUMN leg_redirect_state TEXT CHECK ((leg_redirect = 0) = (leg_redirect_state IS NULL));

            UPDATE transfer SET leg_product = l.product, leg_institution = l.institution, leg_account = l.account,
                                leg_share = l.share, leg_payout_amount = l.payout_amount, leg_state = l.state,
                                leg_reason = l.reason, leg_partner_reference = l.partner_reference, leg_partner = l.partner,
                                leg_hold_amount = l.hold_amount, leg_hold_remaining = l.hold_remaining,
                                leg_hold_state = l.hold_state, leg_hold_expires_at = l.hold_expires_at,
                                leg_hold_entry_id = l.hold_entry_id, leg_hold_closed_entry_id = l.hold_closed_entry_id,
                                leg_queued_at = l.queued_at, leg_due_at = l.due_at, leg_attempts = l.attempts,
                                leg_inquiries = l.inquiries, leg_review = l.review, leg_taken = l.taken,
                                leg_redirect = l.redirect, leg_redirect_state = l.redirect_state
                FROM leg l
                WHERE l.operator_id = transfer.operator_id AND l.transfer_id = transfer.transfer_id AND l.leg_index = 0;
            DELETE FROM leg WHERE leg_index = 0;

            CREATE INDEX transfer_leg_outbox ON transfer(leg_queued_at) WHERE leg_queued_at IS NOT NULL;
            CREATE INDEX transfer_leg_hold_pending_by_expiry ON transfer(leg_hold_expires_at) WHERE leg_hold_state = 'pending';
            CREATE INDEX transfer_leg_awaiting_operations ON transfer(leg_state)
                WHERE leg_state = 'inDoubt' OR leg_redirect_state = 'inDoubt' OR leg_review = 1;

            CREATE TABLE resolution_v26 (
                id INTEGER PRIMARY KEY,
                operator_id TEXT NOT NULL,
                transfer_id BLOB NOT NULL,
                leg_index INTEGER NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('paid', 'failed')),
                evidence TEXT NOT NULL CHECK (length(evidence) > 0),
                resolved_at INTEGER NOT NULL,
                FOREIGN KEY (operator_id, transfer_id) REFERENCES transfer(operator_id, transfer_id)
            ) STRICT;
            INSERT INTO resolution_v26 SELECT id, operator_id, transfer_id, leg_index, outcome, evidence, resolved_at
                FROM resolution ORDER BY id;
            DROP TABLE resolution;
            ALTER TABLE resolution_v26 RENAME TO resolution;

            CREATE TABLE reversal_v26 (
                id INTEGER PRIMARY KEY,
                operator_id TEXT NOT NULL,
                transfer_id BLOB NOT NULL,
                leg_index INTEGER NOT NULL,
                entry_id INTEGER NOT NULL REFERENCES entry(id),
                source TEXT NOT NULL CHECK (source IN ('partner', 'operations')),
                evidence TEXT NOT NULL CHECK (length(evidence) BETWEEN 1 AND 500),
                reversed_at INTEGER NOT NULL,
                UNIQUE (operator_id, transfer_id, leg_index),
                FOREIGN KEY (operator_id, transfer_id) REFERENCES transfer(operator_id, transfer_id)
            ) STRICT;
            INSERT INTO reversal_v26 SELECT id, operator_id, transfer_id, leg_index, entry_id, source, evidence, reversed_at
                FROM reversal ORDER BY id;
            DROP TABLE reversal;
            ALTER TABLE reversal_v26 RENAME TO reversal;

            CREATE TABLE contribution_v26 (
                project_id TEXT NOT NULL REFERENCES project(id),
                number INTEGER NOT NULL CHECK (number >= 1),
                operator_id TEXT NOT NULL,
                transfer_id BLOB NOT NULL,
                leg_index INTEGER NOT NULL,
                contributor TEXT NOT NULL,
                contributor_name TEXT NOT NULL,
                send_country TEXT NOT NULL,
                amount INTEGER NOT NULL CHECK (amount > 0),
                entry_id INTEGER NOT NULL REFERENCES entry(id),
                state TEXT NOT NULL CHECK (state = 'held' OR state = 'refunded'),
                refund_entry_id INTEGER REFERENCES entry(id),
                received_at INTEGER NOT NULL,
                PRIMARY KEY (project_id, number),
                UNIQUE (operator_id, transfer_id, leg_index),
                FOREIGN KEY (operator_id, transfer_id) REFERENCES transfer(operator_id, transfer_id),
                CHECK ((state = 'refunded') = (refund_entry_id IS NOT NULL))
            ) STRICT, WITHOUT ROWID;
            INSERT INTO contribution_v26 SELECT project_id, number, operator_id, transfer_id, leg_index, contributor,
                                                contributor_name, send_country, amount, entry_id, state, refund_entry_id,
                                                received_at
                FROM contribution ORDER BY project_id, number;
            DROP TABLE contribution;
            ALTER TABLE contribution_v26 RENAME TO contribution;
            CREATE INDEX contribution_by_contributor ON contribution(project_id, contributor);
            """)
        let after = try census(db, legColumnsInTransfer: true)
        guard after == before else {
            throw LedgerError.storage("""
                moving each transfer's first leg into its row would change its legs (\(before) before, \(after) after); \
                nothing was changed
                """)
        }
    }

    /// The legs, the legs in the outbox, and what pending leg holds hold per operator and
    /// currency, in a canonical text form.
    private static func census(_ db: Database, legColumnsInTransfer: Bool) throws -> String {
        let legs = legColumnsInTransfer ? LegPlace.allLegs(["operator_id", "transfer_id", "queued_at", "hold_state", "hold_remaining"])
            : "leg"
        let counts = try Row.fetchOne(db, sql: "SELECT count(*), count(queued_at) FROM \(legs)")!
        let held = try Row.fetchAll(db, sql: """
            SELECT l.operator_id, t.send_currency, sum(l.hold_remaining) AS held FROM \(legs) l
            JOIN transfer t ON t.operator_id = l.operator_id AND t.transfer_id = l.transfer_id
            WHERE l.hold_state = 'pending' GROUP BY l.operator_id, t.send_currency ORDER BY l.operator_id, t.send_currency
            """).map { "\($0[0] as String) \($0[1] as String) \($0[2] as Int64)" }
        return "\(counts[0] as Int64) legs, \(counts[1] as Int64) in the outbox, held: \(held.joined(separator: ", "))"
    }
}
