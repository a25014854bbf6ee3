import RemitDomain
import RemitLedger
import XCTest

/// A payout leg's reports, each one ledger command: money moves exactly once, states only move
/// forward, and the transfer finishes when its last leg does.
final class PayoutTests: LedgerTestCase {
    let id = TransferID(high: 7, low: 7)

    override func setUp() async throws {
        try await super.setUp()
        await submitSplit(id)
    }

    func report(_ leg: Int, _ outcome: LegReport.Outcome) -> LedgerCommand {
        .reportLeg(LegReport(operatorId: "ACME", transferId: id, leg: leg, outcome: outcome))
    }

    func state() throws -> (TransferState, [LegState]) {
        let view = try XCTUnwrap(try ledger.transfer(operatorId: "ACME", id: id))
        return (view.state, view.legs.map(\.state))
    }

    func testBothLegsPaidPostTheWholeHoldThroughFXAndFees() async throws {
        XCTAssertEqual(try ledger.payoutWork(now: 0, limit: 10).map(\.leg), [0, 1])
        await expectDone(report(0, .dispatched(partner: "MPESA")))
        await expectDone(report(1, .dispatched(partner: "KMFI")))
        XCTAssertEqual(try state().0, .dispatched)
        await expectDone(report(0, .paid(partnerReference: "MP-1")))
        XCTAssertEqual(try state().0, .dispatched)
        await expectDone(report(1, .paid(partnerReference: "KM-1")))
        XCTAssertEqual(try state().0, .paid)
        XCTAssertEqual(try state().1, [.paid, .paid])
        XCTAssertEqual(try ledger.payoutWork(now: .max, limit: 10).count, 0)
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 0)
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100_000 - 10_299)
        XCTAssertEqual(try balance(.feeRevenue(usd)), 299)
        // The send amount is accounted for exactly: KES 1,281,555 cost USD 98.57 at the mid rate
        // 130 (6,900 + 2,957 per leg, rounded down), the margin USD 1.42 (100 + 42), and the
        // second leg's rounding kept back one cent.
        XCTAssertEqual(abs(try balance(.fxPosition(usd))), 9_857)
        XCTAssertEqual(try balance(.fxMarginRevenue(usd)), 142)
        XCTAssertEqual(try balance(.rounding(usd)), 1)
        XCTAssertEqual(try ledger.balance(.partnerFloat("MPESA", kes)).map(abs), 897_089)
        XCTAssertEqual(try ledger.balance(.partnerFloat("KMFI", kes)).map(abs), 384_466)
        // A duplicate answer changes nothing: the leg is paid already.
        await expectRejected(report(0, .paid(partnerReference: "MP-1")),
                             .illegalTransition("\(id) leg 0", from: "paid", to: "paid"))
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id)?.legs[0].partnerReference, "MP-1")
        try assertWhole()
    }

    /// A leg waiting on its partner is not work again until its answer is overdue; then it is
    /// (the answer never came: the process stopped, say). A retry sets the time outright.
    func testADispatchedLegIsWorkAgainOnlyOnceItsAnswerIsOverdue() async throws {
        await expectDone(report(0, .dispatched(partner: "MPESA", answerDueAt: 10_000)))
        XCTAssertEqual(try ledger.payoutWork(now: 9_999, limit: 10).map(\.leg), [1])
        XCTAssertEqual(try ledger.payoutWork(now: 10_000, limit: 10).map(\.leg), [0, 1])
        // Moved to the next partner earlier than the first answer was due: the later time holds.
        await expectDone(report(0, .dispatched(partner: "MPESA", answerDueAt: 5_000)))
        XCTAssertEqual(try ledger.payoutWork(now: 9_999, limit: 10).map(\.leg), [1])
        await expectDone(report(0, .retry(dueAt: 2_000, inquiry: true)))
        XCTAssertEqual(try ledger.payoutWork(now: 2_000, limit: 10).map(\.leg), [0, 1])
        try assertWhole()
    }

    func testOneLegFailedIsRefundedAndTheTransferIsPartiallyPaid() async throws {
        await expectDone(report(0, .dispatched(partner: "MPESA")))
        await expectDone(report(1, .dispatched(partner: "KMFI")))
        await expectDone(report(1, .failed(.partnerRejected)))
        XCTAssertEqual(try state().1, [.dispatched, .refunded])
        // Each leg has its own hold: the refused leg's 30.00 + 0.89 is back at once, while the
        // wallet leg's 70.00 + 2.10 stays held until its partner answers.
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100_000 - 7_210)
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 7_210)
        await expectDone(report(0, .paid(partnerReference: "MP-1")))
        XCTAssertEqual(try state().0, .partiallyPaid)
        // 70 % of 100.00 and of 2.99 was paid; the rest is back on the prefund.
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100_000 - 7_000 - 210)
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 0)
        try assertWhole()
    }

    func testInDoubtThenPaidPaysOnceAndAllFailedRefundsEverything() async throws {
        await expectDone(report(0, .dispatched(partner: "MPESA")))
        await expectDone(report(0, .inDoubt(.partnerUnreachable)))
        XCTAssertEqual(try state().0, .inDoubt)
        await expectDone(report(0, .retry(dueAt: 5_000, inquiry: true)))
        XCTAssertEqual(try ledger.payoutWork(now: 4_999, limit: 10).map(\.leg), [1])
        XCTAssertEqual(try ledger.payoutWork(now: 5_000, limit: 10).first?.inquiries, 1)
        await expectDone(report(0, .failed(.partnerRejected)))
        await expectDone(report(1, .failed(.noPartnerAvailable)))
        XCTAssertEqual(try state().0, .refunded)
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100_000)
        try assertWhole()
    }

    func testAReviewedLegLeavesTheOutboxQueue() async throws {
        await expectDone(report(0, .dispatched(partner: "MPESA")))
        await expectDone(report(0, .review))
        XCTAssertEqual(try ledger.payoutWork(now: .max, limit: 10).map(\.leg), [1])
        XCTAssertEqual(try ledger.payoutsInReview(), 1)
    }

    func testCancellationTakesTheLegsOutOfTheOutbox() async throws {
        await expectDone(.cancelTransfer(operatorId: "ACME", transferId: id, reason: .none))
        XCTAssertEqual(try state().0, .cancelled)
        XCTAssertEqual(try state().1, [.cancelled, .cancelled])
        XCTAssertEqual(try ledger.payoutWork(now: .max, limit: 10).count, 0)
        // A dispatcher that read the leg before the cancel cannot send it now.
        await expectRejected(report(0, .dispatched(partner: "MPESA")),
                             .illegalTransition("\(id) leg 0", from: "cancelled", to: "dispatched"))
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100_000)
        try assertWhole()
    }
}

