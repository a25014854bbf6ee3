import Foundation
import GRDB
import RemitDomain
@testable import RemitLedger
import XCTest

/// The first legs in the payout outbox are listed in runs per slice and operator (`OutboxRuns`,
/// v28): the dispatcher, the outbox listing and its depth read them as they read the legs'
/// index before, and every way out of the outbox takes a leg out of its run's count.
final class OutboxRunTests: LedgerTestCase {
    /// The ledger's clock, moved by the test.
    final class Clock: @unchecked Sendable { var now: Int64 = 1_000 }
    let clock = Clock()

    override func setUp() async throws {
        try await super.setUp()
        ledger = nil
        ledger = try Ledger(path: path, clock: { [clock] in clock.now })
        await openAcmeAndBeta(funding: 100_000_000)
    }

    func id(_ n: UInt64) -> TransferID { TransferID(high: 0x0191_F3C2_0000_0000, low: n) }

    /// Transfer `n` of `operatorId`: two legs (70 % and 30 %) or one, held for review or not.
    func transfer(_ n: UInt64, _ operatorId: String = "ACME", legs: Int = 1, review: Bool = false) -> LedgerCommand {
        transfer(id(n), operatorId: operatorId, legs: legs, review: review)
    }

    func report(_ n: UInt64, _ leg: Int, _ outcome: LegReport.Outcome, _ operatorId: String = "ACME") -> LedgerCommand {
        .reportLeg(LegReport(operatorId: operatorId, transferId: id(n), leg: leg, outcome: outcome))
    }

