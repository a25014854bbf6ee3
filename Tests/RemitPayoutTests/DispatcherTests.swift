import Foundation
import Logging
import RemitDomain
import RemitLedger
@testable import RemitPayout
import Synchronization
import XCTest

/// A partner whose answers the test scripts, one per call, recording every call.
final class ScriptedPartner: PartnerAdapter {
    let id: String
    let capabilities: PartnerCapabilities
    private let script: Mutex<(submits: [PayoutOutcome], statuses: [PayoutOutcome], calls: [String],
                               cancels: [CancelOutcome])>
    let delayMs: Int

    init(_ id: String, submits: [PayoutOutcome], statuses: [PayoutOutcome] = [], cancels: [CancelOutcome] = [],
         delayMs: Int = 0, products: Set<String> = ["mobileWallet"]) {
        self.id = id
        capabilities = PartnerCapabilities(countries: ["KE"], currencies: ["KES"], products: products)
        script = Mutex((submits, statuses, [], cancels))
        self.delayMs = delayMs
    }

    func cancel(_ instruction: PayoutInstruction) async -> CancelOutcome {
        script.withLock {
            $0.calls.append("cancel \(instruction.idempotencyKey)")
            return $0.cancels.isEmpty ? .refused(reason: "script ended") : $0.cancels.removeFirst()
        }
    }

    var calls: [String] { script.withLock { $0.calls } }

    func submit(_ instruction: PayoutInstruction) async -> PayoutOutcome {
        if delayMs > 0 { try? await Task.sleep(for: .milliseconds(delayMs)) }
        return script.withLock {
            $0.calls.append("submit \(instruction.idempotencyKey)")
            return $0.submits.isEmpty ? .rejected(reason: "script ended") : $0.submits.removeFirst()
        }
    }

    func checkHealth() async -> PartnerHealthCheck { PartnerHealthCheck(.up, "scripted") }

    func status(_ instruction: PayoutInstruction) async -> PayoutOutcome {
        script.withLock {
            $0.calls.append("status \(instruction.idempotencyKey)")
            return $0.statuses.isEmpty ? .unknown(reason: "script ended") : $0.statuses.removeFirst()
        }
    }
}

final class DispatcherTests: XCTestCase {
    var folder: URL!
    var ledger: Ledger!
    let usd = try! Currency("USD"), kes = try! Currency("KES")
    let id = TransferID(high: 1, low: 1)

    override func setUp() async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("remit-payout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        ledger = try Ledger(path: folder.appendingPathComponent("ledger.sqlite").path)
        _ = await ledger.apply([.openOperator(id: "ACME", currency: usd, creditLimit: 0),
                                .fund(operatorId: "ACME", amount: Money(1_000_000, usd), reference: "w")])
        let outcome = await ledger.apply(.submitTransfer(TransferSubmission(
            operatorId: "ACME", transferId: id, contentHash: [UInt8](repeating: 1, count: 32),
            decision: .accept(.init(sendAmount: Money(10_000, usd), fee: Money(299, usd), payoutAmount: Money(1_294_500, kes),
                                    legs: [.init(product: "mobileWallet", institution: "", account: "254712345678",
                                                 share: 10_000, payoutAmount: 1_294_500)],
                                    holdExpiresAt: .max)),
            details: .init(sendCurrency: "USD", payoutCurrency: "KES", sendCountry: "US", payoutCountry: "KE",
                           rate: 129_450_000_000, referenceRate: 129_450_000_000))))
        guard case .transfer(let receipt) = outcome, receipt.state == .accepted else { return XCTFail("\(outcome)") }
    }

    override func tearDown() async throws {
        ledger = nil
        try? FileManager.default.removeItem(at: folder)
    }

    func dispatcher(_ partners: [RoutedPartner], health: PartnerHealth = PartnerHealth()) -> PayoutDispatcher {
        PayoutDispatcher(ledger: ledger, router: PayoutRouter(partners: partners),
                         policy: .init(pollIntervalMs: 10, firstInquiryMs: 10, maxInquiryDelayMs: 40, maxInquiries: 4),
                         health: health, logger: Logger(label: "test"))
    }

