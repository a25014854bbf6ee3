import Foundation
import GRDB
import RemitDomain
@testable import RemitLedger
import XCTest

/// A transfer's screening decisions are in its row, and the transfers of one slice of commands
/// share one link of the screening chain (since v23): what `verify` checks, and what breaks it.
final class ScreeningChainTests: LedgerTestCase {
    let clear = ScreeningRecord(party: "sender", decision: "clear", scoreBps: 0, entryId: nil, matchedName: nil, source: nil)
    // Not ASCII: the write path binds text by its UTF-8 bytes.
    let near = ScreeningRecord(party: "beneficiary", decision: "clear", scoreBps: 4_210, entryId: "7781",
                               matchedName: "Grâce WANJIKŨ-EXAMPLE", source: "sdn.csv 2026-11-20")
    let review = ScreeningRecord(party: "beneficiary", decision: "review", scoreBps: 8_700, entryId: "9001",
                                 matchedName: "Juan Carlos DOE-EXAMPLE", source: "sdn.csv 2026-11-20")
    let match = ScreeningRecord(party: "sender", decision: "match", scoreBps: 9_800, entryId: "9002",
                                matchedName: "Ivan DOE-EXAMPLE", source: "un.xml 2026-11-18")

    override func setUp() async throws {
        try await super.setUp()
        await openAcmeAndBeta(funding: 10_000_000)
    }

    func id(_ n: UInt64) -> TransferID { TransferID(high: 0x0191_F3C2_0000_0000, low: n) }

    func accepted(_ n: UInt64, operatorId: String = "ACME", screenings: [ScreeningRecord], review: Bool = false,
                  content: UInt8 = 1) -> LedgerCommand {
        var submission = TransferSubmission(
            operatorId: operatorId, transferId: id(n), contentHash: [UInt8](repeating: content, count: 32),
            decision: .accept(.init(sendAmount: usd(10_000), fee: usd(299), payoutAmount: usd(10_000),
                                    legs: [.init(product: "mobileWallet", institution: "SAFCOM", account: "2547", share: 10_000,
                                                 payoutAmount: 10_000)],
                                    holdExpiresAt: .max, review: review)),
            details: .init(rate: 0))
        submission.screenings = screenings
        return .submitTransfer(submission)
    }

    func refused(_ n: UInt64, screenings: [ScreeningRecord]) -> LedgerCommand {
        var submission = TransferSubmission(operatorId: "ACME", transferId: id(n), contentHash: [UInt8](repeating: 1, count: 32),
                                            decision: .reject(ReasonCode(rawValue: 6001), field: 0))
        submission.screenings = screenings
        return .submitTransfer(submission)
    }

