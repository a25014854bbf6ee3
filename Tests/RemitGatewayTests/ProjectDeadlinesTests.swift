import Foundation
import Logging
@testable import RemitGateway
import RemitDomain
import RemitLedger
import Synchronization
import XCTest

/// The deadline job refunds a project that missed its deadline in bounded rounds.
final class ProjectDeadlinesTests: XCTestCase {
    func testAMissedDeadlineIsRefundedInRoundsOfABatch() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("remit-deadlines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let now = Mutex<Int64>(1_795_435_200_000)
        let clock: @Sendable () -> Int64 = { now.withLock { $0 } }
        let ledger = try Ledger(path: folder.appendingPathComponent("ledger.sqlite").path, clock: clock)
        let usd = try Currency("USD"), kes = try Currency("KES")
        let setup: [LedgerCommand] = [
            .openOperator(id: "ACME", currency: usd, creditLimit: 0),
            .fund(operatorId: "ACME", amount: Money(1_000_000, usd), reference: "w"),
            .registerAssociation(AssociationRecord(id: "HTA", operatorId: "ACME", name: "Kisumu Diaspora", country: "KE")),
            .openProject(ProjectPlan(id: "WELL", associationId: "HTA", title: "Well", currency: kes, target: 100_000_000,
                                     partner: "KMFI", institution: "KMFI", account: "W-1", deadline: clock() + 1_000,
                                     refundPolicy: .full, milestones: [.init(description: "All", amount: 100_000_000)])),
        ]
        for command in setup { _ = await ledger.apply(command) }
        for n in 1...5 {
            let id = TransferID(high: 9, low: UInt64(n))
            _ = await ledger.apply(.submitTransfer(TransferSubmission(
                operatorId: "ACME", transferId: id, contentHash: [UInt8](repeating: UInt8(n), count: 32),
                decision: .accept(.init(sendAmount: Money(1_000, usd), fee: Money(100, usd), payoutAmount: Money(129_450, kes),
                                        legs: [.init(product: "projectContribution", institution: "", account: "WELL",
                                                     share: 10_000, payoutAmount: 129_450)], holdExpiresAt: .max)),
                details: .init(rate: 129_450_000_000, senderAccount: "S\(n)"))))
            let settled = await ledger.apply(.settleContribution(operatorId: "ACME", transferId: id, leg: 0))
            XCTAssertTrue(settled.isDone, "\(settled)")
        }
        let job = ProjectDeadlines(ledger: ledger, clock: clock, logger: Logger(label: "test"), batch: 2)
        let early = await job.refundDue()
        XCTAssertEqual(early, 1, "nothing is due before the deadline")
        XCTAssertEqual(try ledger.projectStatement("WELL")?.state, "open")

        now.withLock { $0 += 1_000 }
        let rounds = await job.refundDue()
        XCTAssertEqual(rounds, 4, "2 + 2 + 1 contributions, then a round with nothing left")
        let statement = try XCTUnwrap(try ledger.projectStatement("WELL"))
        XCTAssertEqual(statement.state, "refunded")
        XCTAssertEqual(statement.escrow, 0)
        XCTAssertEqual(try ledger.balance(.operatorPrefund("ACME", usd)), 1_000_000)
        XCTAssertTrue(try ledger.verify().isClean)
    }
}