    /// Runs the dispatcher's steps by hand until the transfer is final or `rounds` pass.
    func drive(_ dispatcher: PayoutDispatcher, rounds: Int = 200) async throws -> TransferView {
        for _ in 0..<rounds {
            for item in try ledger.payoutWork(now: Ledger.wallClock(), limit: 10) { await dispatcher.handle(item) }
            let view = try XCTUnwrap(try ledger.transfer(operatorId: "ACME", id: id))
            let inReview = try ledger.payoutsInReview()
            if view.state.isSettled || inReview > 0 { return view }
            try await Task.sleep(for: .milliseconds(5))
        }
        return try XCTUnwrap(try ledger.transfer(operatorId: "ACME", id: id))
    }

    func assertWhole(file: StaticString = #filePath, line: UInt = #line) throws {
        let report = try ledger.verify()
        XCTAssertTrue(report.isClean, report.description, file: file, line: line)
        var sums = [String: Int64]()
        for account in try ledger.trialBalance() { sums[account.currency, default: 0] += account.balance }
        XCTAssertTrue(sums.values.allSatisfy { $0 == 0 }, "\(sums)", file: file, line: line)
    }

    func testPaidAtOnce() async throws {
        let partner = ScriptedPartner("A", submits: [.paid(reference: "A-1")])
        let view = try await drive(dispatcher([RoutedPartner(adapter: partner, priority: 1)]))
        XCTAssertEqual(view.state, .paid)
        XCTAssertEqual(view.legs[0].partnerReference, "A-1")
        XCTAssertEqual(view.legs[0].partner, "A")
        XCTAssertEqual(partner.calls.count, 1)
        try assertWhole()
    }

    func testBusyIsSentAgainUnderTheSameKey() async throws {
        let partner = ScriptedPartner("A", submits: [.busy(reason: "503"), .busy(reason: "503"), .paid(reference: "A-1")])
        let view = try await drive(dispatcher([RoutedPartner(adapter: partner, priority: 1)]))
        XCTAssertEqual(view.state, .paid)
        XCTAssertEqual(partner.calls, Array(repeating: "submit ACME-\(id)-0", count: 3))
        try assertWhole()
    }

    func testADefiniteRefusalTriesTheNextPartner() async throws {
        let first = ScriptedPartner("A", submits: [.rejected(reason: "account closed")])
        let second = ScriptedPartner("B", submits: [.paid(reference: "B-1")])
        let view = try await drive(dispatcher([RoutedPartner(adapter: second, priority: 2),
                                               RoutedPartner(adapter: first, priority: 1)]))
        XCTAssertEqual(view.state, .paid)
        XCTAssertEqual(view.legs[0].partner, "B")
        XCTAssertEqual(first.calls.count, 1)
        XCTAssertEqual(second.calls.count, 1)
        try assertWhole()
    }

    /// Paid and reversed before the gateway heard of the payment: refunded, and not sent to the
    /// next partner, whose beneficiary account would be the same.
    func testAPayoutReversedBeforeItWasRecordedIsRefundedWithoutTheNextPartner() async throws {
        let first = ScriptedPartner("A", submits: [.reversed(reason: "wallet closed")])
        let second = ScriptedPartner("B", submits: [.paid(reference: "B-1")])
        let view = try await drive(dispatcher([RoutedPartner(adapter: first, priority: 1),
                                               RoutedPartner(adapter: second, priority: 2)]))
        XCTAssertEqual(view.state, .refunded)
        XCTAssertEqual(view.legs[0].reason, .partnerReversed)
        XCTAssertTrue(second.calls.isEmpty)
        try assertWhole()
    }

