import GRDB
import RemitDomain
@testable import RemitLedger
import XCTest

/// The pending leg holds are counted per hold entry and expiry (`HoldGroups`, v27), and the
/// overdue-holds gauge reads the counts: exact for every expiry, whatever a slice mixes.
final class HoldGroupTests: LedgerTestCase {
    let ids = (1...4).map { TransferID(high: 0x0191_F3C2_0000_0000, low: UInt64($0)) }

    func report(_ n: Int, _ leg: Int, _ outcome: LegReport.Outcome, operatorId: String = "ACME") -> LedgerCommand {
        .reportLeg(LegReport(operatorId: operatorId, transferId: ids[n], leg: leg, outcome: outcome))
    }

    func groups() throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.code, g.expires_at, g.pending FROM hold_group g
                JOIN posting p ON p.entry_id = g.entry_id AND p.line = 1 JOIN account a ON a.id = p.account_id
                ORDER BY a.code, g.expires_at
                """).map { "\($0[0] as String) \($0[1] as Int64): \($0[2] as Int64)" }
        }
    }

    /// One slice of two operators' transfers, expiring at two moments: a group per operator's
    /// entry and expiry, each counting its pending holds; a paid leg and a refunded one leave
    /// their groups, and the gauge follows.
    func testASlicesHoldsAreCountedPerEntryAndExpiry() async throws {
        await openAcmeAndBeta(funding: 100_000)
        var beta = split(ids[2], expiresAt: 500)
        if case .submitTransfer(var submission) = beta { submission.operatorId = "BETA"; beta = .submitTransfer(submission) }
        for outcome in await ledger.apply([split(ids[0], expiresAt: 500), split(ids[1], expiresAt: 800), beta,
                                           split(ids[3], expiresAt: 500)]) {
            guard case .transfer(let receipt) = outcome, receipt.state == .accepted else { return XCTFail("\(outcome)") }
        }
        await ledger.flush()
        XCTAssertEqual(try groups(), ["operator/ACME/holds/USD 500: 4", "operator/ACME/holds/USD 800: 2",
                                      "operator/BETA/holds/USD 500: 2"])
        XCTAssertEqual(try [499, 500, 799, 800].map { try ledger.overdueHolds(asOf: $0) }, [0, 6, 6, 8])

        await expectDone(report(0, 0, .dispatched(partner: "MPESA")))
        await expectDone(report(0, 0, .paid(partnerReference: "MP-1")))
        await expectDone(report(2, 1, .failed(.partnerRejected), operatorId: "BETA"))
        await expectDone(report(1, 1, .dispatched(partner: "KMFI")))
        XCTAssertEqual(try groups(), ["operator/ACME/holds/USD 500: 3", "operator/ACME/holds/USD 800: 2",
                                      "operator/BETA/holds/USD 500: 1"], "a dispatched leg's hold is still pending")
        XCTAssertEqual(try [499, 500, 799, 800].map { try ledger.overdueHolds(asOf: $0) }, [0, 4, 4, 6])
        try assertWhole()
    }

    /// Random batches of transfers of two operators, with one or two legs and holds expiring at
    /// one of four moments (one of them never), mixed in slices, and random settlements of their
    /// legs (paid, failed and refunded): after every batch the books verify and the gauge counts,
    /// at every moment around the expiries, exactly the pending leg holds a model counts.
    func testTheGaugeFollowsRandomTransfersAndSettlements() async throws {
        var rng = PropertyTests.Generator(state: 27)
        await openAcmeAndBeta(funding: 100_000_000)
        let expiries: [Int64] = [100, 200, 300, .max]
        let moments: [Int64] = [0, 99, 100, 199, 200, 250, 300, .max - 1, .max]
        var pending = [String: Int64]()  // "operator/transfer/leg" -> expiry
        var legs = [(operatorId: String, id: TransferID, leg: Int, dispatched: Bool)]()
        var next: UInt64 = 0
        for _ in 0..<30 {
            var batch = [LedgerCommand]()
            for _ in 0..<Int.random(in: 1...40, using: &rng) {
                if legs.isEmpty || Bool.random(using: &rng) {
                    next += 1
                    let id = TransferID(high: 0x0191_F3C2_0000_0000, low: next)
                    let operatorId = Bool.random(using: &rng) ? "ACME" : "BETA"
                    let expiresAt = expiries.randomElement(using: &rng)!
                    let count = Int.random(in: 1...2, using: &rng)
                    guard case .submitTransfer(var submission) = split(id, expiresAt: expiresAt),
                          case .accept(var terms) = submission.decision else { return XCTFail() }
                    submission.operatorId = operatorId
                    if count == 1 {
                        terms.legs = [.init(product: "mobileWallet", institution: "", account: "254712345678", share: 10_000,
                                            payoutAmount: 1_281_555)]
                    }
                    submission.decision = .accept(terms)
                    batch.append(.submitTransfer(submission))
                    for leg in 0..<count {
                        pending["\(operatorId)/\(id)/\(leg)"] = expiresAt
                        legs.append((operatorId, id, leg, false))
                    }
                } else {
                    let index = Int.random(in: legs.indices, using: &rng)
                    let leg = legs[index]
                    func report(_ outcome: LegReport.Outcome) -> LedgerCommand {
                        .reportLeg(LegReport(operatorId: leg.operatorId, transferId: leg.id, leg: leg.leg, outcome: outcome))
                    }
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0 where !leg.dispatched:
                        batch.append(report(.dispatched(partner: "MPESA")))
                        legs[index].dispatched = true
                        continue
                    case 0, 1:
                        if !leg.dispatched { batch.append(report(.dispatched(partner: "MPESA"))) }
                        batch.append(report(.paid(partnerReference: "MP-\(leg.id.low)-\(leg.leg)")))
                    default:
                        batch.append(report(.failed(.partnerRejected)))
                    }
                    pending["\(leg.operatorId)/\(leg.id)/\(leg.leg)"] = nil
                    legs.remove(at: index)
                }
            }
            let outcomes = await ledger.apply(batch)
            XCTAssertTrue(outcomes.allSatisfy(\.isDone), "\(zip(batch, outcomes).filter { !$1.isDone })")
            await ledger.flush()
            try assertWhole()
            XCTAssertEqual(try moments.map { try ledger.overdueHolds(asOf: $0) },
                           moments.map { moment in pending.values.filter { $0 <= moment }.count })
        }
        XCTAssertGreaterThan(next, 100)
    }

    /// A slice that meets an id already recorded rolls back and is replayed command by command,
    /// each new transfer then in an entry of its own: the groups count each hold once.
    func testAReplayedSliceCountsEachHoldOnce() async throws {
        await submitSplit(ids[0])
        let outcomes = await ledger.apply([split(ids[1], expiresAt: 500), split(ids[0]), split(ids[2], expiresAt: 500)])
        XCTAssertEqual(outcomes.map { outcome -> Bool? in
            guard case .transfer(let receipt) = outcome else { return nil }
            return receipt.replayed
        }, [false, true, false])
        await ledger.flush()
        XCTAssertEqual(try groups(), ["operator/ACME/holds/USD 500: 2", "operator/ACME/holds/USD 500: 2",
                                      "operator/ACME/holds/USD \(Int64.max): 2"])
        try assertWhole()
    }

    /// A pending leg hold whose group is missing (edited behind the ledger's back) cannot be
    /// settled: the gauge would be wrong from then on, so the report is refused, nothing is
    /// written, and `verify` says what is missing.
    func testAHoldWithoutItsGroupIsNotSettled() async throws {
        await submitSplit(ids[0])
        await expectDone(report(0, 0, .dispatched(partner: "MPESA")))
        await ledger.flush()
        try await DatabaseQueue(path: path).writeWithoutTransaction { try $0.execute(sql: "DELETE FROM hold_group") }
        let outcome = await ledger.apply(report(0, 0, .paid(partnerReference: "MP-1")))
        guard case .rejected(.storage(let message)) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertTrue(message.hasPrefix("the hold of leg 0 of transfer \(ids[0]) of ACME has no hold group (entry 2, "), message)
        XCTAssertTrue(message.hasSuffix("run remitctl verify"), message)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: ids[0])?.legs.map(\.state), [.dispatched, .pending])
        XCTAssertEqual(try ledger.verify().problems, ["entry 2: 2 pending leg holds expiring at \(Int64.max) have no hold group"])
    }
}
