import GRDB
import RemitDomain
import RemitLedger
import XCTest

final class LedgerTests: LedgerTestCase {
    func testFundingAndWithdrawalMoveMoneyBetweenSettlementAndPrefund() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(1_000_000), reference: "wire 2026-11-23/1"))
        await expectDone(.withdraw(operatorId: "ACME", amount: usd(250_000), reference: "return 1"))
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 750_000)
        XCTAssertEqual(try balance(.settlement(usd)), 750_000)
        try assertWhole()
    }

    func testOpeningAnOperatorTwiceChangesNothing() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(100), reference: "w"))
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100)
        await expectRejected(.fund(operatorId: "NOBODY", amount: usd(1), reference: "w"), .unknownOperator("NOBODY"))
    }

    /// An operator the writer met inside a command that was refused and rolled back is unknown
    /// again, and its accounts with it: what the writer remembers goes with the rollback, so the
    /// operator opened again later holds its transfers on its own new accounts.
    func testAnOperatorOpenedInARefusedCommandIsUnknownAfterIt() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        let id = TransferID(high: 0x0191_F3C2_0000_0000, low: 77)
        let ghost: LedgerCommand = .atomic([.openOperator(id: "GHOST", currency: usd, creditLimit: 0),
                                            .fund(operatorId: "GHOST", amount: usd(100_000), reference: "w"),
                                            transfer(id, operatorId: "GHOST"),
                                            .fund(operatorId: "GHOST", amount: usd(-1), reference: "w")])
        let outcome = await ledger.apply(ghost)
        guard case .rejected = outcome else { return XCTFail("\(outcome)") }
        await expectRejected(.fund(operatorId: "GHOST", amount: usd(1), reference: "w"), .unknownOperator("GHOST"))
        // Another operator's accounts first, so that the ids the refused command used are theirs now.
        await expectDone(.openOperator(id: "OTHER", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "OTHER", amount: usd(100_000), reference: "w"))
        await expectDone(.openOperator(id: "GHOST", currency: usd, creditLimit: 0))
        // Too little for the transfer's 102.99: checked against its own prefund, not the one the
        // refused command had opened for it (now OTHER's, which holds enough).
        await expectDone(.fund(operatorId: "GHOST", amount: usd(5_000), reference: "w"))
        let refused = await ledger.apply(transfer(id, operatorId: "GHOST"))
        guard case .transfer(let receipt) = refused, receipt.state == .rejected, receipt.reason == .insufficientFunds
        else { return XCTFail("\(refused)") }
        await expectDone(.fund(operatorId: "GHOST", amount: usd(95_000), reference: "w"))
        let accepted = await ledger.apply(transfer(TransferID(high: id.high, low: 78), operatorId: "GHOST"))
        guard case .transfer(let second) = accepted, second.state == .accepted else { return XCTFail("\(accepted)") }
        XCTAssertEqual(try balance(.operatorPrefund("GHOST", usd)), 100_000 - 10_299)
        XCTAssertEqual(try balance(.operatorPrefund("OTHER", usd)), 100_000)
        try assertWhole()
    }

    func testAWithdrawalNeverUsesCredit() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 50_000))
        await expectDone(.fund(operatorId: "ACME", amount: usd(10_000), reference: "w"))
        await expectRejected(.withdraw(operatorId: "ACME", amount: usd(10_001), reference: "r"),
                             .belowFloor(account: "operator/ACME/prefund/USD", balance: -1, floor: 0))
        await expectDone(.withdraw(operatorId: "ACME", amount: usd(10_000), reference: "r"))
    }

    func testPendingHoldsCountAgainstTheFloor() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(10_000), reference: "w"))
        await expectDone(.hold(id: "t1", operatorId: "ACME", amount: usd(8_000), expiresAt: .max))
        await expectRejected(.hold(id: "t2", operatorId: "ACME", amount: usd(2_001), expiresAt: .max),
                             .belowFloor(account: "operator/ACME/prefund/USD", balance: -1, floor: 0))
        await expectDone(.hold(id: "t3", operatorId: "ACME", amount: usd(2_000), expiresAt: .max))
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 0)
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 10_000)
        try assertWhole()
    }

    func testACreditLimitLetsHoldsGoBelowZeroAndNoFurther() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 5_000))
        await expectDone(.hold(id: "t1", operatorId: "ACME", amount: usd(5_000), expiresAt: .max))
        await expectRejected(.hold(id: "t2", operatorId: "ACME", amount: usd(1), expiresAt: .max),
                             .belowFloor(account: "operator/ACME/prefund/USD", balance: -5_001, floor: -5_000))
        // Funding always goes in, even below the floor: it only raises the balance.
        await expectDone(.fund(operatorId: "ACME", amount: usd(1), reference: "w"))
        try assertWhole()
    }

    /// A USD 100.00 remittance with a USD 2.99 fee paid out as KES 12,815.55 from a partner's float.
    func testAPostedHoldPaysThroughTheFXPositionInEachCurrency() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        for code in [AccountCode.feeRevenue(usd), .fxMarginRevenue(usd), .fxPosition(usd), .fxPosition(kes),
                     .partnerFloat("SAFCOM", kes)] {
            await expectDone(.openAccount(code))
        }
        await expectDone(.fund(operatorId: "ACME", amount: usd(1_000_000), reference: "w"))
        await expectDone(.hold(id: "t1", operatorId: "ACME", amount: usd(10_299), expiresAt: .max))
        let entries = await expectDone(.post(holdId: "t1", credits: [
            Posting(.feeRevenue(usd), credit: usd(299)),
            Posting(.fxMarginRevenue(usd), credit: usd(100)),
            Posting(.fxPosition(usd), credit: usd(9_900)),
            Posting(.fxPosition(kes), debit: kes(1_281_555)),
            Posting(.partnerFloat("SAFCOM", kes), credit: kes(1_281_555)),
        ], final: true))
        XCTAssertEqual(entries.count, 1)
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 0)
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 989_701)
        XCTAssertEqual(try balance(.feeRevenue(usd)), 299)
        XCTAssertEqual(try balance(.partnerFloat("SAFCOM", kes)), -1_281_555)
        await expectRejected(.void(holdId: "t1"), .holdNotPending("t1", state: "posted"))
        try assertWhole()
    }

    func testPostingInPartKeepsTheRestHeldAndFinalReleasesIt() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.openAccount(.fxPosition(usd)))
        await expectDone(.fund(operatorId: "ACME", amount: usd(10_000), reference: "w"))
        await expectDone(.hold(id: "t1", operatorId: "ACME", amount: usd(10_000), expiresAt: .max))
        await expectDone(.post(holdId: "t1", credits: [Posting(.fxPosition(usd), credit: usd(7_000))], final: false))
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 3_000)
        await expectRejected(.post(holdId: "t1", credits: [Posting(.fxPosition(usd), credit: usd(3_001))], final: false),
                             .exceedsHold("t1", remaining: 3_000, requested: 3_001))
        let entries = await expectDone(.post(holdId: "t1", credits: [Posting(.fxPosition(usd), credit: usd(2_000))],
                                             final: true))
        XCTAssertEqual(entries.count, 2, "the post, then the release of the last 1,000")
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 0)
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 1_000)
        try assertWhole()
    }

    func testVoidAndExpiryReturnTheHold() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(10_000), reference: "w"))
        await expectDone(.hold(id: "a", operatorId: "ACME", amount: usd(1_000), expiresAt: 100))
        await expectDone(.hold(id: "b", operatorId: "ACME", amount: usd(2_000), expiresAt: 200))
        await expectDone(.hold(id: "c", operatorId: "ACME", amount: usd(3_000), expiresAt: 300))
        await expectDone(.void(holdId: "c"))
        let expired = await expectDone(.expireHolds(asOf: 200))
        XCTAssertEqual(expired.count, 2)
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 10_000)
        await expectRejected(.void(holdId: "a"), .holdNotPending("a", state: "expired"))
        await expectRejected(.void(holdId: "zz"), .unknownHold("zz"))
        await expectRejected(.hold(id: "a", operatorId: "ACME", amount: usd(1), expiresAt: 1), .holdExists("a"))
        try assertWhole()
    }

    func testUnbalancedAndMismatchedEntriesAreRefused() async throws {
        await expectDone(.openAccount(.fxPosition(usd)))
        await expectDone(.openAccount(.suspense(usd)))
        await expectRejected(.journal(kind: "adjust", reference: "x", postings: [
            Posting(.fxPosition(usd), debit: usd(100)), Posting(.suspense(usd), credit: usd(99)),
        ]), .unbalanced(currency: "USD", sum: 1))
        await expectRejected(.journal(kind: "adjust", reference: "x", postings: [
            Posting(.fxPosition(usd), debit: usd(100)), Posting(.suspense(kes), credit: kes(100)),
        ]), .unbalanced(currency: "KES", sum: -100))
        await expectRejected(.journal(kind: "adjust", reference: "x", postings: [
            Posting(.fxPosition(usd), debit: usd(0)), Posting(.suspense(usd), credit: usd(0)),
        ]), .invalidAmount(0))
        await expectRejected(.journal(kind: "adjust", reference: "x", postings: [
            Posting(.fxPosition(kes), debit: kes(1)), Posting(.suspense(kes), credit: kes(1)),
        ]), .unknownAccount("fx/position/KES"))
        try assertWhole()
    }

    func testOneRefusedCommandLeavesTheRestOfItsBatch() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        let outcomes = await ledger.apply([
            .fund(operatorId: "ACME", amount: usd(100), reference: "1"),
            .withdraw(operatorId: "ACME", amount: usd(1_000), reference: "too much"),
            .fund(operatorId: "ACME", amount: usd(50), reference: "2"),
        ])
        XCTAssertEqual(outcomes.map(\.isDone), [true, false, true])
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 150)
        try assertWhole()
    }

    /// The writer runs a batch in savepoint slices; refusals in any slice, at its edges or
    /// inside, roll back alone, and every caller gets its own outcomes in order.
    func testRefusalsAcrossSavepointSlicesLeaveTheRestOfTheBatch() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        let count = 200
        let refused: Set<Int> = [0, 31, 32, 33, 95, 150, 199]
        let commands: [LedgerCommand] = (0..<count).map { index in
            refused.contains(index)
                ? .withdraw(operatorId: "ACME", amount: usd(1_000_000), reference: "too much \(index)")
                : .fund(operatorId: "ACME", amount: usd(Int64(index)), reference: "f\(index)")
        }
        // Two callers in one commit: the writer flattens their commands and hands them back apart.
        let ledger = self.ledger!
        async let first = ledger.apply(Array(commands[..<70]))
        async let second = ledger.apply(Array(commands[70...]))
        let outcomes = await first + second
        XCTAssertEqual(outcomes.map(\.isDone), (0..<count).map { !refused.contains($0) })
        let expected = (0..<count).filter { !refused.contains($0) }.reduce(0, +)
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), Int64(expected))
        try assertWhole()
    }

    func testConcurrentCallersShareCommits() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        let before = await ledger.writerStatistics()
        let count = 400
        let outcomes = await withTaskGroup(of: LedgerOutcome.self) { group in
            for index in 0..<count {
                group.addTask { [ledger, usd] in
                    await ledger!.apply(.fund(operatorId: "ACME", amount: Money(1, usd), reference: "w\(index)"))
                }
            }
            return await group.reduce(into: [LedgerOutcome]()) { $0.append($1) }
        }
        XCTAssertTrue(outcomes.allSatisfy(\.isDone))
        let after = await ledger.writerStatistics()
        XCTAssertEqual(after.commands - before.commands, count)
        XCTAssertLessThan(after.commits - before.commits, count, "group commit: callers shared transactions")
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), Int64(count))
        try assertWhole()
    }

    /// A commit holds several callers' batches, in slices of 32 that cross from one batch into
    /// the next: each caller still gets its own outcomes, in its order, and a refusal rolls back
    /// only its own command.
    func testEachCallerGetsItsOwnOutcomesWhenACommitHoldsSeveralBatches() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        let before = await ledger.writerStatistics()
        let callers = 40
        func refused(_ caller: Int, _ index: Int) -> Bool { (caller + index) % 7 == 0 }
        let results = await withTaskGroup(of: (Int, [LedgerOutcome]).self) { group in
            for caller in 0..<callers {
                group.addTask { [ledger, usd] in
                    let commands = (0..<(caller * 13 % 70 + 1)).map { index in
                        LedgerCommand.fund(operatorId: refused(caller, index) ? "NOBODY" : "ACME",
                                           amount: Money(Int64(caller * 1_000 + index + 1), usd), reference: "c\(caller)-\(index)")
                    }
                    return (caller, await ledger!.apply(commands))
                }
            }
            return await group.reduce(into: [(Int, [LedgerOutcome])]()) { $0.append($1) }
        }
        var expected: Int64 = 0, commands = 0
        for (caller, outcomes) in results {
            XCTAssertEqual(outcomes.count, caller * 13 % 70 + 1, "caller \(caller)")
            for (index, outcome) in outcomes.enumerated() {
                XCTAssertEqual(outcome.isDone, !refused(caller, index), "caller \(caller), command \(index): \(outcome)")
                if !refused(caller, index) { expected += Int64(caller * 1_000 + index + 1) }
            }
            commands += outcomes.count
        }
        let after = await ledger.writerStatistics()
        XCTAssertEqual(after.commands - before.commands, commands)
        XCTAssertLessThan(after.commits - before.commits, callers, "callers shared transactions")
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), expected)
        try assertWhole()
    }

    /// One writer per ledger (`WriterLock`): a second writable open is refused at once, naming
    /// the holder; readers open beside it; the lock goes with the ledger.
    func testASecondWriterIsRefusedAndReadersAreNot() async throws {
        XCTAssertThrowsError(try Ledger(path: path)) {
            XCTAssertEqual($0 as? LedgerOpenError, .inUse(self.path, pid: getpid()))
            XCTAssertTrue("\($0)".contains("open for writing by another process (pid \(getpid()))"), "\($0)")
        }
        XCTAssertEqual(Ledger.writerProcess(path: path), getpid())
        let reader = try Ledger.openForReading(path: path)
        XCTAssertTrue(try reader.verify().isClean)
        ledger = nil
        XCTAssertNil(Ledger.writerProcess(path: path))
        ledger = try Ledger(path: path)
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        XCTAssertEqual(Ledger.writerProcess(path: path), getpid())
    }

    /// The WAL is copied into the ledger's file beside the writer once it passes 1,000 pages,
    /// where SQLite's automatic checkpoint would have run in the writer's commit: the checkpoints
    /// are the checkpointer's, and the file alone, without its WAL, holds what they copied.
    func testTheWALIsCheckpointedBesideTheWriter() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        var funded = 0
        while funded < 3_000, await ledger.checkpoints().runs == 0 {
            await expectDone(.fund(operatorId: "ACME", amount: usd(1), reference: "w\(funded)"))
            funded += 1
        }
        let checkpoints = await ledger.checkpoints()
        XCTAssertGreaterThan(checkpoints.runs, 0, "no checkpoint after \(funded) commits")
        XCTAssertEqual(checkpoints.failures, 0)
        // What the metrics scrape reads, without waiting: the same totals, and a WAL of at least
        // the 1,000 pages that asked for the checkpoint.
        XCTAssertEqual(ledger.checkpointStatistics.runs, checkpoints.runs)
        XCTAssertGreaterThanOrEqual(ledger.walBytes, 1_000 * 4_096)
        let copy = folder.appendingPathComponent("file-alone.sqlite").path
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        XCTAssertFalse(FileManager.default.fileExists(atPath: copy + "-wal"))
        let code = AccountCode.operatorPrefund("ACME", usd).text
        let balance = try await DatabaseQueue(path: copy).read {
            try Int64.fetchOne($0, sql: "SELECT balance FROM account WHERE code = ?", arguments: [code])
        }
        XCTAssertGreaterThan(abs(try XCTUnwrap(balance)), 0)
        let reader = try Ledger.openForReading(path: path)
        let none = await reader.checkpoints()
        XCTAssertEqual(none.runs, 0, "a reader does not checkpoint")
        XCTAssertEqual(reader.checkpointStatistics.runs, 0)
        try assertWhole()
    }

    /// Small commits past 1,000 WAL pages ask for a checkpoint once per 1,000 pages, not after
    /// each commit: a checkpoint is an fsync of the file, and the WAL rarely starts over while
    /// commits keep coming.
    func testSmallCommitsAskForACheckpointPerThousandPages() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        for index in 0..<600 { await expectDone(.fund(operatorId: "ACME", amount: usd(1), reference: "w\(index)")) }
        let checkpoints = await ledger.checkpoints()
        XCTAssertGreaterThan(checkpoints.runs, 0)
        XCTAssertLessThan(checkpoints.runs, 30, "\(checkpoints.runs) checkpoints for 600 commits")
        try assertWhole()
    }

    func testCommittedEntriesSurviveReopening() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(12_345), reference: "w"))
        ledger = nil
        ledger = try Ledger(path: path)
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 12_345)
        let mode = try await DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        XCTAssertEqual(mode, "wal")
        try assertWhole()
    }
}

