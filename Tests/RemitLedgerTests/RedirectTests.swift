import RemitDomain
import RemitLedger
import XCTest

/// REDIRECT_TO_FIRST_LEG: a leg that fails for good is paid through the first leg's destination
/// from its own hold; refunded if that refuses it too, or if the first leg cannot take money.
final class RedirectTests: LedgerTestCase {
    let id = TransferID(high: 9, low: 9)

    override func setUp() async throws {
        try await super.setUp()
        await submitSplit(id, redirect: true)
    }

    func report(_ leg: Int, _ outcome: LegReport.Outcome, redirect: Bool = false) -> LedgerCommand {
        .reportLeg(LegReport(operatorId: "ACME", transferId: id, leg: leg, outcome: outcome, redirect: redirect))
    }

    func view() throws -> TransferView { try XCTUnwrap(try ledger.transfer(operatorId: "ACME", id: id)) }

    func testAFailedLegIsPaidThroughTheFirstLegsDestination() async throws {
        await expectDone(report(0, .dispatched(partner: "MPESA")))
        await expectDone(report(1, .dispatched(partner: "KMFI")))
        await expectDone(report(1, .failed(.partnerRejected)))
        XCTAssertEqual(try view().legs.map(\.state), [.dispatched, .redirected])
        // Its money is still held, waiting to go to the wallet.
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100_000 - 10_299)
        let work = try ledger.payoutWork(now: .max, limit: 10).filter(\.redirect)
        XCTAssertEqual(work.count, 1)
        XCTAssertEqual(work.first?.leg, 1)
        XCTAssertEqual(work.first?.state, .pending)
        XCTAssertEqual(work.first?.product, "mobileWallet")
        XCTAssertEqual(work.first?.account, "254712345678")
        XCTAssertEqual(work.first?.payoutAmount, 384_466)
        XCTAssertEqual(work.first?.idempotencyKey, "ACME-\(id)-1r")
        XCTAssertEqual(PayoutKey("ACME-\(id)-1r"), PayoutKey(operatorId: "ACME", transferId: id, leg: 1, redirect: true))
        // A report that mistakes which payout it is about is refused.
        await expectRejected(report(1, .dispatched(partner: "MPESA")),
                             .illegalTransition("\(id) leg 1", from: "redirected", to: "leg payout"))
        await expectDone(report(1, .dispatched(partner: "MPESA"), redirect: true))
        await expectDone(report(1, .paid(partnerReference: "MP-77"), redirect: true))
        XCTAssertEqual(try view().state, .dispatched, "the first leg is not paid yet")
        await expectDone(report(0, .paid(partnerReference: "MP-76")))
        let paid = try view()
        XCTAssertEqual(paid.state, .paid)
        XCTAssertEqual(paid.legs.map(\.state), [.paid, .redirected])
        XCTAssertEqual(paid.legs[1].partnerReference, "MP-77")
        XCTAssertEqual(paid.legs[1].partner, "MPESA")
        XCTAssertEqual(abs(try balance(.partnerFloat("MPESA", kes))), 1_281_555, "the wallet got the whole payout")
        XCTAssertNil(try ledger.balance(.partnerFloat("KMFI", kes)))
        XCTAssertEqual(try balance(.operatorHolds("ACME", usd)), 0)
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100_000 - 10_299)
        let events = try ledger.events(operatorId: "ACME", after: 0, limit: 50).filter { $0.leg == 1 }
        XCTAssertEqual(events.map(\.state), ["dispatched", "failed", "redirected", "redirected"])
        XCTAssertEqual(events.last?.partnerReference, "MP-77")
        // Paid once: a second answer for the redirected payout is refused.
        await expectRejected(report(1, .paid(partnerReference: "MP-77"), redirect: true),
                             .illegalTransition("\(id) leg 1", from: "not redirected", to: "redirected payout"))
        try assertWhole()
    }

    func testRefusedAtTheFirstLegsDestinationTooItIsRefunded() async throws {
        await expectDone(report(0, .dispatched(partner: "MPESA")))
        await expectDone(report(1, .failed(.noPartnerAvailable)))
        await expectDone(report(1, .dispatched(partner: "MPESA"), redirect: true))
        await expectDone(report(1, .inDoubt(.partnerUnreachable), redirect: true))
        XCTAssertEqual(try view().state, .inDoubt)
        // Operations see the redirected payout in doubt.
        XCTAssertEqual(try ledger.legsInDoubt(limit: 10).map(\.redirect), [true])
        await expectDone(report(1, .failed(.partnerRejected), redirect: true))
        XCTAssertEqual(try view().legs[1].state, .refunded)
        // The leg's own hold went back at once: 30.00 + 0.89.
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100_000 - 7_210)
        await expectDone(report(0, .paid(partnerReference: "MP-1")))
        XCTAssertEqual(try view().state, .partiallyPaid)
        try assertWhole()
    }

    func testWhenTheFirstLegCannotTakeItTheLegIsRefunded() async throws {
        await expectDone(report(0, .failed(.partnerRejected)))
        await expectDone(report(1, .failed(.partnerRejected)))
        XCTAssertEqual(try view().legs.map(\.state), [.refunded, .refunded])
        XCTAssertEqual(try view().state, .refunded)
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), 100_000)
        try assertWhole()
    }
}