    /// A partner's signed "reversed" for a paid leg books the reversal once; for a redirected
    /// leg's payout (paid into the first leg's account from the second leg's hold) it is refused
    /// as a conflict and nothing is booked: which leg's money came back is for operations.
    func testACallbackReversesAPaidLegButNotARedirectedPayout() async throws {
        let split = TransferID(high: 1, low: 2)
        let outcome = await ledger.apply(.submitTransfer(TransferSubmission(
            operatorId: "ACME", transferId: split, contentHash: [UInt8](repeating: 2, count: 32),
            decision: .accept(.init(sendAmount: Money(10_000, usd), fee: Money(299, usd), payoutAmount: Money(1_294_500, kes),
                                    legs: [.init(product: "mobileWallet", institution: "", account: "254712345678",
                                                 share: 7_000, payoutAmount: 906_150),
                                           .init(product: "savingsDeposit", institution: "KMFI", account: "SAV-1",
                                                 share: 3_000, payoutAmount: 388_350)],
                                    holdExpiresAt: .max)),
            details: .init(sendCurrency: "USD", payoutCurrency: "KES", sendCountry: "US", payoutCountry: "KE",
                           rate: 129_450_000_000, referenceRate: 129_450_000_000, redirectToFirstLeg: true))))
        guard case .transfer(let receipt) = outcome, receipt.state == .accepted else { return XCTFail("\(outcome)") }
        func report(_ leg: Int, _ outcome: LegReport.Outcome, redirect: Bool = false) async {
            let result = await ledger.apply(.reportLeg(LegReport(operatorId: "ACME", transferId: split, leg: leg,
                                                                 outcome: outcome, redirect: redirect)))
            guard case .done = result else { return XCTFail("\(result)") }
        }
        await report(0, .dispatched(partner: "A"))
        await report(1, .dispatched(partner: "B"))
        await report(1, .failed(.partnerRejected))
        await report(1, .dispatched(partner: "A"), redirect: true)
        await report(1, .paid(partnerReference: "A-2"), redirect: true)
        await report(0, .paid(partnerReference: "A-1"))
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: split)?.legs.map(\.state), [.paid, .redirected])
        let dispatcher = dispatcher([RoutedPartner(adapter: ScriptedPartner("A", submits: []), priority: 1)])
        let prefund = try XCTUnwrap(try ledger.balance(.operatorPrefund("ACME", usd)))

        let redirected = PayoutKey(operatorId: "ACME", transferId: split, leg: 1, redirect: true)
        let refused = await dispatcher.deliver(partner: "A", key: redirected, outcome: .reversed(reason: "wallet closed"))
        XCTAssertEqual(refused, .conflict("a redirected leg's payout is not reversed automatically"))
        XCTAssertEqual(try ledger.reversals(operatorId: "ACME", transferId: split), [])
        XCTAssertEqual(try ledger.balance(.operatorPrefund("ACME", usd)), prefund)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: split)?.state, .paid)

        let first = PayoutKey(operatorId: "ACME", transferId: split, leg: 0)
        let applied = await dispatcher.deliver(partner: "A", key: first, outcome: .reversed(reason: "wallet closed"))
        XCTAssertEqual(applied, .applied)
        let again = await dispatcher.deliver(partner: "A", key: first, outcome: .reversed(reason: "wallet closed"))
        XCTAssertEqual(again, .alreadyKnown)
        XCTAssertEqual(try ledger.reversals(operatorId: "ACME", transferId: split).map(\.source), ["partner"])
        XCTAssertEqual(try ledger.balance(.operatorPrefund("ACME", usd)), prefund + 7_210, "the wallet leg's 70.00 and 2.10 fee")
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: split)?.state, .partiallyPaid,
                       "the redirected payout is still with the beneficiary")
        try assertWhole()
    }

    func testATimeoutIsInDoubtUntilAnInquirySettlesIt() async throws {
        // The partner never answers the submit within its 50 ms; asked later, it says paid.
        let partner = ScriptedPartner("A", submits: [.paid(reference: "late")], statuses: [.pending, .paid(reference: "A-9")],
                                      delayMs: 500)
        let view = try await drive(dispatcher([RoutedPartner(adapter: partner, priority: 1, timeoutMs: 50)]))
        XCTAssertEqual(view.state, .paid)
        XCTAssertEqual(view.legs[0].partnerReference, "A-9")
        XCTAssertEqual(partner.calls.filter { $0.hasPrefix("submit") }.count, 1, "never sent twice: \(partner.calls)")
        let events = try ledger.events(operatorId: "ACME", after: 0, limit: 20).map { "\($0.leg.map(String.init) ?? "t"):\($0.state)" }
        XCTAssertEqual(events, ["t:accepted", "0:dispatched", "t:dispatched", "0:inDoubt", "t:inDoubt", "0:paid", "t:paid"])
        try assertWhole()
    }

    /// A leg in doubt is cancelled only on the partner's word; then its hold returns at once and
    /// the transfer is cancelled. A refusal or no answer changes nothing.
    func testACancelTakesEffectOnlyWhenThePartnerConfirmsIt() async throws {
        let partner = ScriptedPartner("A", submits: [.unknown(reason: "reset")], statuses: [],
                                      cancels: [.refused(reason: "collected"), .unknown(reason: "timeout"), .cancelled])
        let dispatcher = dispatcher([RoutedPartner(adapter: partner, priority: 1)])
        let view = try await drive(dispatcher)
        XCTAssertEqual(view.state, .inDoubt)
        let answer1 = await dispatcher.cancel(operatorId: "ACME", transferId: id, legs: [0])
        XCTAssertEqual(answer1, .refused(leg: 0, reason: "collected"))
        let answer2 = await dispatcher.cancel(operatorId: "ACME", transferId: id, legs: [0])
        XCTAssertEqual(answer2, .unconfirmed(leg: 0, reason: "timeout"))
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id)?.state, .inDoubt)
        XCTAssertEqual(try ledger.balance(.operatorHolds("ACME", usd)), 10_299)
        let answer3 = await dispatcher.cancel(operatorId: "ACME", transferId: id, legs: [0])
        XCTAssertEqual(answer3, .cancelled)
        let cancelled = try XCTUnwrap(try ledger.transfer(operatorId: "ACME", id: id))
        XCTAssertEqual(cancelled.state, .cancelled)
        XCTAssertEqual(cancelled.legs[0].state, .cancelled)
        XCTAssertEqual(try ledger.balance(.operatorHolds("ACME", usd)), 0)
        XCTAssertEqual(try ledger.balance(.operatorPrefund("ACME", usd)), 1_000_000)
        XCTAssertNil(try ledger.payoutWork(PayoutKey(operatorId: "ACME", transferId: id, leg: 0)), "out of the outbox")
        let events = try ledger.events(operatorId: "ACME", after: 0, limit: 20).map { "\($0.leg.map(String.init) ?? "t"):\($0.state)" }
        XCTAssertEqual(Array(events.suffix(2)), ["0:cancelled", "t:cancelled"])
        // Once settled, asking again finds nothing open, and the partner is not called again.
        let answer4 = await dispatcher.cancel(operatorId: "ACME", transferId: id, legs: [0])
        XCTAssertEqual(answer4, .cancelled)
        XCTAssertEqual(partner.calls.filter { $0.hasPrefix("cancel") }.count, 3)
        try assertWhole()
    }

    func testALegNotYetSentIsCancelledWithoutAPartner() async throws {
        let partner = ScriptedPartner("A", submits: [.paid(reference: "A-1")])
        let dispatcher = dispatcher([RoutedPartner(adapter: partner, priority: 1)])
        let answer5 = await dispatcher.cancel(operatorId: "ACME", transferId: id, legs: [0])
        XCTAssertEqual(answer5, .cancelled)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id)?.state, .cancelled)
        XCTAssertEqual(try ledger.payoutWork(now: .max, limit: 10), [])
        XCTAssertEqual(partner.calls, [])
        try assertWhole()
    }

    func testInquiriesRunOutIntoReviewAndTheMoneyStaysHeld() async throws {
        let partner = ScriptedPartner("A", submits: [.unknown(reason: "reset")], statuses: [])
        let view = try await drive(dispatcher([RoutedPartner(adapter: partner, priority: 1)]))
        XCTAssertEqual(view.state, .inDoubt)
        XCTAssertEqual(try ledger.payoutsInReview(), 1)
        XCTAssertEqual(try ledger.balance(.operatorHolds("ACME", usd)), 10_299)
        XCTAssertEqual(partner.calls.filter { $0.hasPrefix("status") }.count, 4)
        try assertWhole()
    }

    func testNoPartnerForTheLegFailsItAndRefunds() async throws {
        let partner = ScriptedPartner("A", submits: [], products: ["cashPickup"])
        let view = try await drive(dispatcher([RoutedPartner(adapter: partner, priority: 1)]))
        XCTAssertEqual(view.state, .refunded)
        XCTAssertEqual(view.legs[0].reason, .noPartnerAvailable)
        XCTAssertEqual(try ledger.balance(.operatorPrefund("ACME", usd)), 1_000_000)
        try assertWhole()
    }

    func testAnOpenCircuitKeepsNewLegsAway() async throws {
        let health = PartnerHealth(settings: .init(threshold: 2, cooldownMs: 60_000))
        let now = Ledger.wallClock()
        health.failed("A", now: now)
        XCTAssertTrue(health.isAvailable("A", now: now))
        XCTAssertTrue(health.failed("A", now: now))
        XCTAssertFalse(health.isAvailable("A", now: now))
        XCTAssertEqual(health.openCircuits(now: now), ["A"])
        let a = ScriptedPartner("A", submits: [.paid(reference: "A-1")])
        let b = ScriptedPartner("B", submits: [.paid(reference: "B-1")])
        let view = try await drive(dispatcher([RoutedPartner(adapter: a, priority: 1), RoutedPartner(adapter: b, priority: 2)],
                                              health: health))
        XCTAssertEqual(view.legs[0].partner, "B")
        XCTAssertTrue(a.calls.isEmpty)
        XCTAssertTrue(health.isAvailable("A", now: now + 60_000))
    }

    /// A poll reads the outbox from a snapshot: a leg that a handler sends, settles and lets go
    /// while the poll reads is still open there, and must not be taken up again from it. It was:
    /// sent to its partner a second time, and that second "paid" refused by the ledger (711
    /// times while remitd drained 131,024 legs).
    func testALegLetGoWhileAPollReadsIsLeftToTheNextPoll() async throws {
        let partner = ScriptedPartner("A", submits: [.paid(reference: "A-1"), .paid(reference: "A-1")])
        let dispatcher = dispatcher([RoutedPartner(adapter: partner, priority: 1)])
        // Dispatched once with the partner's call slots all taken: due to be sent again now.
        let dispatched = await ledger.apply(.reportLeg(LegReport(operatorId: "ACME", transferId: id, leg: 0,
                                                                 outcome: .dispatched(partner: "A", answerDueAt: 0))))
        guard case .done = dispatched else { return XCTFail("\(dispatched)") }
        let ledger = self.ledger!
        let taken = await dispatcher.takeDueWork {
            let read = try ledger.payoutWork(now: Ledger.wallClock(), limit: 10)
            // Meanwhile another round's handler sends the leg, records it paid and lets it go.
            guard let item = read.first, dispatcher.claim(item) else { throw CancellationError() }
            await dispatcher.handle(item)
            return read
        }
        XCTAssertEqual(taken, [])
        XCTAssertEqual(partner.calls, ["submit ACME-\(id)-0"])
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id)?.state, .paid)
        // The next poll's read comes after the commit: nothing left to take.
        let next = await dispatcher.takeDueWork()
        XCTAssertEqual(next, [])
        XCTAssertEqual(partner.calls.count, 1)
        try assertWhole()
    }

    /// A partner's callback for a leg the dispatcher is handling this moment is answered "send
    /// again", not raced; sent again once the leg is let go, it is applied; a third time, it is a
    /// duplicate. Each read happens under the leg's claim, so a leg settled a moment before is
    /// seen settled.
    func testACallbackWaitsForTheLegsHandlerAndThenApplies() async throws {
        let partner = ScriptedPartner("A", submits: [])
        let dispatcher = dispatcher([RoutedPartner(adapter: partner, priority: 1)])
        let sent = await ledger.apply(.reportLeg(LegReport(operatorId: "ACME", transferId: id, leg: 0,
                                                           outcome: .dispatched(partner: "A"))))
        guard case .done = sent else { return XCTFail("\(sent)") }
        let key = PayoutKey(operatorId: "ACME", transferId: id, leg: 0)
        let item = try XCTUnwrap(try ledger.payoutWork(key))
        XCTAssertTrue(dispatcher.claim(item))
        let busy = await dispatcher.deliver(partner: "A", key: key, outcome: .paid(reference: "A-1"))
        XCTAssertEqual(busy, .retryLater)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id)?.state, .dispatched)
        dispatcher.release(item)
        let applied = await dispatcher.deliver(partner: "A", key: key, outcome: .paid(reference: "A-1"))
        XCTAssertEqual(applied, .applied)
        let again = await dispatcher.deliver(partner: "A", key: key, outcome: .paid(reference: "A-1"))
        XCTAssertEqual(again, .alreadyKnown)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: id)?.state, .paid)
        XCTAssertTrue(partner.calls.isEmpty)
        try assertWhole()
    }

    func testTheSimulatorPaysAKeyOnce() async throws {
        let simulator = SimulatedPartner(id: "S", capabilities: PartnerCapabilities(countries: ["KE"], currencies: ["KES"],
                                                                                   products: ["mobileWallet"]),
                                         behaviour: .init(latencyMs: 0, unknownBps: 10_000))
        let instruction = PayoutInstruction(idempotencyKey: "k", product: "mobileWallet", account: "1",
                                            amount: Money(100, kes), country: "KE")
        for _ in 0..<5 { _ = await simulator.submit(instruction) }
        XCTAssertEqual(simulator.paidCounts, ["k": 1])
        guard case .paid = await simulator.status(instruction) else { return XCTFail() }
    }
}

