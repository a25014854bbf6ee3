import Foundation
import GRDB
import RemitDomain
@testable import RemitLedger
import XCTest

/// A slice's new transfers' events are written as runs, a row per operator (v25): the stream
/// each operator reads is still every event once, in order, from any point; `verify` finds a run
/// that leaves a gap or overlaps the next row.
final class EventRunTests: LedgerTestCase {
    override func setUp() async throws {
        try await super.setUp()
        await openAcmeAndBeta(funding: 10_000_000)
    }

    func id(_ n: UInt64) -> TransferID { TransferID(high: 0x0191_F3C2_0000_0000, low: n) }

    func accepted(_ n: UInt64, operatorId: String, review: Bool = false, hashBytes: Int = 32) -> LedgerCommand {
        .submitTransfer(TransferSubmission(
            operatorId: operatorId, transferId: id(n), contentHash: [UInt8](repeating: 1, count: hashBytes),
            decision: .accept(.init(sendAmount: usd(10_000), fee: usd(299), payoutAmount: usd(10_000),
                                    legs: [.init(product: "mobileWallet", institution: "SAFCOM", account: "2547", share: 10_000,
                                                 payoutAmount: 10_000)],
                                    holdExpiresAt: .max, review: review)),
            details: .init(rate: 0)))
    }

    /// 90 commands in one batch, three slices: runs of both operators side by side, broken by a
    /// transfer held for review (another state), a command that is not a new transfer (which
    /// writes what the writer kept back) and a refused command (whose slice is replayed command
    /// by command). Returns each operator's events as the commands made them.
    func writeMixedBatch(from first: UInt64 = 1) async -> [String: [(transfer: TransferID, state: String)]] {
        var commands: [LedgerCommand] = []
        var expected: [String: [(transfer: TransferID, state: String)]] = ["ACME": [], "BETA": []]
        func operatorOf(_ n: UInt64) -> String { n % 3 == 0 ? "BETA" : "ACME" }
        for n in first..<first + 90 {
            let operatorId = operatorOf(n)
            switch n - first {
            case 17:
                commands.append(accepted(n, operatorId: operatorId, review: true))
                expected[operatorId]!.append((id(n), "inReview"))
            case 40:
                // A transfer accepted earlier in this batch moves on.
                let moved = first + 1
                commands.append(.moveTransfer(operatorId: operatorOf(moved), transferId: id(moved), to: .dispatched, reason: .none))
                expected[operatorOf(moved)]!.append((id(moved), "dispatched"))
            case 70:
                commands.append(accepted(n, operatorId: operatorId, hashBytes: 31))  // refused: no event
            default:
                commands.append(accepted(n, operatorId: operatorId))
                expected[operatorId]!.append((id(n), "accepted"))
            }
        }
        let outcomes = await ledger.apply(commands)
        XCTAssertEqual(outcomes.filter { if case .rejected = $0 { true } else { false } }.count, 1, "\(outcomes)")
        return expected
    }

