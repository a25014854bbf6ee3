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
}
