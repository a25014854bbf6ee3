import RemitDomain
import RemitLedger
import XCTest

/// A partner's reversal of a paid leg: a new entry mirroring the leg's payment, the leg
/// REVERSED, the transfer PARTIALLY_PAID while another leg stays paid and REVERSED after the
/// last; the money back on the prefund exactly; nothing else reversible.
final class ReversalTests: LedgerTestCase {
    let id = TransferID(high: 8, low: 8)

    override func setUp() async throws {
        try await super.setUp()
        await submitSplit(id)  // USD 100.00 + 2.99 fee; 70 % to MPESA's wallet, 30 % to KMFI
    }

    func report(_ leg: Int, _ outcome: LegReport.Outcome) -> LedgerCommand {
        .reportLeg(LegReport(operatorId: "ACME", transferId: id, leg: leg, outcome: outcome))
    }

    func reverse(_ leg: Int, evidence: String = "MPESA statement line 88", source: String = "operations") -> LedgerCommand {
        .reversePayout(PayoutReversal(operatorId: "ACME", transferId: id, leg: leg, source: source, evidence: evidence))
    }

    func payBoth() async {
        await expectDone(report(0, .dispatched(partner: "MPESA")))
        await expectDone(report(1, .dispatched(partner: "KMFI")))
        await expectDone(report(0, .paid(partnerReference: "MP-1")))
        await expectDone(report(1, .paid(partnerReference: "KM-1")))
    }

