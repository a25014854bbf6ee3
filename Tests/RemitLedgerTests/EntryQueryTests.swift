import Foundation
import RemitDomain
import RemitLedger
import Synchronization
import XCTest

/// What operations read: an account's statement between two days (found by entry order, the
/// balance before the period from the balance now), a transfer's entries and events.
final class EntryQueryTests: LedgerTestCase {
    let day: Int64 = 86_400_000
    /// 2026-11-23 00:00 UTC.
    let start: Int64 = 1_795_392_000_000
    /// The ledger's clock, set by the test.
    final class Clock: Sendable {
        let now = Mutex<Int64>(0)
    }

    let clock = Clock()

    override func setUp() async throws {
        try await super.setUp()
        clock.now.withLock { $0 = start + 3_600_000 }
        let clock = self.clock
        ledger = nil  // one writer per ledger: the base class's goes first
        ledger = try Ledger(path: path, clock: { clock.now.withLock { $0 } })
    }

    func at(_ days: Int64, _ command: LedgerCommand) async {
        clock.now.withLock { $0 = start + days * day + 3_600_000 }
        await expectDone(command)
    }

    func testAStatementBetweenTwoDays() async throws {
        await at(0, .openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await at(0, .fund(operatorId: "ACME", amount: usd(100_000), reference: "wire 1"))
        await at(1, .fund(operatorId: "ACME", amount: usd(50_000), reference: "wire 2"))
        await at(1, .withdraw(operatorId: "ACME", amount: usd(20_000), reference: "back 1"))
        await at(3, .fund(operatorId: "ACME", amount: usd(1_000), reference: "wire 3"))
        let account = "operator/ACME/prefund/USD"

        let second = try XCTUnwrap(try ledger.statement(account: account, from: start + day, to: start + 2 * day, limit: 100))
        XCTAssertEqual(second.opening, 100_000)
        XCTAssertEqual(second.lines.map(\.reference), ["wire 2", "back 1"])
        XCTAssertEqual(second.lines.map(\.amount), [50_000, -20_000])
        XCTAssertEqual(second.lines.map(\.balance), [150_000, 130_000])
        XCTAssertEqual(second.closing, 130_000)
        XCTAssertFalse(second.truncated)

        let everything = try XCTUnwrap(try ledger.statement(account: account, from: 0, to: .max, limit: 100))
        XCTAssertEqual(everything.opening, 0)
        XCTAssertEqual(everything.closing, try balance(.operatorPrefund("ACME", usd)))
        XCTAssertEqual(everything.lines.count, 4)

        let quiet = try XCTUnwrap(try ledger.statement(account: account, from: start + 2 * day, to: start + 3 * day, limit: 100))
        XCTAssertEqual(quiet.lines, [])
        XCTAssertEqual(quiet.opening, 130_000)
        XCTAssertEqual(quiet.closing, 130_000)

        let cut = try XCTUnwrap(try ledger.statement(account: account, from: 0, to: .max, limit: 2))
        XCTAssertTrue(cut.truncated)
        XCTAssertEqual(cut.closing, 150_000, "the balance after the last movement shown")
        XCTAssertNil(try ledger.statement(account: "operator/NOPE/prefund/USD", from: 0, to: .max, limit: 10))
    }

    func testATransfersEntriesAndEvents() async throws {
        let id = TransferID(high: 4, low: 4)
        await submitSplit(id)
        for leg in [0, 1] {
            await expectDone(.reportLeg(LegReport(operatorId: "ACME", transferId: id, leg: leg, outcome: .dispatched(partner: leg == 0 ? "MPESA" : "KMFI"))))
            await expectDone(.reportLeg(LegReport(operatorId: "ACME", transferId: id, leg: leg, outcome: .paid(partnerReference: "P-\(leg)"))))
        }
        await expectDone(.reversePayout(PayoutReversal(operatorId: "ACME", transferId: id, leg: 0, source: "operations", evidence: "line 9")))
        let entries = try ledger.entries(operatorId: "ACME", transferId: id)
        XCTAssertEqual(entries.map(\.kind), ["hold", "post", "post", "reverse"])
        for entry in entries {
            var sums: [String: Int64] = [:]
            for line in entry.lines { sums[line.currency, default: 0] += line.amount }
            XCTAssertTrue(sums.values.allSatisfy { $0 == 0 }, "\(entry.kind) \(sums)")
        }
        let events = try ledger.events(operatorId: "ACME", transferId: id)
        XCTAssertEqual(events.map { "\($0.leg.map(String.init) ?? "t"):\($0.state)" },
                       ["t:accepted", "0:dispatched", "t:dispatched", "0:paid", "1:dispatched", "1:paid", "t:paid", "0:reversed",
                        "t:partiallyPaid"])
        XCTAssertEqual(try ledger.entries(operatorId: "ACME", transferId: TransferID(high: 9, low: 9)), [])
    }
}