final class RouterTests: XCTestCase {
    let kes = try! Currency("KES")

    func instruction(_ amount: Int64, institution: String = "") -> PayoutInstruction {
        PayoutInstruction(idempotencyKey: "k", product: "mobileWallet", account: "254712345678", amount: Money(amount, kes),
                          country: "KE")
    }

    /// Priority first; within a priority the cheaper for this amount; then the id.
    func testPriorityThenCostForTheAmountThenId() {
        let flat = RoutedPartner(adapter: ScriptedPartner("FLAT", submits: []), priority: 1, costFixed: ["KES": 5_000])
        let percent = RoutedPartner(adapter: ScriptedPartner("PERCENT", submits: []), priority: 1, costBasisPoints: 100)
        let backup = RoutedPartner(adapter: ScriptedPartner("BACKUP", submits: []), priority: 2)
        let router = PayoutRouter(partners: [backup, flat, percent])
        // KES 100.00: 1 % is 1.00, cheaper than 50.00 flat; KES 10,000.00: 1 % is 100.00, dearer.
        XCTAssertEqual(router.candidates(for: instruction(10_000), institution: "").map(\.id), ["PERCENT", "FLAT", "BACKUP"])
        XCTAssertEqual(router.candidates(for: instruction(1_000_000), institution: "").map(\.id), ["FLAT", "PERCENT", "BACKUP"])
        XCTAssertEqual(router.next(after: "FLAT", for: instruction(1_000_000), institution: "")?.id, "PERCENT")
        XCTAssertEqual(router.candidates(for: instruction(10_000), institution: "BACKUP").map(\.id), ["BACKUP"])
        XCTAssertEqual(percent.cost(of: Money(.max, kes)), Int64.max / 100, "no overflow")
    }
}

