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
}