    func eventRows() throws -> [(sequence: Int64, events: Int64)] {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT sequence, events FROM event ORDER BY operator_id, sequence")
                .map { ($0["sequence"], $0["events"]) }
        }
    }

    func testEachOperatorReadsItsStreamEventByEventFromAnyPoint() async throws {
        let expected = await writeMixedBatch()
        for (operatorId, events) in expected {
            let all = try ledger.events(operatorId: operatorId, after: 0, limit: 1_000)
            XCTAssertEqual(all.map(\.sequence), Array(1...UInt64(events.count)), operatorId)
            XCTAssertEqual(all.map(\.transferId), events.map(\.transfer), operatorId)
            XCTAssertEqual(all.map(\.state), events.map(\.state), operatorId)
            XCTAssertTrue(all.allSatisfy { $0.leg == nil && $0.reason == .none && $0.partnerReference.isEmpty })
            for after in 0...all.count {
                for limit in [1, 5, 1_000] {
                    let read = try ledger.events(operatorId: operatorId, after: UInt64(after), limit: limit)
                    XCTAssertEqual(read, Array(all[after..<min(after + limit, all.count)]), "\(operatorId) after \(after)")
                }
            }
        }
        let rows = try eventRows()
        let total = expected.values.map(\.count).reduce(0, +)
        XCTAssertEqual(rows.map(\.events).reduce(0, +), Int64(total))
        // The refused command's slice is replayed command by command: a row per event there.
        XCTAssertLessThan(rows.count, total / 2, "runs, not a row per event")
        XCTAssertLessThanOrEqual(rows.map(\.events).max() ?? 0, Int64(EventRuns.longest))
        try assertWhole()
    }

    func testATransfersEventsAreFoundInsideARun() async throws {
        _ = await writeMixedBatch()
        // Transfer 2 (ACME) was accepted in a run and moved on by the 41st command.
        let moved = try ledger.events(operatorId: "ACME", transferId: id(2))
        XCTAssertEqual(moved.map(\.state), ["accepted", "dispatched"])
        XCTAssertEqual(moved.map(\.transferId), [id(2), id(2)])
        for n: UInt64 in [5, 31, 64, 89] {
            let events = try ledger.events(operatorId: "ACME", transferId: id(n))
            XCTAssertEqual(events.map(\.state), ["accepted"], "transfer \(n)")
            XCTAssertEqual(events.first?.transferId, id(n))
        }
        XCTAssertEqual(try ledger.events(operatorId: "BETA", transferId: id(18)).map(\.state), ["inReview"])
        XCTAssertEqual(try ledger.events(operatorId: "ACME", transferId: id(71)), [], "refused: no event")
    }

    func testAStreamGoesOnAcrossBatchesAndRestarts() async throws {
        _ = await writeMixedBatch()
        await ledger.flush()
        ledger = nil
        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
        let second = await writeMixedBatch(from: 1_001)
        let acme = try ledger.events(operatorId: "ACME", after: 0, limit: 1_000)
        XCTAssertEqual(acme.map(\.sequence), Array(1...UInt64(acme.count)))
        XCTAssertEqual(Array(acme.suffix(second["ACME"]!.count)).map(\.transferId), second["ACME"]!.map(\.transfer))
        XCTAssertEqual(try ledger.eventRange(operatorId: "ACME")?.latest, UInt64(acme.count))
        try assertWhole()
    }

    func testVerifyFindsARunThatLeavesAGapOrOverlapsTheNextRow() async throws {
        _ = await writeMixedBatch()
        let found = try await DatabaseQueue(path: path).read { db in
            try Row.fetchOne(db, sql: """
                SELECT sequence, events FROM event WHERE operator_id = 'ACME' AND events > 2 ORDER BY sequence LIMIT 1
                """).map { (sequence: $0["sequence"] as Int64, events: $0["events"] as Int64) }
        }
        let run = try XCTUnwrap(found)
        let end = run.sequence + run.events  // the next row's first event
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: """
                UPDATE event SET events = events - 1, run_transfer_ids = substr(run_transfer_ids, 1, length(run_transfer_ids) - 16)
                WHERE operator_id = 'ACME' AND sequence = ?
                """, arguments: [run.sequence])
        }
        var problems = try ledger.verify().problems
        XCTAssertTrue(problems.contains("operator ACME: event \(end) where \(end - 1) was next"), "\(problems)")
        XCTAssertTrue(problems.contains { $0.hasPrefix("operator ACME: events 1...") }, "\(problems)")

        // Two events longer than it was: the last overlaps the next row's first.
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: """
                UPDATE event SET events = events + 2, run_transfer_ids = CAST(run_transfer_ids || zeroblob(32) AS BLOB)
                WHERE operator_id = 'ACME' AND sequence = ?
                """, arguments: [run.sequence])
        }
        problems = try ledger.verify().problems
        XCTAssertTrue(problems.contains("operator ACME: event \(end) where \(end + 1) was next"), "\(problems)")
    }

    /// A run holds at most `EventRuns.longest` events. A slice holds no more commands, but one
    /// atomic command can submit more transfers than that: its run is cut at the limit.
    func testARunStopsAtItsLimit() async throws {
        let outcomes = await ledger.apply([.atomic((1...40).map { accepted($0, operatorId: "ACME") })])
        XCTAssertEqual(outcomes, [.done(entries: [])])
        XCTAssertEqual(try eventRows().map(\.events), [32, 8])
        let events = try ledger.events(operatorId: "ACME", after: 0, limit: 100)
        XCTAssertEqual(events.map(\.sequence), Array(1...40))
        XCTAssertEqual(events.map(\.transferId), (1...40).map { id($0) })
        try assertWhole()
    }

    func testARunHoldsOnlyWhatItsRowCanSay() async throws {
        _ = await writeMixedBatch()
        let queue = try DatabaseQueue(path: path)
        for change in [
            "UPDATE event SET events = 33, run_transfer_ids = zeroblob(512) WHERE events > 1",  // longer than a slice
            "UPDATE event SET run_transfer_ids = zeroblob(16) WHERE events > 2",  // ids for fewer events
            "UPDATE event SET leg_index = 0 WHERE events > 1",  // a leg's event in a run
            "UPDATE event SET run_transfer_ids = zeroblob(0) WHERE events = 1",
        ] {
            do {
                try await queue.write { try $0.execute(sql: change) }
                XCTFail("accepted: \(change)")
            } catch {
                XCTAssertEqual((error as? DatabaseError)?.resultCode, .SQLITE_CONSTRAINT, change)
            }
        }
    }
}
