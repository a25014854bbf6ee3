import GRDB
import RemitDomain
import RemitLedger
import XCTest

final class TransferTests: LedgerTestCase {
    let id1 = TransferID(high: 0x0191_F3C2_7A10_7C4E, low: 0x9D2B_3F6A_8E1C_5B07)
    let id2 = TransferID(high: 0x0191_F3C2_7A10_7C4E, low: 0x9D2B_3F6A_8E1C_5B08)

    override func setUp() async throws {
        try await super.setUp()
        for id in ["ACME", "BETA"] { await expectDone(.openOperator(id: id, currency: usd, creditLimit: 0)) }
        await expectDone(.fund(operatorId: "ACME", amount: usd(100_000), reference: "w"))
    }

    func hash(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: 32) }

    func submission(_ id: TransferID, operatorId: String = "ACME", amount: Int64 = 10_000, content: UInt8 = 1)
        -> TransferSubmission
    {
        TransferSubmission(
            operatorId: operatorId, transferId: id, contentHash: hash(content),
            decision: .accept(.init(
                sendAmount: usd(amount), fee: usd(299), payoutAmount: kes(1_281_555),
                legs: [.init(product: "mobileWallet", institution: "SAFCOM", account: "254712345678", share: 7_000,
                             payoutAmount: 897_089),
                       .init(product: "savingsDeposit", institution: "KWFT", account: "SAV-1", share: 3_000,
                             payoutAmount: 384_466)],  // 897,089 + 384,466 = 1,281,555
                holdExpiresAt: .max)),
            details: .init(rate: 128_155_500_000))
    }

    func submit(_ submission: TransferSubmission, file: StaticString = #filePath, line: UInt = #line) async
        -> TransferReceipt?
    {
        let outcome = await ledger.apply(.submitTransfer(submission))
        guard case .transfer(let receipt) = outcome else {
            XCTFail("\(outcome)", file: file, line: line)
            return nil
        }
        return receipt
    }

    func testAnAcceptedTransferHoldsItsMoneyAndQueuesItsLegs() async throws {
        let receipt = await submit(submission(id1))
        XCTAssertEqual(receipt?.state, .accepted)
        XCTAssertEqual(receipt?.replayed, false)
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100_000 - 10_299)
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 10_299)
        let view = try XCTUnwrap(try ledger.transfer(operatorId: "ACME", id: id1))
        XCTAssertEqual(view.legs.map(\.state), [.pending, .pending])
        XCTAssertEqual(view.legs.map(\.payoutAmount), [897_089, 384_466])
        XCTAssertEqual(view.lastEventSequence, 1)
        XCTAssertEqual(try ledger.outbox(limit: 10).map(\.leg), [0, 1])
        XCTAssertEqual(try ledger.events(operatorId: "ACME", after: 0, limit: 10).map(\.state), ["accepted"])
        try assertWhole()
    }

    /// A transfer's hold never lapses by itself (the payout may have happened): `expireHolds`
    /// leaves it, and past its expiry it is counted as overdue for a person to settle.
    func testATransfersHoldDoesNotLapseButBecomesOverdue() async throws {
        var due = submission(id1)
        guard case .accept(var terms) = due.decision else { return XCTFail() }
        terms.holdExpiresAt = 500
        due.decision = .accept(terms)
        _ = await submit(due)
        await expectDone(.hold(id: "plain", operatorId: "ACME", amount: usd(1_000), expiresAt: 500))
        XCTAssertEqual(try ledger.overdueHolds(asOf: 499), 0)
        XCTAssertEqual(try ledger.overdueHolds(asOf: 500), 3, "both legs' holds and the plain one")
        let expired = await expectDone(.expireHolds(asOf: 1_000))
        XCTAssertEqual(expired.count, 1, "only the plain hold")
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 10_299)
        XCTAssertEqual(try ledger.overdueHolds(asOf: 1_000), 2)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id1)?.state, .accepted)
        try assertWhole()
    }

    func testACrossCurrencyTransferWithoutItsRateIsRefused() async throws {
        var unpriced = submission(id1)
        unpriced.details.rate = 0
        await expectRejected(.submitTransfer(unpriced), .invalidRate(applied: 0, reference: 0))
        XCTAssertNil(try ledger.transfer(operatorId: "ACME", id: id1))
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100_000)
    }

    /// A transfer's legs share all of it, 10,000 basis points: one leg holds send amount and fee
    /// whole; shares that make more or less, or no leg at all, are refused with their sum and
    /// nothing is held.
    func testLegSharesMustMakeTheWhole() async throws {
        func with(_ shares: [UInt16]) -> LedgerCommand {
            var transfer = submission(id1)
            guard case .accept(var terms) = transfer.decision else { fatalError() }
            terms.legs = shares.map { .init(product: "mobileWallet", institution: "", account: "2547", share: $0, payoutAmount: 0) }
            terms.legs.indices.first.map { terms.legs[$0].payoutAmount = 1_281_555 }
            transfer.decision = .accept(terms)
            return .submitTransfer(transfer)
        }
        for (shares, sum) in [([9_999], 9_999), ([7_000, 3_001], 10_001), ([], 0)] as [([UInt16], Int64)] {
            await expectRejected(with(shares), .invalidAmount(sum))
        }
        XCTAssertNil(try ledger.transfer(operatorId: "ACME", id: id1))
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 0)
        guard case .transfer(let receipt) = await ledger.apply(with([10_000])) else { return XCTFail() }
        XCTAssertEqual(receipt.state, .accepted)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id1)?.legs.map { $0.hold?.amount }, [10_299])
        try assertWhole()
    }

    func testTheSameIdAndContentReturnsTheStoredResultAndMovesNothing() async throws {
        let first = await submit(submission(id1))
        let again = await submit(submission(id1))
        XCTAssertEqual(again?.replayed, true)
        XCTAssertEqual(again?.recordedAt, first?.recordedAt)
        XCTAssertEqual(again?.sendAmount, 10_000)
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 10_299, "held once")
        XCTAssertEqual(try ledger.events(operatorId: "ACME", after: 0, limit: 10).count, 1)
        XCTAssertEqual(try ledger.outbox(limit: 10).count, 2)
        try assertWhole()
    }

    func testTheSameIdWithOtherContentIsRefusedAndTheOriginalUntouched() async throws {
        _ = await submit(submission(id1))
        await expectRejected(.submitTransfer(submission(id1, amount: 20_000, content: 2)), .idReused(id1.description))
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id1)?.sendAmount, 10_000)
        try assertWhole()
    }

    func testAFailedIdStaysFailedEvenAfterFunding() async throws {
        let poor = await submit(submission(id1, operatorId: "BETA"))
        XCTAssertEqual(poor?.state, .rejected)
        XCTAssertEqual(poor?.reason, .insufficientFunds)
        await expectDone(.fund(operatorId: "BETA", amount: usd(1_000_000), reference: "w"))
        let again = await submit(submission(id1, operatorId: "BETA"))
        XCTAssertEqual(again?.state, .rejected)
        XCTAssertEqual(again?.reason, .insufficientFunds)
        XCTAssertEqual(again?.replayed, true)
        XCTAssertEqual(try balance(.operatorHolds("BETA", usd)), 0)
        try assertWhole()
    }

    func testARejectionDecidedBeforeTheLedgerIsRecordedToo() async throws {
        let rejected = TransferSubmission(operatorId: "ACME", transferId: id1, contentHash: hash(9),
                                          decision: .reject(ReasonCode(rawValue: 2005), field: 40))
        let receipt = await submit(rejected)
        XCTAssertEqual(receipt?.state, .rejected)
        XCTAssertEqual(receipt?.field, 40)
        let replay = await submit(rejected)
        XCTAssertEqual(replay?.replayed, true)
        XCTAssertEqual(try ledger.events(operatorId: "ACME", after: 0, limit: 10).count, 0)
    }

    func testOperatorsHaveSeparateIdsAndSeparateGapFreeEventStreams() async throws {
        await expectDone(.fund(operatorId: "BETA", amount: usd(100_000), reference: "w"))
        _ = await submit(submission(id1))
        _ = await submit(submission(id1, operatorId: "BETA", content: 7))
        _ = await submit(submission(id2))
        await expectDone(.moveTransfer(operatorId: "BETA", transferId: id1, to: .dispatched, reason: .none))
        await expectDone(.moveLeg(operatorId: "ACME", transferId: id2, leg: 1, to: .dispatched, reason: .none,
                                  partnerReference: ""))
        XCTAssertEqual(try ledger.events(operatorId: "ACME", after: 0, limit: 10).map(\.sequence), [1, 2, 3])
        XCTAssertEqual(try ledger.events(operatorId: "BETA", after: 0, limit: 10).map(\.sequence), [1, 2])
        XCTAssertEqual(try ledger.events(operatorId: "ACME", after: 2, limit: 10).map(\.leg), [1])
        XCTAssertNil(try ledger.transfer(operatorId: "BETA", id: id2), "another operator's transfer is not found")
        try assertWhole()
    }

    func testStatesOnlyMoveForward() async throws {
        _ = await submit(submission(id1))
        await expectRejected(.moveTransfer(operatorId: "ACME", transferId: id1, to: .paid, reason: .none),
                             .illegalTransition(id1.description, from: "accepted", to: "paid"))
        await expectDone(.moveTransfer(operatorId: "ACME", transferId: id1, to: .dispatched, reason: .none))
        await expectRejected(.moveTransfer(operatorId: "ACME", transferId: id1, to: .accepted, reason: .none),
                             .illegalTransition(id1.description, from: "dispatched", to: "accepted"))
        await expectDone(.moveLeg(operatorId: "ACME", transferId: id1, leg: 0, to: .dispatched, reason: .none,
                                  partnerReference: ""))
        await expectDone(.moveLeg(operatorId: "ACME", transferId: id1, leg: 0, to: .paid, reason: .none,
                                  partnerReference: "RKT4HZ81QX"))
        await expectRejected(.moveLeg(operatorId: "ACME", transferId: id1, leg: 0, to: .failed, reason: .none,
                                      partnerReference: ""),
                             .illegalTransition("\(id1) leg 0", from: "paid", to: "failed"))
        await expectRejected(.moveLeg(operatorId: "ACME", transferId: id1, leg: 5, to: .paid, reason: .none,
                                      partnerReference: ""), .unknownLeg(id1.description, 5))
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id1)?.legs[0].partnerReference, "RKT4HZ81QX")
        try assertWhole()
    }

    /// A refused transfer has no legs. Its row holds the columns of its first leg (v26), empty:
    /// every command that names leg 0 of it finds no leg, as when legs had rows of their own.
    func testARefusedTransferHasNoFirstLeg() async throws {
        let refused = LedgerCommand.submitTransfer(TransferSubmission(
            operatorId: "ACME", transferId: id1, contentHash: [UInt8](repeating: 1, count: 32),
            decision: .reject(ReasonCode(rawValue: 2001), field: 0)))
        guard case .transfer(let receipt) = await ledger.apply(refused), receipt.state == .rejected else {
            return XCTFail("not refused")
        }
        let unknown = LedgerError.unknownLeg(id1.description, 0)
        await expectRejected(.moveLeg(operatorId: "ACME", transferId: id1, leg: 0, to: .dispatched, reason: .none,
                                      partnerReference: ""), unknown)
        await expectRejected(.reportLeg(LegReport(operatorId: "ACME", transferId: id1, leg: 0,
                                                  outcome: .dispatched(partner: "MPESA"))), unknown)
        await expectRejected(.resolvePayout(PayoutResolution(operatorId: "ACME", transferId: id1, leg: 0, paidReference: "X",
                                                             evidence: "call")), unknown)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id1)?.legs, [])
        XCTAssertNil(try ledger.payoutWork(PayoutKey(operatorId: "ACME", transferId: id1, leg: 0, redirect: false)))
        XCTAssertEqual(try ledger.outboxDepth(), 0)
        // Its empty leg columns name no partner ('' like a leg not yet sent): no statement lists it.
        XCTAssertEqual(try ledger.partnerPayouts(""), [])
        try assertWhole()
    }

    func testVerifyFindsLegsThatDoNotAddUpToTheTransfer() async throws {
        _ = await submit(submission(id1))
        try await DatabaseQueue(path: path).write {
            try $0.execute(sql: "UPDATE leg SET payout_amount = payout_amount - 1 WHERE leg_index = 1")
        }
        let problems = try ledger.verify().problems
        XCTAssertEqual(problems.count, 1)
        XCTAssertTrue(problems[0].hasSuffix("legs pay 1281554 in 2 legs, the transfer 1281555"), "\(problems)")
    }

    func testEveryStateGraphOnlyMovesForward() {
        // No state can come back to itself through its successors: the graphs have no cycles.
        func reachable<S: Hashable>(from start: S, _ next: (S) -> Set<S>) -> Set<S> {
            var seen = Set<S>(), queue = Array(next(start))
            while let state = queue.popLast() {
                if seen.insert(state).inserted { queue += next(state) }
            }
            return seen
        }
        for state in TransferState.allCases {
            XCTAssertFalse(reachable(from: state, \.successors).contains(state), "\(state) is on a cycle")
        }
        for state in LegState.allCases {
            XCTAssertFalse(reachable(from: state, \.successors).contains(state), "\(state) is on a cycle")
        }
    }

    func testACancellationAndItsRefundCommitTogetherOrNotAtAll() async throws {
        _ = await submit(submission(id1))
        // A hold per leg: 70 % and 30 % of 102.99.
        let legs = try XCTUnwrap(ledger.transfer(operatorId: "ACME", id: id1)).legs
        XCTAssertEqual(legs.map(\.hold), [
            LegHold(id: TransferSubmission.holdId("ACME", id1), amount: 7_210, remaining: 7_210, state: "pending"),
            LegHold(id: TransferSubmission.holdId("ACME", id1, leg: 1), amount: 3_089, remaining: 3_089, state: "pending"),
        ])
        XCTAssertNil(try ledger.transfer(operatorId: "ACME", id: id1)?.holdId, "no hold of the transfer's own")
        let cancel = LedgerCommand.atomic([
            .moveTransfer(operatorId: "ACME", transferId: id1, to: .cancelled, reason: .none),
            .void(holdId: TransferSubmission.holdId("ACME", id1, leg: 0)),
            .void(holdId: TransferSubmission.holdId("ACME", id1, leg: 1)),
        ])
        await expectDone(cancel)
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100_000)
        // A second cancellation fails on its first step; nothing of it is recorded.
        let events = try ledger.events(operatorId: "ACME", after: 0, limit: 10).count
        await expectRejected(cancel, .illegalTransition(id1.description, from: "cancelled", to: "cancelled"))
        // The move succeeds but the void fails: the move is rolled back with it.
        _ = await submit(submission(id2))
        await expectDone(.void(holdId: TransferSubmission.holdId("ACME", id2)))
        await expectRejected(.atomic([
            .moveTransfer(operatorId: "ACME", transferId: id2, to: .cancelled, reason: .none),
            .void(holdId: TransferSubmission.holdId("ACME", id2)),
        ]), .holdNotPending(TransferSubmission.holdId("ACME", id2), state: "voided"))
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id2)?.state, .accepted)
        XCTAssertEqual(try ledger.events(operatorId: "ACME", after: 0, limit: 10).count, events + 1)
        try assertWhole()
    }
}

