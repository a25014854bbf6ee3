import GRDB
import RemitDomain
import RemitLedger
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
    func rewindToV14() throws {
        try DatabaseQueue(path: path).writeWithoutTransaction { db in
            try db.execute(sql: """
                DROP TABLE audit;
                ALTER TABLE screening DROP COLUMN hash;
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v15:%';
                """)
        }
    }

    func testV15ChainsTheScreeningDecisionsAlreadyMade() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        for n in 1...3 {
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
        await ledger.flush()
        ledger = nil
        try rewindToV14()
        try await DatabaseQueue(path: path).write { try $0.execute(sql: "DELETE FROM screening WHERE id = 2") }

        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
        let report = try ledger.verify()
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.screenings, 5, "renumbered 1 to 5 and chained")
        let screened = try ledger.screenings(operatorId: "ACME", id: TransferID(high: 7, low: 3))
        XCTAssertEqual(screened.map(\.decision), ["clear", "match"])
        XCTAssertEqual(report.auditLines, 0)
    }
}