final class HoldNamespaceTests: LedgerTestCase {
    func testTheHoldCommandCannotTakeATransfersHoldId() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(100), reference: "w"))
        await expectRejected(.hold(id: "transfer/ACME/x", operatorId: "ACME", amount: usd(1), expiresAt: .max),
                             .reservedHoldId("transfer/ACME/x"))
    }

    /// The writer keeps floor balances in memory; a rolled-back command must not leave them stale.
    func testARolledBackCommandLeavesNoStaleBalance() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(100), reference: "w"))
        let outcomes = await ledger.apply([
            // Holds 60, then fails on the unknown hold: the whole atomic command rolls back.
            .atomic([.hold(id: "a", operatorId: "ACME", amount: usd(60), expiresAt: .max), .void(holdId: "nope")]),
            // So 100 is still there for this hold.
            .hold(id: "b", operatorId: "ACME", amount: usd(100), expiresAt: .max),
            .hold(id: "c", operatorId: "ACME", amount: usd(1), expiresAt: .max),
        ])
        XCTAssertEqual(outcomes.map(\.isDone), [false, true, false])
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 0)
        try assertWhole()
    }
}

/// Amounts at the edge of Int64 are refused, never trapped on, and change nothing.
final class ExtremeAmountTests: LedgerTestCase {
    func testExtremeAmountsAreRefusedAndTheBooksStayWhole() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.openAccount(.fxPosition(usd)))
        await expectDone(.openAccount(.suspense(usd)))
        await expectDone(.fund(operatorId: "ACME", amount: usd(1_000), reference: "w"))
        // A credit of Int64.min cannot be negated.
        await expectRejected(.journal(kind: "x", reference: "x", postings: [
            Posting(.fxPosition(usd), debit: usd(.max)), Posting(.suspense(usd), credit: usd(.min)),
        ]), .invalidAmount(.min))
        // Two postings to one account whose sum overflows.
        await expectRejected(.journal(kind: "x", reference: "x", postings: [
            Posting(.fxPosition(usd), debit: usd(.max)), Posting(.fxPosition(usd), debit: usd(.max)),
            Posting(.suspense(usd), credit: usd(.max)), Posting(.suspense(usd), credit: usd(.max)),
        ]), .money(.overflow))
        // Credits out of a hold whose sum overflows.
        await expectDone(.hold(id: "h", operatorId: "ACME", amount: usd(500), expiresAt: .max))
        await expectRejected(.post(holdId: "h", credits: [
            Posting(.fxPosition(usd), credit: usd(.max)), Posting(.fxPosition(usd), credit: usd(.max)),
        ], final: true), .money(.overflow))
        await expectRejected(.submitTransfer(TransferSubmission(
            operatorId: "ACME", transferId: TransferID(high: 1, low: 1), contentHash: [1, 2, 3],
            decision: .reject(.none, field: 0))), .invalidContentHash(3))
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 500)
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 500)
        try assertWhole()
    }
}