    func runs() throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT id, operator_id, queued_at, queued, length(transfer_ids) / 16 FROM outbox_run ORDER BY id")
                .map { "\($0[0] as Int64) \($0[1] as String)@\($0[2] as Int64): \($0[3] as Int64)/\($0[4] as Int64)" }
        }
    }

    func queue(_ limit: Int = 1_000) throws -> [String] {
        try ledger.outbox(limit: limit).map { "\($0.operatorId == "ACME" ? "" : "B")\($0.transferId.low)/\($0.leg)" }
    }

    func work(_ limit: Int = 1_000, now: Int64 = .max) throws -> [String] {
        try ledger.payoutWork(now: now, limit: limit).map { "\($0.operatorId == "ACME" ? "" : "B")\($0.transferId.low)/\($0.leg)" }
    }

    /// A slice's first legs go into a run per operator and moment, a split's second leg into the
    /// leg table's outbox; a transfer held for review into none until it is approved, then into
    /// a run of its own. Paid, refunded and cancelled first legs leave their runs' counts.
    func testFirstLegsAreQueuedInRunsAndLeaveThem() async throws {
        let outcomes = await ledger.apply([transfer(1), transfer(2, legs: 2), transfer(3, "BETA"), transfer(4),
                                           transfer(5, review: true)])
        XCTAssertTrue(outcomes.allSatisfy(\.isDone), "\(outcomes)")
        await ledger.flush()
        XCTAssertEqual(try runs(), ["1 ACME@1000: 3/3", "2 BETA@1000: 1/1"])
        XCTAssertEqual(try queue(), ["1/0", "2/0", "4/0", "B3/0", "2/1"], "first legs by run, then the leg table's")
        XCTAssertEqual(try ledger.outboxDepth(), 5)

        clock.now = 2_000
        await expectDone(.decideReview(operatorId: "ACME", transferId: id(5), approve: true, reason: .none, note: "cleared"))
        await expectDone(report(1, 0, .dispatched(partner: "MPESA")))
        await expectDone(report(1, 0, .paid(partnerReference: "MP-1")))
        await expectDone(report(2, 0, .failed(.partnerRejected)))
        await expectDone(.cancelTransfer(operatorId: "BETA", transferId: id(3), reason: .none))
        XCTAssertEqual(try runs(), ["1 ACME@1000: 1/3", "2 BETA@1000: 0/1", "3 ACME@2000: 1/1"])
        XCTAssertEqual(try queue(), ["4/0", "2/1", "5/0"])
        XCTAssertEqual(try ledger.outboxDepth(), 3)
        try assertWhole()
    }

    /// The dispatcher's order: by the moment legs were queued; at one moment first legs first,
    /// by run, then the leg table's by key. Any limit gives a prefix of the whole, and work not
    /// yet due or in review is left out.
    func testTheDispatcherReadsRunsAndLegsInOrder() async throws {
        _ = await ledger.apply([transfer(1, legs: 2), transfer(2, "BETA")])
        clock.now = 2_000
        _ = await ledger.apply([transfer(3), transfer(4, legs: 2)])
        clock.now = 3_000
        _ = await ledger.apply([transfer(5)])
        await ledger.flush()
        let whole = try work()
        XCTAssertEqual(whole, ["1/0", "B2/0", "1/1", "3/0", "4/0", "4/1", "5/0"])
        XCTAssertEqual(try queue(), whole)
        for limit in 1...8 { XCTAssertEqual(try work(limit), Array(whole.prefix(limit)), "limit \(limit)") }
        XCTAssertEqual(try work(now: 0), whole, "nothing dispatched: all due")
        await expectDone(report(3, 0, .dispatched(partner: "MPESA", answerDueAt: 9_000)))
        await expectDone(report(4, 0, .dispatched(partner: "MPESA")))
        await expectDone(report(4, 0, .review))
        XCTAssertEqual(try work(now: 8_999), ["1/0", "B2/0", "1/1", "4/1", "5/0"], "3/0 not yet due, 4/0 in review")
        XCTAssertEqual(try work(2, now: 8_999), ["1/0", "B2/0"])
        XCTAssertEqual(try work(now: 9_000), ["1/0", "B2/0", "1/1", "3/0", "4/1", "5/0"])
        XCTAssertEqual(try queue(), whole, "all still in the outbox")
        try assertWhole()
    }

    /// A slice of more than 32 first legs of one operator at one moment fills runs of 32.
    func testARunHoldsAtMostASlice() async throws {
        _ = await ledger.apply((1...70).map { transfer(UInt64($0)) })
        await ledger.flush()
        XCTAssertEqual(try runs(), ["1 ACME@1000: 32/32", "2 ACME@1000: 32/32", "3 ACME@1000: 6/6"])
        XCTAssertEqual(try queue(100), (1...70).map { "\($0)/0" })
        try assertWhole()
    }

    /// Random batches of transfers of two operators (one or two legs, some held for review),
    /// approvals, payouts, refunds and cancellations, at moving moments: after every batch the
    /// books verify, and the outbox, its depth and the dispatcher's work are what a model of the
    /// queued legs says, in an order that no limit changes.
    func testTheOutboxFollowsRandomCommands() async throws {
        var rng = PropertyTests.Generator(state: 28)
        struct Leg: Hashable { let operatorId: String, n: UInt64, leg: Int }
        var queued = Set<Leg>(), inReview = [(String, UInt64, Int)](), dispatched = Set<Leg>(), touched = Set<String>()
        var next: UInt64 = 0
        for _ in 0..<30 {
            clock.now += Int64.random(in: 0...1, using: &rng)
            var batch = [LedgerCommand]()
            for _ in 0..<Int.random(in: 1...50, using: &rng) {
                let choice = Int.random(in: 0..<10, using: &rng)
                if queued.isEmpty || choice < 4 {
                    next += 1
                    let operatorId = Bool.random(using: &rng) ? "ACME" : "BETA", legs = Int.random(in: 1...2, using: &rng)
                    let review = Int.random(in: 0..<8, using: &rng) == 0
                    batch.append(transfer(next, operatorId, legs: legs, review: review))
                    if review { inReview.append((operatorId, next, legs)) } else {
                        for leg in 0..<legs { queued.insert(Leg(operatorId: operatorId, n: next, leg: leg)) }
                    }
                } else if choice == 4, let (operatorId, n, legs) = inReview.popLast() {
                    batch.append(.decideReview(operatorId: operatorId, transferId: id(n), approve: true, reason: .none, note: "ok"))
                    for leg in 0..<legs { queued.insert(Leg(operatorId: operatorId, n: n, leg: leg)) }
                } else if choice == 5, let leg = queued.filter({ !touched.contains("\($0.operatorId)/\($0.n)") })
                    .randomElement(using: &rng) {
                    // Only before any of its legs has been reported on: cancelling is for transfers not yet sent.
                    batch.append(.cancelTransfer(operatorId: leg.operatorId, transferId: id(leg.n), reason: .none))
                    queued = queued.filter { $0.operatorId != leg.operatorId || $0.n != leg.n }
                } else if let leg = queued.randomElement(using: &rng) {
                    touched.insert("\(leg.operatorId)/\(leg.n)")
                    if !dispatched.contains(leg) {
                        batch.append(report(leg.n, leg.leg, .dispatched(partner: "MPESA"), leg.operatorId))
                        dispatched.insert(leg)
                    }
                    if Bool.random(using: &rng) {
                        batch.append(report(leg.n, leg.leg, Bool.random(using: &rng) ? .paid(partnerReference: "MP-\(leg.n)")
                                                : .failed(.partnerRejected), leg.operatorId))
                        queued.remove(leg)
                    }
                }
            }
            let outcomes = await ledger.apply(batch)
            XCTAssertTrue(outcomes.allSatisfy(\.isDone), "\(zip(batch, outcomes).filter { !$1.isDone })")
            await ledger.flush()
            try assertWhole()
            let expected = Set(queued.map { "\($0.operatorId == "ACME" ? "" : "B")\($0.n)/\($0.leg)" })
            let listed = try queue(10_000)
            XCTAssertEqual(Set(listed), expected)
            XCTAssertEqual(listed.count, expected.count)
            XCTAssertEqual(try ledger.outboxDepth(), expected.count)
            XCTAssertEqual(try work(10_000), listed, "nothing dispatched is waiting for an answer, nothing is in review")
            let limit = Int.random(in: 1...max(1, listed.count), using: &rng)
            XCTAssertEqual(try work(limit), Array(listed.prefix(limit)))
        }
        XCTAssertGreaterThan(next, 100)
    }

    /// A first leg queued without its run (edited behind the ledger's back) cannot leave the
    /// outbox: the report is refused, and `verify` says what is wrong; as it does for a run whose
    /// count disagrees, and for a transfer naming a run out of the outbox.
    func testARunThatDisagreesIsFoundAndNotWorsened() async throws {
        _ = await ledger.apply([transfer(1), transfer(2)])
        await ledger.flush()
        let queue = try DatabaseQueue(path: path)
        try await queue.writeWithoutTransaction { try $0.execute(sql: "UPDATE outbox_run SET queued = 1") }
        XCTAssertEqual(try ledger.verify().problems, ["outbox run 1: counts 1 queued first legs, 2 of its own are, 2 transfers name it"])
        let second = Data(id(2).bytes)
        try await queue.writeWithoutTransaction {
            try $0.execute(sql: "UPDATE outbox_run SET queued = 2; UPDATE transfer SET leg_outbox_run = NULL WHERE transfer_id = ?",
                           arguments: [second])
        }
        let hex = "0191F3C2000000000000000000000002"
        XCTAssertEqual(try ledger.verify().problems, [
            "transfer ACME/\(hex): its first leg is in the outbox without an outbox run",
            "outbox run 1: counts 2 queued first legs, 1 of its own are, 1 transfers name it",
        ])
        let outcome = await ledger.apply(report(2, 0, .failed(.partnerRejected)))
        guard case .rejected(.storage(let message)) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertTrue(message.contains("is in the outbox without its run (none): run remitctl verify"), message)
        XCTAssertEqual(try self.queue(), ["1/0", "2/0"], "still listed: its run lists it")
        try await queue.writeWithoutTransaction {
            try $0.execute(sql: "UPDATE transfer SET leg_outbox_run = 1, leg_queued_at = NULL WHERE transfer_id = ?",
                           arguments: [second])
        }
        XCTAssertEqual(try ledger.verify().problems.first, "transfer ACME/\(hex): names outbox run 1 but its first leg is not in the outbox")
    }
}