/// New transfers in one slice of commands move their money in one hold entry per operator and
/// currency; each hold still names that entry, and each transfer still finds it.
final class SharedHoldEntryTests: LedgerTestCase {
    override func setUp() async throws {
        try await super.setUp()
        await openAcmeAndBeta(funding: 1_000_000)
    }

    func submission(_ n: UInt64, operatorId: String = "ACME", amount: Int64 = 10_000, content: UInt8 = 1) -> LedgerCommand {
        .submitTransfer(TransferSubmission(
            operatorId: operatorId, transferId: TransferID(high: 0x0191_F3C2_0000_0000, low: n),
            contentHash: [UInt8](repeating: content, count: 32),
            decision: .accept(.init(sendAmount: usd(amount), fee: usd(299), payoutAmount: usd(amount),
                                    legs: [.init(product: "mobileWallet", institution: "SAFCOM", account: "2547", share: 10_000,
                                                 payoutAmount: amount)],
                                    holdExpiresAt: .max)),
            details: .init(rate: 0)))
    }

    func holdEntries() throws -> [(reference: String, moved: Int64)] {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.reference, sum(p.amount) FROM entry e JOIN posting p ON p.entry_id = e.id AND p.amount > 0
                WHERE e.kind = 'hold' GROUP BY e.id ORDER BY e.id
                """).map { ($0[0], $0[1]) }
        }
    }

    func testASliceOfTransfersMovesEachOperatorsMoneyOnce() async throws {
        // 40 commands: a slice of 32 (ACME and BETA alternating) and one of 8.
        let commands = (1...40).map { submission(UInt64($0), operatorId: $0 % 2 == 0 ? "BETA" : "ACME") }
        let outcomes = await ledger.apply(commands)
        XCTAssertTrue(outcomes.allSatisfy { if case .transfer(let r) = $0 { r.state == .accepted } else { false } })
        let entries = try holdEntries()
        let sixteen: Int64 = 16 * 10_299, four: Int64 = 4 * 10_299
        XCTAssertEqual(entries.map(\.moved), [sixteen, sixteen, four, four])
        XCTAssertEqual(entries[0].reference, "16 holds from transfer/ACME/0191f3c2-0000-0000-0000-000000000001")
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 1_000_000 - 20 * 10_299)
        XCTAssertEqual(try balance(.operatorHolds("BETA", usd)), 20 * 10_299)
        let shown = try ledger.entries(operatorId: "ACME", transferId: TransferID(high: 0x0191_F3C2_0000_0000, low: 3))
        XCTAssertEqual(shown.map(\.kind), ["hold"])
        XCTAssertEqual(shown.first?.transferPart, 10_299)
        XCTAssertEqual(shown.first?.lines.map(\.amount), [sixteen, -sixteen])
        try assertWhole()
    }

    func testOneTransfersEntryIsItsOwn() async throws {
        _ = await ledger.apply([submission(1)])
        XCTAssertEqual(try holdEntries().map(\.reference), ["transfer/ACME/0191f3c2-0000-0000-0000-000000000001"])
        let shown = try ledger.entries(operatorId: "ACME", transferId: TransferID(high: 0x0191_F3C2_0000_0000, low: 1))
        XCTAssertNil(shown.first?.transferPart)
        try assertWhole()
    }

    func testRefusalsInASliceLeaveTheOthersHeldOnce() async throws {
        // The floor: ACME can hold 97 transfers of 10,299. In one batch: 10 fit, one reuses an id
        // with other content (refused: the slice is replayed one by one), one is over the floor
        // (recorded as rejected), then a cancellation reads a hold placed in the same batch.
        var commands = (1...10).map { submission(UInt64($0)) }
        commands.append(submission(3, content: 9))
        commands.append(submission(11, amount: 2_000_000))
        commands.append(.cancelTransfer(operatorId: "ACME", transferId: TransferID(high: 0x0191_F3C2_0000_0000, low: 2),
                                        reason: .none))
        commands += (12...14).map { submission(UInt64($0)) }
        let outcomes = await ledger.apply(commands)
        XCTAssertEqual(outcomes[10], .rejected(.idReused("0191f3c2-0000-0000-0000-000000000003")))
        guard case .transfer(let over) = outcomes[11] else { return XCTFail("\(outcomes[11])") }
        XCTAssertEqual(over.state, .rejected)
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 12 * 10_299)
        let moved = try holdEntries().map(\.moved).reduce(0, +)
        XCTAssertEqual(moved, 13 * 10_299)
        try assertWhole()
    }

    /// A slice does not look its new transfers up before writing them: one already recorded is
    /// refused by its row's key, and the slice replayed command by command, each looked up. So a
    /// batch that sends earlier transfers again, one twice within itself and one id with other
    /// content, gets each stored result back, and nothing is held twice.
    func testTransfersSentAgainInABatchGetTheirStoredResults() async throws {
        let earlier = await ledger.apply((1...40).map { submission(UInt64($0)) })
        var commands: [LedgerCommand] = []
        for n in 41...80 {
            commands.append(submission(UInt64(n)))
            if n % 4 == 0 { commands.append(submission(UInt64(n - 40))) }  // sent again, same content
        }
        commands.append(submission(60))  // twice in this batch
        commands.append(submission(7, content: 9))  // another transfer's id
        let outcomes = await ledger.apply(commands)
        var replayed = 0
        for (command, outcome) in zip(commands, outcomes) {
            guard case .submitTransfer(let sent) = command else { continue }
            if sent.contentHash.first == 9 {
                XCTAssertEqual(outcome, .rejected(.idReused(sent.transferId.description)))
                continue
            }
            guard case .transfer(let receipt) = outcome else { return XCTFail("\(outcome)") }
            XCTAssertEqual(receipt.state, .accepted)
            if receipt.replayed {
                replayed += 1
                let low = sent.transferId.low
                if low <= 40, case .transfer(let first) = earlier[Int(low) - 1] {
                    XCTAssertEqual(receipt.recordedAt, first.recordedAt)
                }
            }
        }
        XCTAssertEqual(replayed, 11)
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 80 * 10_299)
        XCTAssertEqual(try ledger.events(operatorId: "ACME", after: 0, limit: 1_000).count, 80)
        try assertWhole()
    }

    func testEventNumbersKeptBackByTheWriterSurviveRefusalsAroundThem() async throws {
        // Event counters are written once per slice: a refused command of another kind (audited,
        // with its own savepoint), a refused transfer (the slice replayed one by one) and
        // payout reports in between must leave each stream gap-free and its counter at its end.
        let first = (1...5).map { submission(UInt64($0)) }
        let refusedWithdrawal = LedgerCommand.audited(AuditRecord(actor: "test", action: "withdraw", subject: "ACME",
                                                                  detail: "too much"),
                                                      .withdraw(operatorId: "ACME", amount: usd(100_000_000), reference: "x"))
        let dispatched = LedgerCommand.reportLeg(LegReport(operatorId: "ACME", transferId: TransferID(high: 0x0191_F3C2_0000_0000, low: 2),
                                                           leg: 0, outcome: .dispatched(partner: "MPESA")))
        let then = (6...9).map { submission(UInt64($0), operatorId: $0 % 2 == 0 ? "BETA" : "ACME") }
        let outcomes = await ledger.apply(first + [refusedWithdrawal, dispatched, submission(3, content: 9)] + then)
        guard case .rejected = outcomes[5] else { return XCTFail("\(outcomes[5])") }
        XCTAssertEqual(outcomes[6], .done(entries: []))
        XCTAssertEqual(outcomes[7], .rejected(.idReused("0191f3c2-0000-0000-0000-000000000003")))
        // ACME: 5 accepted, 1 leg dispatched and its transfer dispatched, 2 more accepted; BETA: 2.
        let acme = try ledger.events(operatorId: "ACME", after: 0, limit: 100).map(\.sequence)
        XCTAssertEqual(acme, Array(1...9))
        XCTAssertEqual(try ledger.events(operatorId: "BETA", after: 0, limit: 100).map(\.sequence), [1, 2])
        _ = await ledger.apply([submission(10)])
        XCTAssertEqual(try ledger.events(operatorId: "ACME", after: 9, limit: 100).map(\.sequence), [10])
        try assertWhole()
    }

    func testScreeningDecisionsNameEachPartyOnce() async throws {
        var twice = TransferSubmission(operatorId: "ACME", transferId: TransferID(high: 0x0191_F3C2_0000_0000, low: 50),
                                       contentHash: [UInt8](repeating: 1, count: 32),
                                       decision: .reject(ReasonCode(rawValue: 6002), field: 0))
        let clear = ScreeningRecord(party: "sender", decision: "clear", scoreBps: 100, entryId: nil, matchedName: nil, source: nil)
        twice.screenings = [clear, clear]
        let refusedTwice = await ledger.apply(.submitTransfer(twice))
        XCTAssertEqual(refusedTwice, .rejected(.invalidScreening("sender")))
        var stranger = twice
        stranger.screenings = [ScreeningRecord(party: "witness", decision: "clear", scoreBps: 100, entryId: nil,
                                               matchedName: nil, source: nil)]
        let refusedStranger = await ledger.apply(.submitTransfer(stranger))
        XCTAssertEqual(refusedStranger, .rejected(.invalidScreening("witness")))
        XCTAssertNil(try ledger.transfer(operatorId: "ACME", id: twice.transferId), "nothing of either is recorded")
        try assertWhole()
    }

    func testAnAtomicCommandWritesWhatANewTransferKeptBackBeforeItsNextStep() async throws {
        // A new transfer's hold entry is open until the end of its slice; inside .atomic the next
        // step (an entry of its own, a void of the transfer's hold) must find it written.
        let id = TransferID(high: 0x0191_F3C2_0000_0000, low: 60)
        guard case .submitTransfer(let new) = submission(60) else { return XCTFail() }
        await expectDone(.atomic([
            .submitTransfer(new),
            .fund(operatorId: "ACME", amount: usd(500), reference: "top-up"),
            .void(holdId: TransferSubmission.holdId("ACME", id)),
        ]))
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 1_000_500)
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 0)
        try assertWhole()
    }
}