    func testReversingEachLegReturnsItsShareAndThenEverything() async throws {
        await payBoth()
        let prefundPaid = try balance(.operatorPrefund("ACME", usd))
        XCTAssertEqual(prefundPaid, 100_000 - 10_299)

        await expectDone(reverse(0))
        var view = try XCTUnwrap(try ledger.transfer(operatorId: "ACME", id: id))
        XCTAssertEqual(view.state, .partiallyPaid, "the KMFI leg is still paid")
        XCTAssertEqual(view.legs.map(\.state), [.reversed, .paid])
        // The wallet leg's 70.00 and 2.10 of the fee are back; MPESA's float is as before.
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), prefundPaid + 7_210)
        XCTAssertEqual(try ledger.balance(.partnerFloat("MPESA", kes)) ?? 0, 0)
        XCTAssertEqual(try ledger.reversals(operatorId: "ACME", transferId: id).map(\.evidence), ["MPESA statement line 88"])
        try assertWhole()

        await expectDone(reverse(1, evidence: "callback: transactionStatus reversed", source: "partner"))
        view = try XCTUnwrap(try ledger.transfer(operatorId: "ACME", id: id))
        XCTAssertEqual(view.state, .reversed)
        XCTAssertEqual(view.legs.map(\.state), [.reversed, .reversed])
        // As if never sent: every account the payment touched is back where it was.
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100_000)
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 0)
        for account in [AccountCode.feeRevenue(usd), .fxPosition(usd), .fxMarginRevenue(usd), .rounding(usd), .fxPosition(kes),
                        .partnerFloat("MPESA", kes), .partnerFloat("KMFI", kes)] {
            XCTAssertEqual(try ledger.balance(account) ?? 0, 0, account.text)
        }
        try assertWhole()
    }

    func testOnlyAPaidLegIsReversedAndOnlyOnce() async throws {
        await expectRejected(reverse(0), .illegalTransition("\(id) leg 0", from: "pending", to: "reversed"))
        await payBoth()
        await expectRejected(reverse(0, evidence: ""), .invalidEvidence)
        await expectRejected(reverse(0, evidence: String(repeating: "x", count: 501)), .invalidEvidence)
        await expectRejected(reverse(0, source: "someone"), .invalidEvidence)
        await expectRejected(reverse(2), .unknownLeg(id.description, 2))
        await expectDone(reverse(0))
        await expectRejected(reverse(0), .illegalTransition("\(id) leg 0", from: "reversed", to: "reversed"))
        XCTAssertEqual(try ledger.reversals(operatorId: "ACME", transferId: id).count, 1)
        // A reversed leg takes no later answer from its partner either.
        await expectRejected(report(0, .paid(partnerReference: "MP-1")),
                             .illegalTransition("\(id) leg 0", from: "reversed", to: "paid"))
        try assertWhole()
    }

    /// Reversed while the other leg is still with its partner: the transfer carries on, and
    /// ends as its other leg does, the reversed one counting as not paid.
    func testALegReversedWhileTheTransferIsUnderWay() async throws {
        await expectDone(report(0, .dispatched(partner: "MPESA")))
        await expectDone(report(1, .dispatched(partner: "KMFI")))
        await expectDone(report(0, .paid(partnerReference: "MP-1")))
        await expectDone(reverse(0))
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id)?.state, .dispatched)
        await expectDone(report(1, .paid(partnerReference: "KM-1")))
        let view = try XCTUnwrap(try ledger.transfer(operatorId: "ACME", id: id))
        XCTAssertEqual(view.state, .partiallyPaid)
        XCTAssertEqual(view.legs.map(\.state), [.reversed, .paid])
        // Only the savings leg's 30.00 and 0.89 of the fee stay spent.
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100_000 - 3_089)
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 0)
        try assertWhole()
    }

    func testAFailedLegIsNotReversed() async throws {
        await expectDone(report(0, .dispatched(partner: "MPESA")))
        await expectDone(report(1, .dispatched(partner: "KMFI")))
        await expectDone(report(1, .failed(.partnerRejected)))
        await expectDone(report(0, .paid(partnerReference: "MP-1")))
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id)?.state, .partiallyPaid)
        await expectRejected(reverse(1), .illegalTransition("\(id) leg 1", from: "refunded", to: "reversed"))
        await expectDone(reverse(0))
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id)?.state, .reversed,
                       "no leg's money is with a beneficiary any more")
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100_000)
        try assertWhole()
    }

    /// A leg whose share of a tiny send amount rounds to nothing on the send side (USD 0.02
    /// split 90/10: the second leg holds 0.00 and pays KES 0.25) still reverses: its payout
    /// side turns around and nothing goes back to the prefund, since nothing came out of it.
    func testALegWithNothingOnTheSendSideReverses() async throws {
        let tiny = TransferID(high: 8, low: 9)
        let outcome = await ledger.apply(.submitTransfer(TransferSubmission(
            operatorId: "ACME", transferId: tiny, contentHash: [UInt8](repeating: 2, count: 32),
            decision: .accept(.init(
                sendAmount: usd(2), fee: usd(0), payoutAmount: kes(256),
                legs: [.init(product: "mobileWallet", institution: "", account: "254712345678", share: 9_000,
                             payoutAmount: 231),
                       .init(product: "savingsDeposit", institution: "KMFI", account: "SAV-1", share: 1_000,
                             payoutAmount: 25)],
                holdExpiresAt: .max)),
            details: .init(rate: 128_155_500_000, referenceRate: 130_000_000_000, redirectToFirstLeg: false))))
        guard case .transfer(let receipt) = outcome, receipt.state == .accepted else { return XCTFail("\(outcome)") }
        XCTAssertEqual(TransferSubmission.legHolds(sendAmount: 2, fee: 0, shares: [9_000, 1_000]).map(\.send), [2, 0])
        func tinyReport(_ leg: Int, _ outcome: LegReport.Outcome) -> LedgerCommand {
            .reportLeg(LegReport(operatorId: "ACME", transferId: tiny, leg: leg, outcome: outcome))
        }
        await expectDone(tinyReport(0, .dispatched(partner: "MPESA")))
        await expectDone(tinyReport(1, .dispatched(partner: "KMFI")))
        await expectDone(tinyReport(0, .paid(partnerReference: "MP-2")))
        await expectDone(tinyReport(1, .paid(partnerReference: "KM-2")))
        let prefundPaid = try balance(.operatorPrefund("ACME", usd))
        await expectDone(.reversePayout(PayoutReversal(operatorId: "ACME", transferId: tiny, leg: 1, source: "operations",
                                                       evidence: "KMFI statement line 3")))
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), prefundPaid, "nothing of the send amount was in this leg")
        XCTAssertEqual(try ledger.balance(.partnerFloat("KMFI", kes)) ?? 0, 0)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: tiny)?.state, .partiallyPaid)
        try assertWhole()
    }
}