/// Contribution legs are paid into their project's escrow by the ledger, not sent to a partner.
final class ContributionDispatchTests: XCTestCase {
    var folder: URL!
    var ledger: Ledger!
    let usd = try! Currency("USD"), kes = try! Currency("KES")
    let id = TransferID(high: 1, low: 7)

    override func setUp() async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("remit-payout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        ledger = try Ledger(path: folder.appendingPathComponent("ledger.sqlite").path)
        let commands: [LedgerCommand] = [
            .openOperator(id: "ACME", currency: usd, creditLimit: 0),
            .fund(operatorId: "ACME", amount: Money(1_000_000, usd), reference: "w"),
            .registerAssociation(AssociationRecord(id: "KISUMU-HTA", operatorId: "ACME", name: "Kisumu Diaspora", country: "KE")),
            .openProject(ProjectPlan(id: "KISUMU-CLINIC", associationId: "KISUMU-HTA", title: "Clinic", currency: kes,
                                     target: 50_000_000, partner: "A", institution: "KMFI", account: "CLINIC-1",
                                     deadline: Ledger.wallClock() + 86_400_000, refundPolicy: .full,
                                     milestones: [.init(description: "Building", amount: 50_000_000)])),
            .registerSponsor(id: "COUNTY", name: "Kisumu County"),
            .fundSponsor(id: "COUNTY", amount: Money(10_000_000, kes), reference: "county deposit"),
            .sponsorProject(SponsorshipRule(projectId: "KISUMU-CLINIC", sponsorId: "COUNTY", ratioPpm: 1_000_000,
                                            projectCap: 10_000_000, contributorCap: 10_000_000)),
        ]
        for command in commands {
            let outcome = await ledger.apply(command)
            guard outcome.isDone else { return XCTFail("\(outcome)") }
        }
        // USD 100.00 + 2.99 as KES 12,945.00: 70 % to a wallet, 30 % to the clinic.
        let outcome = await ledger.apply(.submitTransfer(TransferSubmission(
            operatorId: "ACME", transferId: id, contentHash: [UInt8](repeating: 1, count: 32),
            decision: .accept(.init(sendAmount: Money(10_000, usd), fee: Money(299, usd), payoutAmount: Money(1_294_500, kes),
                                    legs: [.init(product: "mobileWallet", institution: "", account: "254712345678",
                                                 share: 7_000, payoutAmount: 906_150),
                                           .init(product: "projectContribution", institution: "", account: "KISUMU-CLINIC",
                                                 share: 3_000, payoutAmount: 388_350)],
                                    holdExpiresAt: .max)),
            details: .init(sendCurrency: "USD", payoutCurrency: "KES", sendCountry: "US", payoutCountry: "KE",
                           rate: 129_450_000_000, referenceRate: 129_450_000_000, senderAccount: "ACC-1"))))
        guard case .transfer(let receipt) = outcome, receipt.state == .accepted else { return XCTFail("\(outcome)") }
    }

