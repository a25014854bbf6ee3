import GRDB
import RemitDomain
import RemitLedger
import XCTest

/// `verify` finds edited and deleted rows: each test breaks the file behind the ledger's back.
final class VerificationTests: LedgerTestCase {
    override func setUp() async throws {
        try await super.setUp()
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(10_000), reference: "w1"))
        await expectDone(.hold(id: "t1", operatorId: "ACME", amount: usd(1_000), expiresAt: .max))
        await expectDone(.fund(operatorId: "ACME", amount: usd(500), reference: "w2"))
        try assertWhole()
    }

    func tamper(_ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { try $0.execute(sql: sql) }
    }

    func problems() throws -> [String] { try ledger.verify().problems }

    // Entries: 1 fund w1 (settlement debit, prefund credit), 2 hold t1, 3 fund w2.

    func testAnEditedAmountIsFound() throws {
        try tamper("UPDATE posting SET amount = amount + 1 WHERE entry_id = 1 AND line = 0")
        XCTAssertEqual(try problems(), [
            "account settlement/USD: balance 10500, postings sum to 10501",
            "entry 1: postings in USD sum to 1",
            "entry 1: hash does not match its content",
        ])
    }

    func testABalancedEditIsFoundByTheHashChain() throws {
        // Moves 100 between the two lines of entry 1 and fixes both balances: only the hash notices.
        try tamper("""
            UPDATE posting SET amount = amount + 100 WHERE entry_id = 1 AND line = 0;
            UPDATE posting SET amount = amount - 100 WHERE entry_id = 1 AND line = 1;
            UPDATE account SET balance = balance + 100 WHERE code = 'settlement/USD';
            UPDATE account SET balance = balance - 100 WHERE code = 'operator/ACME/prefund/USD';
            """)
        XCTAssertEqual(try problems(), ["entry 1: hash does not match its content"])
    }

    func testAnEditedReferenceIsFound() throws {
        try tamper("UPDATE entry SET reference = 'w9' WHERE id = 1")
        XCTAssertEqual(try problems(), ["entry 1: hash does not match its content"])
    }

    func testADeletedLastEntryIsFound() throws {
        try tamper("PRAGMA foreign_keys = OFF; DELETE FROM posting WHERE entry_id = 3; DELETE FROM entry WHERE id = 3;")
        XCTAssertEqual(try problems(), [
            "account operator/ACME/prefund/USD: balance -9500, postings sum to -9000",
            "account settlement/USD: balance 10500, postings sum to 10000",
        ])
    }

    func testADeletedMiddleEntryIsFound() throws {
        try tamper("PRAGMA foreign_keys = OFF; DELETE FROM posting WHERE entry_id = 2; DELETE FROM entry WHERE id = 2;")
        let found = try problems()
        XCTAssertTrue(found.contains("entry 2: missing (next is 3)"), "\(found)")
        XCTAssertTrue(found.contains("entry 3: previous_hash does not match the hash of the entry before it"), "\(found)")
        XCTAssertTrue(found.contains { $0.hasPrefix("account operator/ACME/holds/USD: balance") }, "\(found)")
    }

    func testAnEditedBalanceIsFound() throws {
        try tamper("UPDATE account SET balance = balance - 1 WHERE code = 'operator/ACME/prefund/USD'")
        XCTAssertEqual(try problems(), ["account operator/ACME/prefund/USD: balance -9501, postings sum to -9500"])
    }

    func testAHoldThatDisagreesWithItsAccountIsFound() throws {
        try tamper("UPDATE hold SET remaining = 999 WHERE id = 't1'")
        XCTAssertEqual(try problems(), ["account operator/ACME/holds/USD: holds 1000, pending holds add up to 999"])
    }

    func testAHoldEntryThatDisagreesWithItsHoldsIsFound() throws {
        try tamper("UPDATE hold SET amount = 1001, remaining = 1001 WHERE id = 't1'")
        XCTAssertEqual(try problems(), [
            "account operator/ACME/holds/USD: holds 1000, pending holds add up to 1001",
            "entry 2: holds 1000, the holds it created add up to 1001",
        ])
        try tamper("UPDATE hold SET amount = 1000, remaining = 1000, created_entry_id = 3 WHERE id = 't1'")
        XCTAssertEqual(try problems(), [
            "entry 2: holds 1000, the holds it created add up to 0",
            "holds of 1000 name entry 3 as theirs, which is not a hold entry",
        ])
    }
}