    func links() throws -> [(id: Int64, transfers: Int64)] {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT id, transfers FROM screening ORDER BY id").map { ($0["id"], $0["transfers"]) }
        }
    }

    func tamper(_ sql: String) throws {
        try DatabaseQueue(path: path).writeWithoutTransaction { try $0.execute(sql: sql) }
    }

    /// 40 commands in one batch, so two slices: accepted (clear, near a listed name, held for
    /// review), refused for a match, not screened at all, across two operators (so a slice's
    /// transfers are not in key order as they come, and the link sorts them).
    func submitMixedBatch() async throws {
        var commands: [LedgerCommand] = []
        for n in UInt64(1)...40 {
            switch n % 5 {
            case 0: commands.append(accepted(n, operatorId: "BETA", screenings: [clear, near]))
            case 1: commands.append(accepted(n, screenings: [clear, review], review: true))
            case 2: commands.append(refused(n, screenings: [match, near]))
            case 3: commands.append(accepted(n, screenings: []))
            default: commands.append(accepted(n, screenings: [clear]))
            }
        }
        let outcomes = await ledger.apply(commands)
        for outcome in outcomes { guard case .transfer = outcome else { return XCTFail("\(outcome)") } }
    }

    func testTheTransfersOfASliceShareOneLink() async throws {
        try await submitMixedBatch()
        // Slices of 32 and 8 commands; of each, four in five were screened.
        XCTAssertEqual(try links().map(\.transfers), [26, 6])
        let report = try ledger.verify()
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.screenings, 32)
        XCTAssertEqual(try ledger.screenings(operatorId: "ACME", id: id(1)), [clear, review])
        XCTAssertEqual(try ledger.screenings(operatorId: "ACME", id: id(2)).map(\.decision), ["match", "clear"])
        XCTAssertEqual(try ledger.screenings(operatorId: "ACME", id: id(3)), [])
        XCTAssertEqual(try ledger.screenings(operatorId: "ACME", id: id(4)), [clear])
        XCTAssertEqual(try ledger.screenings(operatorId: "BETA", id: id(5)), [clear, near])
        let inReview = try ledger.transfersInReview(limit: 100)
        XCTAssertEqual(inReview.count, 8)
        XCTAssertEqual(inReview.first?.screenings, [clear, review])
        // The chain goes on from there, one link per later slice.
        _ = await ledger.apply([accepted(41, screenings: [clear, near])])
        XCTAssertEqual(try links().map(\.transfers), [26, 6, 1])
        XCTAssertEqual(try ledger.verify().problems, [])
    }

    func testACommandRefusedInASliceLeavesTheChainWhole() async throws {
        // A reused id throws: the slice is rolled back and replayed a command at a time, each
        // with a link of its own; the refused one and one naming a party twice leave none.
        let twice = accepted(9, screenings: [clear, clear])
        let outcomes = await ledger.apply([
            accepted(1, screenings: [clear, near]), accepted(2, screenings: [clear]),
            accepted(1, screenings: [clear, near], content: 9), twice, accepted(3, screenings: [clear, review], review: true),
        ])
        XCTAssertEqual(outcomes[2], .rejected(.idReused(id(1).description)))
        XCTAssertEqual(outcomes[3], .rejected(.invalidScreening("sender")))
        XCTAssertEqual(try links().map(\.transfers), [1, 1, 1])
        XCTAssertEqual(try ledger.verify().problems, [])
        XCTAssertNil(try ledger.transfer(operatorId: "ACME", id: id(9)))
    }

    func testAnEditedDecisionIsFound() async throws {
        try await submitMixedBatch()
        try tamper("UPDATE transfer SET sender_decision = 'clear', sender_score_bps = 0 WHERE sender_decision = 'match' AND screening_id = 2")
        XCTAssertEqual(try ledger.verify().problems,
                       ["screening 2: hash does not follow from its transfers' decisions and the link before"])
    }

    func testATransferTakenOutOfItsLinkIsFound() async throws {
        try await submitMixedBatch()
        let columns = Screenings.decisionColumns.split(separator: ",").map { "\($0.trimmingCharacters(in: .whitespaces)) = NULL" }
        try tamper("""
            UPDATE transfer SET screening_id = NULL, \(columns.joined(separator: ", "))
            WHERE operator_id = 'ACME' AND transfer_id = x'0191F3C2000000000000000000000024'
            """)
        XCTAssertEqual(try ledger.verify().problems, [
            "screening 2: records 6 transfers, 5 name it",
            "screening 2: hash does not follow from its transfers' decisions and the link before",
        ])
    }

    func testATransferNamingNoLinkIsFound() async throws {
        try await submitMixedBatch()
        try tamper("UPDATE transfer SET screening_id = 9 WHERE operator_id = 'ACME' AND transfer_id = x'0191F3C2000000000000000000000024'")
        XCTAssertEqual(try ledger.verify().problems, [
            "screening 2: records 6 transfers, 5 name it",
            "screening 2: hash does not follow from its transfers' decisions and the link before",
            "transfer ACME/\(id(36)): names screening 9, which is not a link of the chain",
        ])
    }

    func testADeletedLinkIsFound() async throws {
        try await submitMixedBatch()
        _ = await ledger.apply([accepted(41, screenings: [clear, near])])
        try tamper("DELETE FROM screening WHERE id = 2")
        let problems = try ledger.verify().problems
        // The gap, the six transfers that named the link, and the next link's hash.
        XCTAssertEqual(problems.count, 8, "\(problems)")
        XCTAssertEqual(problems.first, "screening 2: missing (next is 3)")
        XCTAssertEqual(problems[1], "transfer ACME/\(id(34)): names screening 2, which is not a link of the chain")
        XCTAssertEqual(problems.last, "screening 3: hash does not follow from its transfers' decisions and the link before")
    }
}
