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
