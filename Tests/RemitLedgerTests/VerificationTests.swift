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

    /// A transfer's holds are in its legs' rows (v21): an edited leg hold is found as a hold row is.
    func testALegsHoldThatDisagreesIsFound() async throws {
        try await acceptTwoLegs()
        // Entry 4 moved both legs' holds, 1,050 each.
        let transfer = "ACME/0191F3C2000000000000000000000001"
        try tamper("UPDATE leg SET hold_remaining = 1049 WHERE leg_index = 1")
        XCTAssertEqual(try problems(), ["account operator/ACME/holds/USD: holds 3100, pending holds add up to 3099"])
        try tamper("UPDATE leg SET hold_amount = 1049, hold_remaining = 1049 WHERE leg_index = 1")
        XCTAssertEqual(try problems(), [
            "account operator/ACME/holds/USD: holds 3100, pending holds add up to 3099",
            "entry 4: holds 2100, the holds it created add up to 2099",
            "transfer \(transfer): its holds are missing or differ from send amount plus fee",
        ])
    }

    /// The first leg is in its transfer's row (v26): its hold and payout are checked there, and a
    /// leg row with index 0 (a second first leg, which no reader would see) is found.
    func testAFirstLegThatDisagreesIsFound() async throws {
        try await acceptTwoLegs()
        let transfer = "ACME/0191F3C2000000000000000000000001"
        try tamper("UPDATE transfer SET leg_hold_amount = 1049, leg_hold_remaining = 1049 WHERE leg_state IS NOT NULL")
        XCTAssertEqual(try problems(), [
            "account operator/ACME/holds/USD: holds 3100, pending holds add up to 3099",
            "entry 4: holds 2100, the holds it created add up to 2099",
            "transfer \(transfer): its holds are missing or differ from send amount plus fee",
        ])
        try tamper("UPDATE transfer SET leg_hold_amount = 1050, leg_hold_remaining = 1050, leg_payout_amount = 999")
        XCTAssertEqual(try problems(), ["transfer \(transfer): legs pay 1999 in 2 legs, the transfer 2000"])
        try tamper("""
            UPDATE transfer SET leg_payout_amount = 1000;
            INSERT INTO leg (operator_id, transfer_id, leg_index, product, institution, account, share, payout_amount, state)
                SELECT operator_id, transfer_id, 0, 'mobileWallet', '', '2547', 1, 0, 'pending' FROM transfer;
            """)
        XCTAssertEqual(try problems(), ["1 legs with index 0 in the leg table"])
        // A reversal's key reaches only its transfer (v26): a leg it names that is not there is found.
        try tamper("""
            DELETE FROM leg WHERE leg_index = 0;
            INSERT INTO reversal (operator_id, transfer_id, leg_index, entry_id, source, evidence, reversed_at)
                SELECT operator_id, transfer_id, 2, 4, 'operations', 'x', 0 FROM transfer;
            """)
        XCTAssertEqual(try problems(), ["reversal of transfer \(transfer) names leg 2, which it does not have"])
    }

    /// The overdue-holds gauge counts pending leg holds by their groups (v27): a group that counts
    /// other than its legs, one of no pending hold, and pending holds of no group are found.
    func testAHoldGroupThatDisagreesIsFound() async throws {
        try await acceptTwoLegs()
        let never = Int64.max
        try tamper("UPDATE hold_group SET pending = 1")
        XCTAssertEqual(try problems(), ["hold group of entry 4 expiring at \(never): counts 1 pending holds, its legs have 2"])
        try tamper("UPDATE hold_group SET pending = 2; INSERT INTO hold_group (entry_id, expires_at, pending) VALUES (2, 100, 3)")
        XCTAssertEqual(try problems(), ["hold group of entry 2 expiring at 100: counts 3 pending holds, its legs have 0"])
        try tamper("DELETE FROM hold_group")
        XCTAssertEqual(try problems(), ["entry 4: 2 pending leg holds expiring at \(never) have no hold group"])
    }

    /// ACME's transfer 1 of USD 20.00 + 1.00, in two legs of USD 10.00 that hold 10.50 each.
    func acceptTwoLegs() async throws {
        let id = TransferID(high: 0x0191_F3C2_0000_0000, low: 1)
        let outcome = await ledger.apply(.submitTransfer(TransferSubmission(
            operatorId: "ACME", transferId: id, contentHash: [UInt8](repeating: 1, count: 32),
            decision: .accept(.init(sendAmount: usd(2_000), fee: usd(100), payoutAmount: usd(2_000),
                                    legs: [.init(product: "mobileWallet", institution: "", account: "2547", share: 5_000,
                                                 payoutAmount: 1_000),
                                           .init(product: "savingsDeposit", institution: "KMFI", account: "SAV-1", share: 5_000,
                                                 payoutAmount: 1_000)],
                                    holdExpiresAt: .max)),
            details: .init(rate: 0))))
        guard case .transfer(let receipt) = outcome, receipt.state == .accepted else { return XCTFail("\(outcome)") }
        await ledger.flush()
        try assertWhole()
    }
}
