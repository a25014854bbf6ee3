import GRDB
import RemitDomain
@testable import RemitLedger
import XCTest

/// Ledgers written by earlier builds open in this one with their journal whole.
final class MigrationTests: LedgerTestCase {
    /// Rebuilds the file as a build before v14 left it: entry hashes under a unique index.
    func rewindToV13() throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: """
                PRAGMA foreign_keys = OFF;
                CREATE TABLE entry_v13 (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    reference TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    previous_hash BLOB NOT NULL CHECK (length(previous_hash) = 32),
                    hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32)
                ) STRICT;
                INSERT INTO entry_v13 SELECT id, kind, reference, created_at, previous_hash, hash FROM entry;
                DROP TABLE entry;
                ALTER TABLE entry_v13 RENAME TO entry;
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v14:%';
                """)
        }
    }

    func uniqueIndexes(on table: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM pragma_index_list(?) WHERE \"unique\" = 1 AND origin <> 'pk'",
                                arguments: [table])
        }
    }

    func testV14KeepsEveryEntryAndTheChainAndDropsTheHashIndex() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(10_000), reference: "w1"))
        await expectDone(.hold(id: "t1", operatorId: "ACME", amount: usd(1_000), expiresAt: .max))
        await ledger.flush()
        ledger = nil
        try rewindToV13()
        XCTAssertEqual(try uniqueIndexes(on: "entry").count, 1, "the v13 layout has the hash index")
        let before = try DatabaseQueue(path: path).read { try Row.fetchAll($0, sql: "SELECT * FROM entry ORDER BY id") }

        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
        XCTAssertEqual(try uniqueIndexes(on: "entry"), [])
        let after = try DatabaseQueue(path: path).read { try Row.fetchAll($0, sql: "SELECT * FROM entry ORDER BY id") }
        XCTAssertEqual(after, before)
        XCTAssertEqual(try ledger.verify().problems, [])

        // The chain goes on from the migrated entries, and the foreign keys still hold.
        await expectDone(.fund(operatorId: "ACME", amount: usd(500), reference: "w2"))
        XCTAssertEqual(try ledger.verify().problems, [])
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 9_500)
        let orphans = try DatabaseQueue(path: path).read { try Row.fetchAll($0, sql: "PRAGMA foreign_key_check") }
        XCTAssertEqual(orphans, [])
    }

    /// A ledger from before v15: screening decisions without hashes, no audit table.
    /// `count` transfers refused for a sanctions match of the beneficiary, each with both parties'
    /// decisions (the sender clear).
    func refuseWithScreenings(_ count: Int) async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        for n in 1...count {
            var refused = TransferSubmission(operatorId: "ACME", transferId: TransferID(high: 7, low: UInt64(n)),
                                             contentHash: [UInt8](repeating: UInt8(n), count: 32),
                                             decision: .reject(ReasonCode(rawValue: 6002), field: 0))
            refused.screenings = [
                ScreeningRecord(party: "sender", decision: "clear", scoreBps: 1_200, entryId: nil, matchedName: nil, source: nil),
                ScreeningRecord(party: "beneficiary", decision: "match", scoreBps: 9_800, entryId: "9001",
                                matchedName: "Juan Carlos DOE-EXAMPLE", source: "sdn.csv 2026-11-20"),
            ]
            let outcome = await ledger.apply(.submitTransfer(refused))
            guard case .transfer = outcome else { return XCTFail("\(outcome)") }
        }
    }

    /// The screening decisions as v14 kept them: a row per decision, no hash; no audit log.
    func rewindToV14() throws {
        try rewindToV17()
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            let party = { (name: String, order: Int) in
                """
                SELECT id, \(order) AS position, operator_id, transfer_id, '\(name)' AS party, \(name)_decision AS decision,
                       \(name)_score_bps AS score_bps, \(name)_entry_id AS entry_id, \(name)_matched_name AS matched_name,
                       \(name)_source AS source, screened_at
                FROM screening WHERE \(name)_decision IS NOT NULL
                """
            }
            try db.execute(sql: """
                DROP TABLE audit;
                CREATE TABLE screening_v14 (
                    id INTEGER PRIMARY KEY,
                    operator_id TEXT NOT NULL,
                    transfer_id BLOB NOT NULL,
                    party TEXT NOT NULL CHECK (party IN ('sender', 'beneficiary')),
                    decision TEXT NOT NULL CHECK (decision IN ('clear', 'review', 'match')),
                    score_bps INTEGER NOT NULL CHECK (score_bps BETWEEN 0 AND 10000),
                    entry_id TEXT,
                    matched_name TEXT,
                    source TEXT,
                    screened_at INTEGER NOT NULL
                ) STRICT;
                INSERT INTO screening_v14 (operator_id, transfer_id, party, decision, score_bps, entry_id, matched_name, source,
                                           screened_at)
                    SELECT operator_id, transfer_id, party, decision, score_bps, entry_id, matched_name, source, screened_at
                    FROM (\(party("sender", 0)) UNION ALL \(party("beneficiary", 1))) ORDER BY id, position;
                DROP TABLE screening;
                ALTER TABLE screening_v14 RENAME TO screening;
                CREATE INDEX screening_by_transfer ON screening(operator_id, transfer_id);
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v15:%' OR identifier LIKE 'v17:%';
                """)
        }
    }

    func testV15ChainsTheScreeningDecisionsAlreadyMade() async throws {
        try await refuseWithScreenings(3)
        await ledger.flush()
        ledger = nil
        try rewindToV14()
        try await DatabaseQueue(path: path).write { try $0.execute(sql: "DELETE FROM screening WHERE id = 2") }

        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
        let report = try ledger.verify()
        XCTAssertEqual(report.problems, [])
        // v15 renumbered the 5 decisions left and chained them; v17 made them a row per transfer.
        XCTAssertEqual(report.screenings, 3)
        let screened = try ledger.screenings(operatorId: "ACME", id: TransferID(high: 7, low: 3))
        XCTAssertEqual(screened.map(\.decision), ["clear", "match"])
        XCTAssertEqual(screened.map(\.matchedName), [nil, "Juan Carlos DOE-EXAMPLE"])
        XCTAssertEqual(try ledger.screenings(operatorId: "ACME", id: TransferID(high: 7, low: 1)).map(\.party), ["sender"])
        XCTAssertEqual(report.auditLines, 0)
    }

    func testV17RefusesADecisionChangedBeforeIt() async throws {
        try await refuseWithScreenings(2)
        await ledger.flush()
        ledger = nil
        try rewindToV14()
        // The ledger as v16 left it (a row per decision, chained), then a match made clear.
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "v16: reversals of paid legs")
        try await queue.write { try $0.execute(sql: "UPDATE screening SET decision = 'clear' WHERE id = 4") }
        try queue.close()
        XCTAssertThrowsError(try Ledger(path: path)) { error in
            XCTAssertTrue("\(error)".contains("screening decision 4 does not follow from the chain before it"), "\(error)")
        }
        let applied = try await DatabaseQueue(path: path).read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        XCTAssertFalse(applied.contains { $0.hasPrefix("v17") }, "nothing of v17 is left behind")
    }

    /// The ledger as v24 left it: an event row per event.
    func rewindToV24() throws {
        try rewindToV25()
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            for row in try Row.fetchAll(db, sql: "SELECT * FROM event WHERE events > 1") {
                for event in EventRuns.records(row).dropFirst() {
                    try db.execute(sql: """
                        INSERT INTO event (operator_id, sequence, transfer_id, leg_index, state, reason, partner_reference,
                                           occurred_at)
                        VALUES (?, ?, ?, NULL, ?, 0, '', ?)
                        """, arguments: [row["operator_id"] as String, Int64(event.sequence), Data(event.transferId.bytes),
                                         event.state, event.occurredAt])
                }
            }
            try db.execute(sql: """
                UPDATE event SET events = 1, run_transfer_ids = NULL WHERE events > 1;
                ALTER TABLE event DROP COLUMN run_transfer_ids;
                ALTER TABLE event DROP COLUMN events;
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v25:%';
                """)
        }
    }

    /// The ledger as v22 left it: a row of the screening chain per screened transfer, holding its
    /// decisions and hashed after the row before; no decisions in the transfer rows.
    func rewindToV22() throws {
        try rewindToV24()
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            // v24's indexes name columns that the rewinds below drop.
            try db.execute(sql: """
                DROP INDEX transfer_in_review;
                DROP INDEX leg_awaiting_operations;
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v24:%';
                """)
            let party = { (name: String) in
                """
                \(name)_decision TEXT CHECK (\(Schema.oneOf("\(name)_decision", ["clear", "review", "match"]))),
                \(name)_score_bps INTEGER CHECK (\(name)_score_bps BETWEEN 0 AND 10000),
                \(name)_entry_id TEXT,
                \(name)_matched_name TEXT,
                \(name)_source TEXT,
                """
            }
            try db.execute(sql: """
                CREATE TABLE screening_v22 (
                    id INTEGER PRIMARY KEY,
                    operator_id TEXT NOT NULL,
                    transfer_id BLOB NOT NULL,
                    screened_at INTEGER NOT NULL,
                    \(party("sender"))
                    \(party("beneficiary"))
                    hash BLOB NOT NULL CHECK (length(hash) = 32),
                    CHECK (sender_decision IS NOT NULL OR beneficiary_decision IS NOT NULL),
                    CHECK ((sender_decision IS NULL) = (sender_score_bps IS NULL)),
                    CHECK ((beneficiary_decision IS NULL) = (beneficiary_score_bps IS NULL))
                ) STRICT;
                """)
            let rows = try Row.fetchAll(db, sql: """
                SELECT t.*, s.screened_at FROM transfer t JOIN screening s ON s.id = t.screening_id
                ORDER BY t.screening_id, t.operator_id, t.transfer_id
                """)
            var previous = Chain.screening.genesisHash
            for (index, row) in rows.enumerated() {
                let id = Int64(index + 1)
                let hash = Screenings.v17RowHash(row, previous: previous, id: id)
                var arguments: [(any DatabaseValueConvertible)?] = [id, row["operator_id"], row["transfer_id"], row["screened_at"]]
                for column in Screenings.decisionColumns.split(separator: ",") {
                    arguments.append(row[column.trimmingCharacters(in: .whitespaces)] as DatabaseValue)
                }
                arguments.append(hash)
                try db.execute(sql: """
                    INSERT INTO screening_v22 (id, operator_id, transfer_id, screened_at, \(Screenings.decisionColumns), hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: StatementArguments(arguments))
                previous = hash
            }
            try db.execute(sql: """
                DROP TABLE screening;
                ALTER TABLE screening_v22 RENAME TO screening;
                CREATE INDEX screening_by_transfer ON screening(operator_id, transfer_id);
                ALTER TABLE transfer DROP COLUMN screening_id;
                """)
            for party in Screenings.parties {
                for column in ["score_bps", "entry_id", "matched_name", "source", "decision"] {
                    try db.execute(sql: "ALTER TABLE transfer DROP COLUMN \(party)_\(column)")
                }
            }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'v23:%'")
        }
    }

    /// The ledger as v21 left it: the payout outbox a table of its own, a row per leg in it.
    func rewindToV21() throws {
        try rewindToV22()
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            try db.execute(sql: """
                PRAGMA foreign_keys = OFF;
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY,
                    operator_id TEXT NOT NULL,
                    transfer_id BLOB NOT NULL,
                    leg_index INTEGER NOT NULL,
                    created_at INTEGER NOT NULL, due_at INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
                    inquiries INTEGER NOT NULL DEFAULT 0, review INTEGER NOT NULL DEFAULT 0 CHECK (review IN (0, 1)),
                    taken INTEGER NOT NULL DEFAULT 0 CHECK (taken IN (0, 1)),
                    redirect INTEGER NOT NULL DEFAULT 0 CHECK (redirect IN (0, 1)), redirect_state TEXT
                    CHECK ((redirect = 0) = (redirect_state IS NULL)),
                    FOREIGN KEY (operator_id, transfer_id, leg_index) REFERENCES leg(operator_id, transfer_id, leg_index)
                ) STRICT;
                INSERT INTO outbox (operator_id, transfer_id, leg_index, created_at, due_at, attempts, inquiries, review, taken,
                                    redirect, redirect_state)
                    SELECT operator_id, transfer_id, leg_index, queued_at, due_at, attempts, inquiries, review, taken, redirect,
                           redirect_state
                    FROM leg WHERE queued_at IS NOT NULL ORDER BY queued_at, operator_id, transfer_id, leg_index;
                CREATE UNIQUE INDEX outbox_by_leg ON outbox(operator_id, transfer_id, leg_index);
                DROP INDEX leg_outbox;
                ALTER TABLE leg DROP COLUMN redirect_state;
                ALTER TABLE leg DROP COLUMN redirect;
                ALTER TABLE leg DROP COLUMN taken;
                ALTER TABLE leg DROP COLUMN review;
                ALTER TABLE leg DROP COLUMN inquiries;
                ALTER TABLE leg DROP COLUMN attempts;
                ALTER TABLE leg DROP COLUMN due_at;
                ALTER TABLE leg DROP COLUMN queued_at;
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v22:%';
                """)
        }
    }

    /// The ledger as v20 left it: a row of the hold table per leg that holds something, named by
    /// the leg (`leg.hold_id`) and, for the first, by its transfer (`transfer.hold_id`).
    func rewindToV20() throws {
        try rewindToV21()
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            let uuid = "lower(substr(hex(l.transfer_id), 1, 8) || '-' || substr(hex(l.transfer_id), 9, 4) || '-' || "
                + "substr(hex(l.transfer_id), 13, 4) || '-' || substr(hex(l.transfer_id), 17, 4) || '-' || "
                + "substr(hex(l.transfer_id), 21))"
            let holdId = "'transfer/' || l.operator_id || '/' || \(uuid) || CASE l.leg_index WHEN 0 THEN '' ELSE '/' || l.leg_index END"
            try db.execute(sql: """
                PRAGMA foreign_keys = OFF;
                INSERT INTO hold (id, operator_id, currency, amount, remaining, state, expires_at, created_entry_id, closed_entry_id)
                    SELECT \(holdId), l.operator_id, t.send_currency, l.hold_amount, l.hold_remaining, l.hold_state,
                           l.hold_expires_at, l.hold_entry_id, l.hold_closed_entry_id
                    FROM leg l JOIN transfer t ON t.operator_id = l.operator_id AND t.transfer_id = l.transfer_id
                    WHERE l.hold_state IS NOT NULL;
                CREATE TABLE leg_v20 (
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
                    partner_reference TEXT NOT NULL DEFAULT '', partner TEXT NOT NULL DEFAULT '', hold_id TEXT REFERENCES hold(id),
                    PRIMARY KEY (operator_id, transfer_id, leg_index),
                    FOREIGN KEY (operator_id, transfer_id) REFERENCES transfer(operator_id, transfer_id)
                ) STRICT, WITHOUT ROWID;
                INSERT INTO leg_v20 SELECT l.operator_id, l.transfer_id, l.leg_index, l.product, l.institution, l.account,
                    l.share, l.payout_amount, l.state, l.reason, l.partner_reference, l.partner,
                    CASE WHEN l.hold_state IS NULL THEN NULL ELSE \(holdId) END
                    FROM leg l;
                CREATE TABLE transfer_v20 (
                    operator_id TEXT NOT NULL REFERENCES operator(id),
                    transfer_id BLOB NOT NULL CHECK (length(transfer_id) = 16),
                    content_hash BLOB NOT NULL CHECK (length(content_hash) = 32),
                    state TEXT NOT NULL,
                    reason INTEGER NOT NULL DEFAULT 0,
                    field INTEGER NOT NULL DEFAULT 0,
                    hold_id TEXT REFERENCES hold(id),
                    send_currency TEXT,
                    send_amount INTEGER NOT NULL DEFAULT 0,
                    fee INTEGER NOT NULL DEFAULT 0,
                    payout_currency TEXT,
                    payout_amount INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    last_event_sequence INTEGER NOT NULL DEFAULT 0, operator_reference TEXT NOT NULL DEFAULT '',
                    send_country TEXT, payout_country TEXT, quote_id BLOB CHECK (quote_id IS NULL OR length(quote_id) = 16),
                    rate INTEGER NOT NULL DEFAULT 0 CHECK (rate >= 0),
                    reference_rate INTEGER NOT NULL DEFAULT 0 CHECK (reference_rate >= 0),
                    holds_per_leg INTEGER NOT NULL DEFAULT 0 CHECK (holds_per_leg IN (0, 1)),
                    leg_failure_policy TEXT NOT NULL DEFAULT 'refund' CHECK (leg_failure_policy IN ('refund', 'redirect')),
                    sender_name TEXT NOT NULL DEFAULT '', sender_account TEXT NOT NULL DEFAULT '',
                    beneficiary_name TEXT NOT NULL DEFAULT '', standing_instruction_revision INTEGER,
                    PRIMARY KEY (operator_id, transfer_id),
                    CHECK ((state = 'rejected') = (hold_id IS NULL))
                ) STRICT, WITHOUT ROWID;
                INSERT INTO transfer_v20 SELECT t.operator_id, t.transfer_id, t.content_hash, t.state, t.reason, t.field,
                    CASE WHEN t.holds_per_leg = 0 THEN t.hold_id WHEN t.state = 'rejected' THEN NULL
                         ELSE (SELECT l.hold_id FROM leg_v20 l WHERE l.operator_id = t.operator_id
                               AND l.transfer_id = t.transfer_id AND l.hold_id IS NOT NULL ORDER BY l.leg_index LIMIT 1) END,
                    t.send_currency, t.send_amount, t.fee, t.payout_currency, t.payout_amount, t.created_at, t.updated_at,
                    t.last_event_sequence, t.operator_reference, t.send_country, t.payout_country, t.quote_id, t.rate,
                    t.reference_rate, t.holds_per_leg, t.leg_failure_policy, t.sender_name, t.sender_account,
                    t.beneficiary_name, t.standing_instruction_revision
                    FROM transfer t;
                DROP TABLE leg;
                DROP TABLE transfer;
                ALTER TABLE transfer_v20 RENAME TO transfer;
                ALTER TABLE leg_v20 RENAME TO leg;
                CREATE INDEX transfer_in_doubt ON transfer(operator_id) WHERE state = 'inDoubt';
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v21:%';
                """)
        }
    }

    /// The ledger as v17 left it: the hold and screening tables' value checks as `IN` lists, and
    /// no collective-remittance tables.
    func rewindToV17() throws {
        try rewindToV20()
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            let party = { (name: String) in
                """
                \(name)_decision TEXT CHECK (\(name)_decision IN ('clear', 'review', 'match')),
                \(name)_score_bps INTEGER CHECK (\(name)_score_bps BETWEEN 0 AND 10000),
                \(name)_entry_id TEXT,
                \(name)_matched_name TEXT,
                \(name)_source TEXT,
                """
            }
            try db.execute(sql: """
                PRAGMA foreign_keys = OFF;
                CREATE TABLE hold_v17 (
                    id TEXT PRIMARY KEY,
                    operator_id TEXT NOT NULL REFERENCES operator(id),
                    currency TEXT NOT NULL,
                    amount INTEGER NOT NULL CHECK (amount > 0),
                    remaining INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
                    state TEXT NOT NULL CHECK (state IN ('pending', 'posted', 'voided', 'expired')),
                    expires_at INTEGER NOT NULL,
                    created_entry_id INTEGER NOT NULL REFERENCES entry(id),
                    closed_entry_id INTEGER REFERENCES entry(id),
                    CHECK ((state = 'pending') = (closed_entry_id IS NULL)),
                    CHECK (state = 'pending' OR remaining = 0)
                ) STRICT;
                INSERT INTO hold_v17 SELECT * FROM hold;
                DROP TABLE hold;
                ALTER TABLE hold_v17 RENAME TO hold;
                CREATE INDEX hold_pending_by_expiry ON hold(expires_at) WHERE state = 'pending';
                CREATE TABLE screening_v17 (
                    id INTEGER PRIMARY KEY,
                    operator_id TEXT NOT NULL,
                    transfer_id BLOB NOT NULL,
                    screened_at INTEGER NOT NULL,
                    \(party("sender"))
                    \(party("beneficiary"))
                    hash BLOB NOT NULL CHECK (length(hash) = 32),
                    CHECK (sender_decision IS NOT NULL OR beneficiary_decision IS NOT NULL),
                    CHECK ((sender_decision IS NULL) = (sender_score_bps IS NULL)),
                    CHECK ((beneficiary_decision IS NULL) = (beneficiary_score_bps IS NULL))
                ) STRICT;
                INSERT INTO screening_v17 SELECT * FROM screening;
                DROP TABLE screening;
                ALTER TABLE screening_v17 RENAME TO screening;
                CREATE INDEX screening_by_transfer ON screening(operator_id, transfer_id);
                DROP TABLE project_match; DROP TABLE contribution; DROP TABLE sponsorship; DROP TABLE sponsor;
                DROP TABLE milestone; DROP TABLE project; DROP TABLE association;
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v18:%' OR identifier LIKE 'v19:%' OR identifier LIKE 'v20:%';
                """)
        }
    }

    func tableSQL(_ table: String) throws -> String {
        try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "SELECT sql FROM sqlite_master WHERE name = ?", arguments: [table]) ?? "" }
    }

    func testV18KeepsEveryHoldAndDecisionWithChecksAsComparisons() async throws {
        try await refuseWithScreenings(2)
        await expectDone(.fund(operatorId: "ACME", amount: usd(100_000), reference: "w1"))
        // Holds in every state, and transfers whose rows name theirs.
        await expectDone(.hold(id: "pending", operatorId: "ACME", amount: usd(1_000), expiresAt: 2_000_000_000_000))
        await expectDone(.hold(id: "voided", operatorId: "ACME", amount: usd(2_000), expiresAt: .max))
        await expectDone(.void(holdId: "voided"))
        await expectDone(.hold(id: "expired", operatorId: "ACME", amount: usd(3_000), expiresAt: 1))
        await expectDone(.expireHolds(asOf: 2))
        let transfer = { (n: UInt64) in
            LedgerCommand.submitTransfer(TransferSubmission(
                operatorId: "ACME", transferId: TransferID(high: 0x0191_F3C2_0000_0000, low: n),
                contentHash: [UInt8](repeating: UInt8(n), count: 32),
                decision: .accept(.init(sendAmount: self.usd(10_000), fee: self.usd(299), payoutAmount: self.usd(10_000),
                                        legs: [.init(product: "mobileWallet", institution: "SAFCOM", account: "2547",
                                                     share: 10_000, payoutAmount: 10_000)],
                                        holdExpiresAt: .max)),
                details: .init(rate: 0)))
        }
        _ = await ledger.apply((1...3).map(transfer))
        await ledger.flush()
        ledger = nil
        try rewindToV17()
        XCTAssertTrue(try tableSQL("hold").contains("state IN ("), "the v17 layout")
        let read = { (table: String) in
            try await DatabaseQueue(path: self.path).read { try Row.fetchAll($0, sql: "SELECT * FROM \(table) ORDER BY 1") }
        }
        let holds = try await read("hold"), screenings = try await read("screening")
        XCTAssertEqual(holds.count, 6)
        XCTAssertEqual(screenings.count, 2)

        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
        XCTAssertFalse(try tableSQL("hold").contains(" IN ("))
        XCTAssertFalse(try tableSQL("screening").contains(" IN ("))
        XCTAssertFalse(try tableSQL("transfer").contains(" IN ("))
        let holdsAfter = try await read("hold")
        // The transfers' holds moved into their legs (v21), their decisions into their rows (v23);
        // the others are as they were.
        XCTAssertEqual(holdsAfter, holds.filter { !($0["id"] as String).hasPrefix("transfer/") })
        for row in screenings {
            let id = try XCTUnwrap(TransferID(bytes: [UInt8](row["transfer_id"] as Data)))
            XCTAssertEqual(try ledger.screenings(operatorId: row["operator_id"], id: id), Screenings.decisions(row))
        }
        let indexes = try await DatabaseQueue(path: path).read {
            try String.fetchAll($0, sql: """
                SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('hold', 'screening') AND sql IS NOT NULL
                ORDER BY name
                """)
        }
        XCTAssertEqual(indexes, ["hold_pending_by_expiry"])
        let report = try ledger.verify()
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.screenings, 2)
        let orphans = try await DatabaseQueue(path: path).read { try Row.fetchAll($0, sql: "PRAGMA foreign_key_check") }
        XCTAssertEqual(orphans, [])

        // The checks still refuse what they refused.
        let refused = { (sql: String) in
            do {
                try await DatabaseQueue(path: self.path).write { try $0.execute(sql: sql) }
                XCTFail("accepted: \(sql)")
            } catch let error as DatabaseError {
                XCTAssertEqual(error.resultCode, .SQLITE_CONSTRAINT, sql)
            }
        }
        try await refused("UPDATE hold SET state = 'lost' WHERE id = 'pending'")
        try await refused("UPDATE transfer SET sender_decision = 'maybe' WHERE sender_decision IS NOT NULL")

        // Holds go on: the pending one expires through the index, a repeated transfer finds its
        // hold by id, a new one places another.
        await expectDone(.expireHolds(asOf: 2_000_000_000_000))
        _ = await ledger.apply([transfer(1), transfer(4)])
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 4 * 10_299)
        XCTAssertEqual(try ledger.verify().problems, [])
    }

    func rows(_ sql: String) throws -> [Row] {
        try DatabaseQueue(path: path).read { try Row.fetchAll($0, sql: sql) }
    }

    /// Ledgers from v11 to v20 kept a hold row per leg; v21 moves each into its leg's row, in every
    /// state, keeps the one hold of a transfer recorded before holds per leg where it was, and the
    /// ledger goes on from there.
    func testV21MovesEachLegsHoldIntoItsLeg() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(1_000_000), reference: "w"))
        await expectDone(.hold(id: "deposit", operatorId: "ACME", amount: usd(5_000), expiresAt: .max))
        let ids = (1...6).map { TransferID(high: 0x0191_F3C2_0000_0000, low: UInt64($0)) }
        for outcome in await ledger.apply(ids.prefix(5).map { split($0) }) {
            guard case .transfer(let receipt) = outcome, receipt.state == .accepted else { return XCTFail("\(outcome)") }
        }
        let report = { (n: Int, leg: Int, outcome: LegReport.Outcome) in
            LedgerCommand.reportLeg(LegReport(operatorId: "ACME", transferId: ids[n], leg: leg, outcome: outcome))
        }
        // 0 pending; 1 one leg paid, one refunded; 2 cancelled; 3 dispatched and in doubt.
        await expectDone(report(1, 0, .dispatched(partner: "MPESA")))
        await expectDone(report(1, 0, .paid(partnerReference: "MP-1")))
        await expectDone(report(1, 1, .failed(.partnerRejected)))
        await expectDone(.cancelTransfer(operatorId: "ACME", transferId: ids[2], reason: .none))
        await expectDone(report(3, 0, .dispatched(partner: "MPESA")))
        await expectDone(report(3, 1, .dispatched(partner: "KMFI")))
        await expectDone(report(3, 1, .inDoubt(.partnerUnreachable)))
        await ledger.flush()
        let entries = try ids.prefix(5).map { try ledger.entries(operatorId: "ACME", transferId: $0) }
        let balances = try ledger.trialBalance()
        ledger = nil
        try rewindToV20()
        // 4 as a transfer recorded before holds per leg (before v11): one hold for both legs.
        let legacy = TransferSubmission.holdId("ACME", ids[4])
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE leg SET hold_id = NULL WHERE transfer_id = ?", arguments: [Data(ids[4].bytes)])
            try db.execute(sql: "DELETE FROM hold WHERE id = ?", arguments: [legacy + "/1"])
            try db.execute(sql: "UPDATE hold SET amount = 10299, remaining = 10299 WHERE id = ?", arguments: [legacy])
            try db.execute(sql: "UPDATE transfer SET holds_per_leg = 0 WHERE transfer_id = ?", arguments: [Data(ids[4].bytes)])
        }
        XCTAssertEqual(try rows("SELECT id FROM hold").count, 10, "the v20 layout: a row per leg's hold")

        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
        XCTAssertEqual(try rows("SELECT id FROM hold ORDER BY id").map { $0["id"] as String }, ["deposit", legacy])
        XCTAssertFalse(try tableSQL("leg").contains("hold_id"))
        XCTAssertEqual(try rows("SELECT hold_id FROM transfer WHERE hold_id IS NOT NULL").map { $0["hold_id"] as String },
                       [legacy])
        let holds = { (n: Int) in try XCTUnwrap(self.ledger.transfer(operatorId: "ACME", id: ids[n])).legs.map(\.hold) }
        let hold = { (n: Int, leg: Int, amount: Int64, remaining: Int64, state: String) in
            LegHold(id: TransferSubmission.holdId("ACME", ids[n], leg: leg), amount: amount, remaining: remaining, state: state)
        }
        XCTAssertEqual(try holds(0), [hold(0, 0, 7_210, 7_210, "pending"), hold(0, 1, 3_089, 3_089, "pending")])
        XCTAssertEqual(try holds(1), [hold(1, 0, 7_210, 0, "posted"), hold(1, 1, 3_089, 0, "voided")])
        XCTAssertEqual(try holds(2), [hold(2, 0, 7_210, 0, "voided"), hold(2, 1, 3_089, 0, "voided")])
        XCTAssertEqual(try holds(3), [hold(3, 0, 7_210, 7_210, "pending"), hold(3, 1, 3_089, 3_089, "pending")])
        XCTAssertEqual(try holds(4), [nil, nil])
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: ids[4])?.holdId, legacy)
        XCTAssertEqual(try ids.prefix(5).map { try ledger.entries(operatorId: "ACME", transferId: $0) }, entries)
        XCTAssertEqual(try ledger.trialBalance(), balances)
        XCTAssertEqual(try rows("PRAGMA foreign_key_check"), [])
        try assertWhole()

        // Settling goes on, from the legs' rows and from the legacy hold alike.
        await expectDone(report(0, 0, .dispatched(partner: "MPESA")))
        await expectDone(report(0, 0, .paid(partnerReference: "MP-2")))
        await expectDone(report(0, 1, .failed(.partnerRejected)))
        await expectDone(report(3, 1, .paid(partnerReference: "KM-3")))
        await expectDone(report(3, 0, .paid(partnerReference: "MP-3")))
        await expectDone(report(4, 0, .dispatched(partner: "MPESA")))
        await expectDone(report(4, 0, .paid(partnerReference: "MP-4")))
        await expectDone(report(4, 1, .failed(.partnerRejected)))
        await expectDone(.void(holdId: "deposit"))
        _ = await ledger.apply(split(ids[5]))
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: ids[0])?.state, .partiallyPaid)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: ids[3])?.state, .paid)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: ids[4])?.state, .partiallyPaid)
        XCTAssertEqual(try rows("SELECT state FROM hold WHERE id = '\(legacy)'").first?["state"], "posted")
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 10_299)
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 1_000_000 - 3 * 7_210 - 2 * 10_299)
        try assertWhole()
    }

    /// A leg's hold that is not the leg's own (another currency here) was written by no build of
    /// the gateway: v21 refuses to move it, and leaves the ledger as it was.
    func testV21RefusesALegsHoldOfAnotherCurrency() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(100_000), reference: "w"))
        let id = TransferID(high: 0x0191_F3C2_0000_0000, low: 1)
        _ = await ledger.apply(split(id))
        await ledger.flush()
        ledger = nil
        try rewindToV20()
        let changed = TransferSubmission.holdId("ACME", id, leg: 1)
        try await DatabaseQueue(path: path).write {
            try $0.execute(sql: "UPDATE hold SET currency = 'EUR' WHERE id = ?", arguments: [changed])
        }
        XCTAssertThrowsError(try Ledger(path: path)) { error in
            guard case LedgerError.storage(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("names hold \(changed), which is missing, another operator's or currency's"), message)
        }
        XCTAssertEqual(try rows("SELECT id FROM hold").count, 2)
        XCTAssertEqual(try rows("SELECT identifier FROM grdb_migrations WHERE identifier LIKE 'v21%'"), [])
    }

    /// Two-leg transfers 0 to 4 (3 redirecting) in each state a leg has in the outbox: 0 waiting;
    /// 1 sent, and its leg `inDoubtLeg` in doubt with an inquiry due; 2 its first leg in review;
    /// 3 its second leg failed and redirected to the first leg's destination; 4 paid and out of
    /// the outbox.
    func putInEveryOutboxState(_ report: (Int, Int, Bool, LegReport.Outcome) -> LedgerCommand, inDoubtLeg: Int) async {
        await expectDone(report(1, 0, false, .dispatched(partner: "MPESA", answerDueAt: 9_000)))
        await expectDone(report(1, 1, false, .dispatched(partner: "KMFI")))
        await expectDone(report(1, inDoubtLeg, false, .inDoubt(.partnerUnreachable)))
        await expectDone(report(1, inDoubtLeg, false, .retry(dueAt: 7_000, inquiry: true)))
        await expectDone(report(2, 0, false, .dispatched(partner: "MPESA")))
        await expectDone(report(2, 0, false, .review))
        await expectDone(report(3, 1, false, .failed(.partnerRejected)))
        await expectDone(report(3, 1, true, .dispatched(partner: "MPESA")))
        for leg in 0...1 {
            await expectDone(report(4, leg, false, .dispatched(partner: "MPESA")))
            await expectDone(report(4, leg, false, .paid(partnerReference: "MP-\(leg)")))
        }
    }

    /// v21 kept the payout outbox in a table of its own; v22 moves each row into its leg, and the
    /// dispatcher, operations and partners' statements read the same work after as before.
    func testV22MovesTheOutboxIntoTheLegs() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(1_000_000), reference: "w"))
        let ids = (1...5).map { TransferID(high: 0x0191_F3C2_0000_0000, low: UInt64($0)) }
        for outcome in await ledger.apply(ids.map { split($0, redirect: $0 == ids[3]) }) {
            guard case .transfer(let receipt) = outcome, receipt.state == .accepted else { return XCTFail("\(outcome)") }
        }
        let report = { (n: Int, leg: Int, redirect: Bool, outcome: LegReport.Outcome) in
            LedgerCommand.reportLeg(LegReport(operatorId: "ACME", transferId: ids[n], leg: leg, outcome: outcome, redirect: redirect))
        }
        await putInEveryOutboxState(report, inDoubtLeg: 1)
        await ledger.flush()
        struct Seen: Equatable {
            var work: [PayoutWork], inDoubt: [LegInDoubt], review: Int, depth: Int, queue: [String], statement: [PartnerPayout]
        }
        let seen = {
            Seen(work: try self.ledger.payoutWork(now: .max, limit: 100), inDoubt: try self.ledger.legsInDoubt(limit: 100),
                 review: try self.ledger.payoutsInReview(), depth: try self.ledger.outboxDepth(),
                 queue: try self.ledger.outbox(limit: 100).map { "\($0.transferId)/\($0.leg)" },
                 statement: try self.ledger.partnerPayouts("MPESA").sorted { $0.key.text < $1.key.text })
        }
        let before = try seen()
        XCTAssertEqual(before.depth, 8)
        XCTAssertEqual(before.review, 1)
        XCTAssertEqual(try ledger.payoutWork(now: 8_000, limit: 100).map { "\($0.transferId.low)/\($0.leg)\($0.redirect ? "r" : "")" },
                       ["1/0", "4/0", "1/1", "2/1", "3/1", "4/1r"], "queued at one moment: first legs first (v28)")
        ledger = nil
        try rewindToV21()
        XCTAssertEqual(try rows("SELECT id FROM outbox").count, 8, "the v21 layout: an outbox row per leg")

        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
        XCTAssertEqual(try seen(), before)
        XCTAssertEqual(try rows("SELECT name FROM sqlite_master WHERE name = 'outbox'"), [])
        XCTAssertEqual(try rows("PRAGMA foreign_key_check"), [])
        try assertWhole()

        // Payouts go on from the legs: the redirected payout is paid, the waiting transfer too.
        await expectDone(report(3, 1, true, .paid(partnerReference: "MP-3r")))
        for leg in 0...1 {
            await expectDone(report(0, leg, false, .dispatched(partner: "MPESA")))
            await expectDone(report(0, leg, false, .paid(partnerReference: "MP-0\(leg)")))
        }
        XCTAssertEqual(try ledger.outboxDepth(), 5)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: ids[0])?.state, .paid)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: ids[3])?.legs.map(\.state), [.pending, .redirected])
        try assertWhole()
    }

    /// v26 moves each transfer's first leg into its transfer row, and rebuilds the tables that
    /// name legs (resolutions, reversals) with a key to their transfer: transfers with one leg
    /// and with two, a refused one, legs waiting, in doubt, in review, redirected, paid, resolved
    /// by hand and reversed read the same after as before, and go on from there.
    func testV26MovesEachTransfersFirstLegIntoItsRow() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(1_000_000), reference: "w"))
        let ids = (1...8).map { TransferID(high: 0x0191_F3C2_0000_0000, low: UInt64($0)) }
        var commands = ids.prefix(6).map { split($0, redirect: $0 == ids[3]) }
        commands.append(.submitTransfer(TransferSubmission(
            operatorId: "ACME", transferId: ids[6], contentHash: [UInt8](repeating: 7, count: 32),
            decision: .accept(.init(sendAmount: usd(5_000), fee: usd(199), payoutAmount: usd(5_000),
                                    legs: [.init(product: "mobileWallet", institution: "SAFCOM", account: "2547", share: 10_000,
                                                 payoutAmount: 5_000)],
                                    holdExpiresAt: .max)),
            details: .init(rate: 0))))
        commands.append(.submitTransfer(TransferSubmission(
            operatorId: "ACME", transferId: ids[7], contentHash: [UInt8](repeating: 8, count: 32),
            decision: .reject(ReasonCode(rawValue: 2001), field: 0))))
        for outcome in await ledger.apply(commands) {
            guard case .transfer = outcome else { return XCTFail("\(outcome)") }
        }
        let report = { (n: Int, leg: Int, redirect: Bool, outcome: LegReport.Outcome) in
            LedgerCommand.reportLeg(LegReport(operatorId: "ACME", transferId: ids[n], leg: leg, outcome: outcome, redirect: redirect))
        }
        // 0 to 4 as `putInEveryOutboxState`, the first leg in doubt; then 4's first leg reversed;
        // 5's first leg resolved by hand; 6 (one leg) paid; 7 refused.
        await putInEveryOutboxState(report, inDoubtLeg: 0)
        await expectDone(.reversePayout(PayoutReversal(operatorId: "ACME", transferId: ids[4], leg: 0, source: "partner",
                                                       evidence: "MPESA statement line 7")))
        await expectDone(report(5, 0, false, .dispatched(partner: "MPESA")))
        await expectDone(report(5, 0, false, .inDoubt(.partnerUnreachable)))
        await expectDone(.resolvePayout(PayoutResolution(operatorId: "ACME", transferId: ids[5], leg: 0,
                                                         paidReference: "MP-5", evidence: "call with MPESA")))
        await expectDone(report(6, 0, false, .dispatched(partner: "SAFCOM")))
        await expectDone(report(6, 0, false, .paid(partnerReference: "SC-6")))
        await ledger.flush()
        struct Seen: Equatable {
            var transfers: [TransferView?], entries: [[EntryRecord]], work: [PayoutWork], inDoubt: [LegInDoubt], review: Int,
                depth: Int, queue: [String], statement: [PartnerPayout], flows: [PayoutFlow], reversals: [[ReversalRecord]]
        }
        let seen = {
            Seen(transfers: try ids.map { try self.ledger.transfer(operatorId: "ACME", id: $0) },
                 entries: try ids.map { try self.ledger.entries(operatorId: "ACME", transferId: $0) },
                 work: try self.ledger.payoutWork(now: .max, limit: 100), inDoubt: try self.ledger.legsInDoubt(limit: 100),
                 review: try self.ledger.payoutsInReview(), depth: try self.ledger.outboxDepth(),
                 queue: try self.ledger.outbox(limit: 100).map { "\($0.transferId.low)/\($0.leg)" },
                 statement: try self.ledger.partnerPayouts("MPESA").sorted { $0.key.text < $1.key.text },
                 flows: try self.ledger.flowReport(), reversals: try ids.map { try self.ledger.reversals(operatorId: "ACME", transferId: $0) })
        }
        let before = try seen()
        XCTAssertEqual(before.transfers.map { $0?.legs.count }, [2, 2, 2, 2, 2, 2, 1, 0])
        XCTAssertEqual(before.queue, ["1/0", "2/0", "3/0", "4/0", "1/1", "2/1", "3/1", "4/1", "6/1"],
                       "the outbox, oldest first; queued at one moment, first legs first (v28)")
        XCTAssertEqual(Set(before.inDoubt.map { "\($0.transferId.low)/\($0.leg)" }), ["2/0", "3/0"])
        XCTAssertEqual(before.review, 1)
        try assertWhole()
        ledger = nil
        try rewindToV25()
        XCTAssertEqual(try rows("SELECT transfer_id FROM leg WHERE leg_index = 0").count, 7, "the v25 layout: every leg a row")
        XCTAssertFalse(try tableSQL("transfer").contains("leg_state"))

        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
        XCTAssertEqual(try seen(), before)
        XCTAssertEqual(try rows("SELECT transfer_id FROM leg WHERE leg_index = 0"), [])
        XCTAssertEqual(try rows("SELECT transfer_id FROM transfer WHERE leg_state IS NOT NULL").count, 7)
        for table in ["resolution", "reversal", "contribution"] {
            XCTAssertTrue(try tableSQL(table).contains("REFERENCES transfer(operator_id, transfer_id)"), table)
        }
        XCTAssertEqual(try rows("SELECT count(*) FROM resolution").first?[0], 1)
        XCTAssertEqual(try rows("PRAGMA foreign_key_check"), [])
        try assertWhole()

        // Payouts go on from both places: the first legs from the transfer rows, the others from the leg table.
        await expectDone(report(3, 1, true, .paid(partnerReference: "MP-3r")))
        await expectDone(report(1, 0, false, .paid(partnerReference: "MP-1")))
        await expectDone(report(1, 1, false, .paid(partnerReference: "KM-1")))
        for leg in 0...1 {
            await expectDone(report(0, leg, false, .dispatched(partner: "MPESA")))
            await expectDone(report(0, leg, false, .paid(partnerReference: "MP-0\(leg)")))
        }
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: ids[0])?.state, .paid)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: ids[1])?.state, .paid)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: ids[3])?.legs.map(\.state), [.pending, .redirected])
        XCTAssertEqual(try ledger.outbox(limit: 100).map { "\($0.transferId.low)/\($0.leg)" }, ["3/0", "4/0", "3/1", "6/1"])
        try assertWhole()
    }

    /// v26 counts the legs, the legs in the outbox and what pending leg holds hold before and
    /// after the move: a first leg of no transfer (written outside the gateway, the foreign key
    /// off) would be lost by it, so the upgrade stops with nothing changed.
    func testV26RefusesToLoseALeg() async throws {
        await submitSplit(TransferID(high: 0x0191_F3C2_0000_0000, low: 1))
        await ledger.flush()
        ledger = nil
        try rewindToV25()
        try await DatabaseQueue(path: path).writeWithoutTransaction {
            try $0.execute(sql: """
                PRAGMA foreign_keys = OFF;
                INSERT INTO leg (operator_id, transfer_id, leg_index, product, institution, account, share, payout_amount, state)
                    VALUES ('ACME', zeroblob(16), 0, 'mobileWallet', '', '2547', 10000, 100, 'pending');
                """)
        }
        XCTAssertThrowsError(try Ledger(path: path)) { error in
            guard case LedgerError.storage(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("moving each transfer's first leg into its row would change its legs (3 legs"), message)
            XCTAssertTrue(message.contains("nothing was changed"), message)
        }
        XCTAssertEqual(try rows("SELECT identifier FROM grdb_migrations WHERE identifier LIKE 'v26%'"), [])
        XCTAssertFalse(try tableSQL("transfer").contains("leg_state"), "nothing of v26 is left behind")
        XCTAssertEqual(try rows("SELECT transfer_id FROM leg").count, 3)
    }

    /// v27 counts the pending leg holds per entry and expiry in `hold_group` and drops the two
    /// indexes on their expiry: the overdue-holds gauge answers the same at every moment after
    /// as before, with holds of one slice expiring at four moments, some settled, in both places,
    /// and a hold of the hold table beside them; and settlements go on counting from there.
    func testV27CountsThePendingHoldsOfEachEntryByExpiry() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(1_000_000), reference: "w"))
        let ids = (1...6).map { TransferID(high: 0x0191_F3C2_0000_0000, low: UInt64($0)) }
        let expiries: [Int64] = [500, 500, 700, 700, 900, .max]
        for outcome in await ledger.apply(zip(ids, expiries).map { split($0, redirect: $0 == ids[3], expiresAt: $1) }) {
            guard case .transfer(let receipt) = outcome, receipt.state == .accepted else { return XCTFail("\(outcome)") }
        }
        await expectDone(.hold(id: "plain", operatorId: "ACME", amount: usd(1_000), expiresAt: 600))
        let report = { (n: Int, leg: Int, redirect: Bool, outcome: LegReport.Outcome) in
            LedgerCommand.reportLeg(LegReport(operatorId: "ACME", transferId: ids[n], leg: leg, outcome: outcome, redirect: redirect))
        }
        // 4 paid (its holds posted); 3's second leg failed and redirected, its hold still pending.
        await putInEveryOutboxState(report, inDoubtLeg: 0)
        await ledger.flush()
        let moments: [Int64] = [0, 499, 500, 599, 600, 700, 900, .max - 1, .max]
        let gauge = { try moments.map { try self.ledger.overdueHolds(asOf: $0) } }
        let counted = {
            try self.rows("SELECT expires_at, pending FROM hold_group ORDER BY expires_at").map { "\($0[0] as Int64): \($0[1] as Int64)" }
        }
        let before = try gauge()
        XCTAssertEqual(before, [0, 0, 4, 4, 5, 9, 9, 9, 11])
        XCTAssertEqual(try counted(), ["500: 4", "700: 4", "900: 0", "\(Int64.max): 2"], "one entry, a group per expiry")
        try assertWhole()
        ledger = nil
        try rewindToV26()
        XCTAssertEqual(try tableSQL("hold_group"), "")

        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
        XCTAssertEqual(try gauge(), before)
        XCTAssertEqual(try counted(), ["500: 4", "700: 4", "\(Int64.max): 2"], "groups of pending holds only")
        XCTAssertEqual(try rows("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%pending_by_expiry' ORDER BY name")
            .map { $0[0] as String }, ["hold_group_pending_by_expiry", "hold_pending_by_expiry"])
        try assertWhole()

        // Settlements go on from both places: 0 paid, 1's first leg resolved as failed, 5 paid.
        for leg in 0...1 {
            await expectDone(report(0, leg, false, .dispatched(partner: "MPESA")))
            await expectDone(report(0, leg, false, .paid(partnerReference: "MP-0\(leg)")))
        }
        await expectDone(.resolvePayout(PayoutResolution(operatorId: "ACME", transferId: ids[1], leg: 0,
                                                         paidReference: nil, evidence: "call with MPESA")))
        for leg in 0...1 {
            await expectDone(report(5, leg, false, .dispatched(partner: "MPESA")))
            await expectDone(report(5, leg, false, .paid(partnerReference: "MP-5\(leg)")))
        }
        XCTAssertEqual(try gauge(), [0, 0, 1, 1, 2, 6, 6, 6, 6])
        XCTAssertEqual(try counted(), ["500: 1", "700: 4", "\(Int64.max): 0"])
        try assertWhole()
    }

    /// v28 lists the queued first legs in outbox runs, 32 to a run of one operator and moment,
    /// and drops their index: the outbox holds the same legs after as before, in the order the
    /// dispatcher took them before (by moment, operator and transfer), and payouts go on.
    func testV28PutsTheQueuedFirstLegsIntoRuns() async throws {
        await openAcmeAndBeta(funding: 100_000_000)
        let id = { (n: UInt64) in TransferID(high: 0x0191_F3C2_0000_0000, low: n) }
        // One moment (the test's clock): BETA's transfers among ACME's, a split, one in review.
        var commands = (1...40).map { transfer(id($0), operatorId: $0 % 10 == 0 ? "BETA" : "ACME") }
        commands += [transfer(id(41), legs: 2), transfer(id(42), review: true)]
        let outcomes = await ledger.apply(commands)
        XCTAssertTrue(outcomes.allSatisfy(\.isDone), "\(outcomes)")
        let report = { (n: UInt64, outcome: LegReport.Outcome) in
            LedgerCommand.reportLeg(LegReport(operatorId: "ACME", transferId: id(n), leg: 0, outcome: outcome))
        }
        await expectDone(report(1, .dispatched(partner: "MPESA")))
        await expectDone(report(1, .paid(partnerReference: "MP-1")))
        await expectDone(report(2, .dispatched(partner: "MPESA", answerDueAt: 5_000)))
        await ledger.flush()
        let name = { (operatorId: String, transferId: TransferID, leg: Int) in "\(operatorId) \(transferId.low)/\(leg)" }
        let before = (queue: try ledger.outbox(limit: 100).map(name), depth: try ledger.outboxDepth(),
                      work: try ledger.payoutWork(now: 4_999, limit: 100).map { name($0.operatorId, $0.transferId, $0.leg) })
        XCTAssertEqual(before.depth, 41)
        XCTAssertEqual(before.work.count, 40, "2/0 not yet due")
        try assertWhole()
        ledger = nil
        try rewindToV27()
        XCTAssertEqual(try tableSQL("outbox_run"), "")

        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
        let after = (queue: try ledger.outbox(limit: 100).map(name), depth: try ledger.outboxDepth(),
                     work: try ledger.payoutWork(now: 4_999, limit: 100).map { name($0.operatorId, $0.transferId, $0.leg) })
        XCTAssertEqual(after.depth, before.depth)
        XCTAssertEqual(Set(after.queue), Set(before.queue))
        XCTAssertEqual(Set(after.work), Set(before.work))
        let acme = (2...41).filter { $0 % 10 != 0 }.map { "ACME \($0)/0" }, beta = ["BETA 10/0", "BETA 20/0", "BETA 30/0", "BETA 40/0"]
        XCTAssertEqual(after.queue, acme + beta + ["ACME 41/1"], "by moment, operator and transfer, first legs first")
        XCTAssertEqual(try rows("SELECT operator_id, queued, length(transfer_ids) / 16 FROM outbox_run ORDER BY id")
            .map { "\($0[0] as String) \($0[1] as Int64)/\($0[2] as Int64)" }, ["ACME 32/32", "ACME 4/4", "BETA 4/4"])
        XCTAssertEqual(try rows("SELECT name FROM sqlite_master WHERE name = 'transfer_leg_outbox'"), [])
        try assertWhole()

        // Payouts go on, and so does the review's approval, into a run of its own.
        await expectDone(report(2, .paid(partnerReference: "MP-2")))
        await expectDone(.decideReview(operatorId: "ACME", transferId: id(42), approve: true, reason: .none, note: "cleared"))
        XCTAssertEqual(try ledger.outbox(limit: 100).map(name), Array(acme.dropFirst()) + beta + ["ACME 42/0", "ACME 41/1"],
                       "approved at the same moment: a first leg, before the leg table's")
        XCTAssertEqual(try rows("SELECT queued FROM outbox_run ORDER BY id").map { $0[0] as Int64 }, [31, 4, 4, 1])
        try assertWhole()
    }

    /// A leg's hold that is missing, or named by another leg too, is refused as well.
    func testV21RefusesALegsHoldMissingOrShared() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(100_000), reference: "w"))
        let id = TransferID(high: 0x0191_F3C2_0000_0000, low: 1)
        _ = await ledger.apply(split(id))
        await ledger.flush()
        ledger = nil
        try rewindToV20()
        let first = TransferSubmission.holdId("ACME", id), second = TransferSubmission.holdId("ACME", id, leg: 1)
        for (edit, named) in [("UPDATE leg SET hold_id = '\(first)' WHERE leg_index = 1", first),
                              ("UPDATE leg SET hold_id = 'transfer/ACME/nothing' WHERE leg_index = 1", "transfer/ACME/nothing")] {
            try await DatabaseQueue(path: path).writeWithoutTransaction {
                try $0.execute(sql: "PRAGMA foreign_keys = OFF; \(edit)")
            }
            XCTAssertThrowsError(try Ledger(path: path)) { error in
                guard case LedgerError.storage(let message) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(message.contains("names hold \(named), which is missing, another operator's or currency's, or shared"),
                              message)
            }
            XCTAssertEqual(try rows("SELECT identifier FROM grdb_migrations WHERE identifier LIKE 'v21%'"), [])
        }
        XCTAssertEqual(try rows("SELECT id FROM hold ORDER BY id").map { $0["id"] as String }, [first, second])
    }

    /// A leg's hold is found by the name the journal gives it; other names are not a leg's.
    func testAHoldNameNamesItsLeg() {
        let id = TransferID(high: 0x0191_F3C2_7A10_7C4E, low: 0x9D2B_3F6A_8E1C_5B07)
        for leg in [0, 1, 12] {
            let parsed = TransferSubmission.legOfHold(TransferSubmission.holdId("ACME", id, leg: leg))
            XCTAssertEqual(parsed?.operatorId, "ACME")
            XCTAssertEqual(parsed?.transferId, id)
            XCTAssertEqual(parsed?.leg, leg)
        }
        for other in ["deposit-7", "transfer/ACME", "transfer//\(id)", "transfer/ACME/not-an-id",
                      "transfer/ACME/\(id)/0", "transfer/ACME/\(id)/01", "transfer/ACME/\(id.description.uppercased())"] {
            XCTAssertNil(TransferSubmission.legOfHold(other), other)
        }
    }

    /// Transfers screened every way, in two batches: two refused for a match (their own
    /// commands), a batch of three accepted (clear, near a listed name, held for review) that v23
    /// would chain in one link, and one not screened.
    func screenEveryWay() async throws -> [TransferID: [ScreeningRecord]] {
        try await refuseWithScreenings(2)
        await expectDone(.fund(operatorId: "ACME", amount: usd(100_000), reference: "w1"))
        let clear = ScreeningRecord(party: "sender", decision: "clear", scoreBps: 0, entryId: nil, matchedName: nil, source: nil)
        let near = ScreeningRecord(party: "beneficiary", decision: "clear", scoreBps: 4_210, entryId: "7781",
                                   matchedName: "Grace WANJIKU-EXAMPLE", source: "sdn.csv 2026-11-20")
        let review = ScreeningRecord(party: "beneficiary", decision: "review", scoreBps: 8_700, entryId: "9001",
                                     matchedName: "Juan Carlos DOE-EXAMPLE", source: "sdn.csv 2026-11-20")
        let transfer = { (n: UInt64, screenings: [ScreeningRecord]) in
            self.screened(n, screenings, review: screenings.contains(review))
        }
        _ = await ledger.apply([transfer(1, [clear]), transfer(2, [clear, near]), transfer(3, [clear, review]),
                                transfer(4, [])])
        var decided: [TransferID: [ScreeningRecord]] = [:]
        for id in (1...2).map({ TransferID(high: 7, low: $0) }) + (1...4).map({ TransferID(high: 0x0191_F3C2_0000_0000, low: $0) }) {
            decided[id] = try ledger.screenings(operatorId: "ACME", id: id)
        }
        XCTAssertEqual(decided.values.filter(\.isEmpty).count, 1)
        await ledger.flush()
        ledger = nil
        return decided
    }

    /// Ledgers from v17 to v22 kept a row of the screening chain per transfer; v23 moves each
    /// transfer's decisions into its row and makes each row a link of one transfer, with its id,
    /// and the chain goes on from there a link per slice.
    func testV23MovesEachTransfersDecisionsIntoItsRow() async throws {
        let decided = try await screenEveryWay()
        try rewindToV22()
        XCTAssertEqual(try rows("SELECT id FROM screening").count, 5, "the v22 layout: a row per screened transfer")
        XCTAssertFalse(try tableSQL("transfer").contains("screening_id"))

        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
        let report = try ledger.verify()
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.screenings, 5)
        for (id, decisions) in decided {
            let operatorId = "ACME"
            XCTAssertEqual(try ledger.screenings(operatorId: operatorId, id: id), decisions, "\(id)")
        }
        XCTAssertEqual(try rows("SELECT id, transfers FROM screening ORDER BY id").map { [$0["id"], $0["transfers"]] as [Int64] },
                       (1...5).map { [$0, 1] })
        XCTAssertEqual(try rows("SELECT name FROM sqlite_master WHERE name LIKE 'screening%'").map { $0["name"] as String },
                       ["screening"])
        XCTAssertEqual(try ledger.transfersInReview(limit: 10).map(\.screenings.count), [2])

        // New transfers join links of their own; the migrated links stay checked.
        _ = try await screenEveryWayAgain()
        XCTAssertEqual(try rows("SELECT transfers FROM screening WHERE id > 5").map { $0["transfers"] as Int64 }, [2])
        XCTAssertEqual(try ledger.verify().problems, [])
    }

    /// A transfer of USD 100.00 + 2.99 from ACME whose parties were screened with `screenings`.
    func screened(_ n: UInt64, _ screenings: [ScreeningRecord], review: Bool = false) -> LedgerCommand {
        var submission = TransferSubmission(
            operatorId: "ACME", transferId: TransferID(high: 0x0191_F3C2_0000_0000, low: n),
            contentHash: [UInt8](repeating: UInt8(n), count: 32),
            decision: .accept(.init(sendAmount: usd(10_000), fee: usd(299), payoutAmount: usd(10_000),
                                    legs: [.init(product: "mobileWallet", institution: "SAFCOM", account: "2547",
                                                 share: 10_000, payoutAmount: 10_000)],
                                    holdExpiresAt: .max, review: review)),
            details: .init(rate: 0))
        submission.screenings = screenings
        return .submitTransfer(submission)
    }

    func screenEveryWayAgain() async throws -> [LedgerOutcome] {
        let clear = ScreeningRecord(party: "sender", decision: "clear", scoreBps: 0, entryId: nil, matchedName: nil, source: nil)
        let outcomes = await ledger.apply((10...11).map { screened($0, [clear]) })
        for outcome in outcomes { guard case .transfer = outcome else { XCTFail("\(outcome)"); return outcomes } }
        return outcomes
    }

    /// v25 adds the columns of event runs and rewrites nothing: a ledger's events, a row each,
    /// read as before, and the transfers after it write runs that go on from them.
    func testV25KeepsEveryEventAndNewTransfersWriteRuns() async throws {
        _ = try await screenEveryWay()
        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
        _ = try await screenEveryWayAgain()
        await ledger.flush()
        let before = try ledger.events(operatorId: "ACME", after: 0, limit: 100)
        ledger = nil
        try rewindToV24()
        XCTAssertEqual(try rows("SELECT sequence FROM event").count, before.count, "the v24 layout: a row per event")
        XCTAssertFalse(try tableSQL("event").contains("run_transfer_ids"))

        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
        XCTAssertEqual(try ledger.events(operatorId: "ACME", after: 0, limit: 100), before)
        XCTAssertEqual(try rows("SELECT events FROM event").map { $0["events"] as Int64 }, before.map { _ in 1 })
        XCTAssertEqual(try ledger.verify().problems, [])

        await expectDone(.fund(operatorId: "ACME", amount: usd(1_000_000), reference: "w2"))
        let outcomes = await ledger.apply((20...29).map { screened($0, []) })
        XCTAssertTrue(outcomes.allSatisfy { if case .transfer(let r) = $0 { r.state == .accepted } else { false } })
        let after = try ledger.events(operatorId: "ACME", after: 0, limit: 100)
        XCTAssertEqual(after.map(\.sequence), Array(1...UInt64(before.count + 10)))
        XCTAssertEqual(after.suffix(10).map(\.transferId), (20...29).map { TransferID(high: 0x0191_F3C2_0000_0000, low: $0) })
        XCTAssertEqual(try rows("SELECT events FROM event WHERE sequence > \(before.count)").map { $0["events"] as Int64 }, [10])
        XCTAssertEqual(try ledger.verify().problems, [])
    }

    /// v23 hashes the chain anew, so it first checks the old one, and each row's transfer: a
    /// changed decision, a row naming no transfer and a second row for one transfer each stop
    /// the upgrade with nothing changed.
    func testV23RefusesAChangedChainOrARowOfNoTransfer() async throws {
        _ = try await screenEveryWay()
        try rewindToV22()
        let refused = { (edit: String, undo: String, expected: String) in
            try await DatabaseQueue(path: self.path).write { try $0.execute(sql: edit) }
            XCTAssertThrowsError(try Ledger(path: self.path)) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
                XCTAssertTrue("\(error)".contains("nothing was changed"), "\(error)")
            }
            XCTAssertFalse(try self.tableSQL("transfer").contains("screening_id"), "nothing of v23 is left behind")
            XCTAssertEqual(try self.rows("SELECT identifier FROM grdb_migrations WHERE identifier LIKE 'v23%'"), [])
            try await DatabaseQueue(path: self.path).write { try $0.execute(sql: undo) }
        }
        try await refused("UPDATE screening SET beneficiary_decision = 'clear' WHERE id = 2",
                          "UPDATE screening SET beneficiary_decision = 'match' WHERE id = 2",
                          "screening decision 2 does not follow from the chain before it")
        // Rows chained properly after the last, naming a transfer that is not there, or one
        // that already has its row.
        let last = try XCTUnwrap(try rows("SELECT * FROM screening ORDER BY id DESC LIMIT 1").first)
        let append = { (transfer: TransferID) -> String in
            let hash = Screenings.v17RowHash(
                previous: last["hash"], id: 6, operatorId: "ACME", transfer: transfer,
                sender: ScreeningRecord(party: "sender", decision: "clear", scoreBps: 0, entryId: nil, matchedName: nil,
                                        source: nil),
                beneficiary: nil, at: 1_795_435_200_000)
            let hex = { (bytes: [UInt8]) in bytes.map { String(format: "%02X", $0) }.joined() }
            return """
                INSERT INTO screening (id, operator_id, transfer_id, screened_at, sender_decision, sender_score_bps, hash)
                VALUES (6, 'ACME', x'\(hex(transfer.bytes))', 1795435200000, 'clear', 0, x'\(hex([UInt8](hash)))')
                """
        }
        try await refused(append(TransferID(high: 0x0191_F3C2_0000_0000, low: 99)), "DELETE FROM screening WHERE id = 6",
                          "screening decision 6 names no transfer")
        try await refused(append(TransferID(high: 0x0191_F3C2_0000_0000, low: 1)), "DELETE FROM screening WHERE id = 6",
                          "screening decision 3 names a transfer that 2 rows name")
        // Undone, the upgrade goes through.
        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
        XCTAssertEqual(try ledger.verify().problems, [])
    }
}

extension LedgerTestCase {
    /// The ledger as v27 left it: each queued first leg an entry in a partial index on the
    /// transfer row; no outbox runs.
    func rewindToV27() throws {
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            try db.execute(sql: """
                DROP TABLE outbox_run;
                ALTER TABLE transfer DROP COLUMN leg_outbox_run;
                CREATE INDEX transfer_leg_outbox ON transfer(leg_queued_at) WHERE leg_queued_at IS NOT NULL;
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v28:%';
                """)
        }
    }

    /// The ledger as v26 left it: each pending leg hold an entry in a partial index on its
    /// expiry, in both places; no hold groups.
    func rewindToV26() throws {
        try rewindToV27()
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            try db.execute(sql: """
                DROP TABLE hold_group;
                CREATE INDEX leg_hold_pending_by_expiry ON leg(hold_expires_at) WHERE hold_state = 'pending';
                CREATE INDEX transfer_leg_hold_pending_by_expiry ON transfer(leg_hold_expires_at) WHERE leg_hold_state = 'pending';
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v27:%';
                """)
        }
    }

    /// The ledger as v25 left it: every leg a row of the leg table; resolutions, reversals and
    /// contributions naming their leg's row.
    func rewindToV25() throws {
        try rewindToV26()
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            let columns = LegPlace.columns.joined(separator: ", ")
            let firstLegs = LegPlace.columns.map { "leg_\($0)" }.joined(separator: ", ")
            try db.execute(sql: """
                PRAGMA foreign_keys = OFF;
                INSERT INTO leg (operator_id, transfer_id, leg_index, \(columns))
                    SELECT operator_id, transfer_id, 0, \(firstLegs) FROM transfer WHERE leg_state IS NOT NULL;
                DROP INDEX transfer_leg_outbox;
                DROP INDEX transfer_leg_hold_pending_by_expiry;
                DROP INDEX transfer_leg_awaiting_operations;
                """)
            // Each column's CHECK names only the columns added before it: dropped last first.
            for column in LegPlace.columns.reversed() {
                try db.execute(sql: "ALTER TABLE transfer DROP COLUMN leg_\(column)")
            }
            for table in ["resolution", "reversal", "contribution"] {
                let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = ?", arguments: [table])!
                let v25 = sql.replacingOccurrences(of: "CREATE TABLE \"\(table)\"", with: "CREATE TABLE \(table)_v25")
                    .replacingOccurrences(of: "CREATE TABLE \(table) (", with: "CREATE TABLE \(table)_v25 (")
                    .replacingOccurrences(of: "FOREIGN KEY (operator_id, transfer_id) REFERENCES transfer(operator_id, transfer_id)",
                                          with: "FOREIGN KEY (operator_id, transfer_id, leg_index) REFERENCES leg(operator_id, transfer_id, leg_index)")
                XCTAssertTrue(v25.contains("\(table)_v25") && v25.contains("REFERENCES leg("), v25)
                try db.execute(sql: """
                    \(v25);
                    INSERT INTO \(table)_v25 SELECT * FROM \(table);
                    DROP TABLE \(table);
                    ALTER TABLE \(table)_v25 RENAME TO \(table);
                    """)
            }
            try db.execute(sql: """
                CREATE INDEX contribution_by_contributor ON contribution(project_id, contributor);
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v26:%';
                """)
        }
    }
}