    override func tearDown() async throws {
        ledger = nil
        try? FileManager.default.removeItem(at: folder)
    }

    /// A transfer that asks for a failed leg to be redirected to its first leg, whose first leg
    /// is a contribution: no project takes a redirect, so the failed leg is refunded.
    func testALegRedirectedToAContributionIsRefunded() async throws {
        let split = TransferID(high: 1, low: 8)
        let outcome = await ledger.apply(.submitTransfer(TransferSubmission(
            operatorId: "ACME", transferId: split, contentHash: [UInt8](repeating: 8, count: 32),
            decision: .accept(.init(sendAmount: Money(10_000, usd), fee: Money(299, usd), payoutAmount: Money(1_294_500, kes),
                                    legs: [.init(product: "projectContribution", institution: "", account: "KISUMU-CLINIC",
                                                 share: 5_000, payoutAmount: 647_250),
                                           .init(product: "mobileWallet", institution: "", account: "254712345678",
                                                 share: 5_000, payoutAmount: 647_250)],
                                    holdExpiresAt: .max)),
            details: .init(sendCurrency: "USD", payoutCurrency: "KES", sendCountry: "US", payoutCountry: "KE",
                           rate: 129_450_000_000, referenceRate: 129_450_000_000, redirectToFirstLeg: true,
                           senderAccount: "ACC-2"))))
        guard case .transfer(let receipt) = outcome, receipt.state == .accepted else { return XCTFail("\(outcome)") }
        // The wallet partner refuses every payout (this one's and setUp's wallet legs).
        let partner = ScriptedPartner("A", submits: [])
        let dispatcher = PayoutDispatcher(ledger: ledger, router: PayoutRouter(partners: [RoutedPartner(adapter: partner, priority: 1)]),
                                          policy: .init(pollIntervalMs: 10, firstInquiryMs: 10, maxInquiryDelayMs: 40, maxInquiries: 4),
                                          logger: Logger(label: "test"))
        for _ in 0..<5 {
            for item in try ledger.payoutWork(now: Ledger.wallClock(), limit: 10) { await dispatcher.handle(item) }
        }
        let view = try XCTUnwrap(try ledger.transfer(operatorId: "ACME", id: split))
        XCTAssertEqual(view.legs.map(\.state), [.paid, .refunded])
        XCTAssertEqual(view.state, .partiallyPaid)
        XCTAssertEqual(try ledger.projectStatement("KISUMU-CLINIC")?.contributed, 647_250 + 388_350, "this one's and setUp's")
        let report = try ledger.verify()
        XCTAssertTrue(report.isClean, report.description)
    }

