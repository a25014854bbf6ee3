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

    /// The ledger as v17 left it: the hold and screening tables' value checks as `IN` lists, and
    /// no collective-remittance tables.
    func rewindToV17() throws {
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
        let holdsAfter = try await read("hold"), screeningsAfter = try await read("screening")
        XCTAssertEqual(holdsAfter, holds)
        XCTAssertEqual(screeningsAfter, screenings)
        let indexes = try await DatabaseQueue(path: path).read {
            try String.fetchAll($0, sql: """
                SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('hold', 'screening') AND sql IS NOT NULL
                ORDER BY name
                """)
        }
        XCTAssertEqual(indexes, ["hold_pending_by_expiry", "screening_by_transfer"])
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
        try await refused("UPDATE screening SET sender_decision = 'maybe' WHERE id = 1")

        // Holds go on: the pending one expires through the index, a repeated transfer finds its
        // hold by id, a new one places another.
        await expectDone(.expireHolds(asOf: 2_000_000_000_000))
        _ = await ledger.apply([transfer(1), transfer(4)])
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 4 * 10_299)
        XCTAssertEqual(try ledger.verify().problems, [])
    }
}