/// A transfer so small that a leg's share of the send amount and fee rounds to nothing: that
/// leg holds nothing, and is still paid from the FX position, every entry balanced.
final class TinyPayoutTests: LedgerTestCase {
    func testALegThatHoldsNothingIsPaidWithBalancedEntries() async throws {
        let id = TransferID(high: 5, low: 5)
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(100), reference: "w"))
        // USD 0.01 at 128.1555, no fee: KES 1.28, split 50/50 (KES 0.64 each); the cent goes
        // to the first leg, the second holds nothing.
        let outcome = await ledger.apply(.submitTransfer(TransferSubmission(
            operatorId: "ACME", transferId: id, contentHash: [UInt8](repeating: 5, count: 32),
            decision: .accept(.init(
                sendAmount: usd(1), fee: usd(0), payoutAmount: kes(128),
                legs: [.init(product: "mobileWallet", institution: "", account: "254712345678", share: 5_000, payoutAmount: 64),
                       .init(product: "mobileWallet", institution: "", account: "254712345679", share: 5_000, payoutAmount: 64)],
                holdExpiresAt: .max)),
            details: .init(rate: 128_155_500_000, referenceRate: 130_000_000_000))))
        guard case .transfer(let receipt) = outcome, receipt.state == .accepted else { return XCTFail("\(outcome)") }
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id)?.legs.count, 2)
        for leg in 0..<2 {
            await expectDone(.reportLeg(LegReport(operatorId: "ACME", transferId: id, leg: leg,
                                                  outcome: .dispatched(partner: "MPESA"))))
            await expectDone(.reportLeg(LegReport(operatorId: "ACME", transferId: id, leg: leg,
                                                  outcome: .paid(partnerReference: "MP-\(leg)"))))
        }
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id)?.state, .paid)
        XCTAssertEqual(abs(try balance(.partnerFloat("MPESA", kes))), 128)
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 0)
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 99)
        try assertWhole()
    }
}