    func testTheContributionLegIsPaidIntoEscrowAndTheOtherToItsPartner() async throws {
        let partner = ScriptedPartner("A", submits: [.paid(reference: "A-1")])
        let dispatcher = PayoutDispatcher(ledger: ledger, router: PayoutRouter(partners: [RoutedPartner(adapter: partner, priority: 1)]),
                                          policy: .init(pollIntervalMs: 10, firstInquiryMs: 10, maxInquiryDelayMs: 40, maxInquiries: 4),
                                          logger: Logger(label: "test"))
        for item in try ledger.payoutWork(now: Ledger.wallClock(), limit: 10) { await dispatcher.handle(item) }
        let view = try XCTUnwrap(try ledger.transfer(operatorId: "ACME", id: id))
        XCTAssertEqual(view.state, .paid)
        XCTAssertEqual(view.legs.map(\.partnerReference), ["A-1", "project/KISUMU-CLINIC/1"])
        XCTAssertEqual(partner.calls, ["submit ACME-\(id)-0"], "the partner saw the wallet leg only")
        let statement = try XCTUnwrap(try ledger.projectStatement("KISUMU-CLINIC"))
        XCTAssertEqual(statement.contributed, 388_350)
        XCTAssertEqual(statement.matched, 388_350)
        XCTAssertEqual(statement.escrow, 776_700)
        let report = try ledger.verify()
        XCTAssertTrue(report.isClean, report.description)
    }
}
