import Foundation
import RemitDomain
import RemitLedger
import Synchronization
import XCTest

/// Limits per sender, beneficiary and operator, counted in the writer's transaction.
final class VolumeLimitTests: XCTestCase {
    var folder: URL!
    var ledger: Ledger!
    let usd = try! Currency("USD"), kes = try! Currency("KES")
    final class Clock: Sendable {
        let value = Atomic<Int64>(1_795_435_200_000)  // 2026-11-23T12:00Z
        func add(_ milliseconds: Int64, ordering: AtomicUpdateOrdering) { value.add(milliseconds, ordering: .relaxed) }
    }

    let now = Clock()
    var next: UInt64 = 0

    override func setUp() async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("remit-limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let clock = now
        ledger = try Ledger(path: folder.appendingPathComponent("ledger.sqlite").path, clock: { clock.value.load(ordering: .relaxed) })
        _ = await ledger.apply([.openOperator(id: "ACME", currency: usd, creditLimit: 0),
                                .fund(operatorId: "ACME", amount: Money(100_000_000, usd), reference: "w")])
    }

    override func tearDown() async throws {
        ledger = nil
        try? FileManager.default.removeItem(at: folder)
    }

    func submission(sender: String = "S1", beneficiary: String = "B1", amount: Int64 = 10_000,
                    limits: VolumeLimits) -> LedgerCommand {
        next += 1
        return .submitTransfer(TransferSubmission(
            operatorId: "ACME", transferId: TransferID(high: 1, low: next), contentHash: [UInt8](repeating: 1, count: 32),
            decision: .accept(.init(sendAmount: Money(amount, usd), fee: Money(0, usd), payoutAmount: Money(amount, kes),
                                    legs: [.init(product: "mobileWallet", institution: "", account: "254712345678",
                                                 share: 10_000, payoutAmount: amount)],
                                    holdExpiresAt: .max)),
            details: .init(rate: 1_000_000_000),
            volume: VolumeParties(sender: sender, beneficiary: beneficiary, limits: limits)))
    }

    func check(_ commands: [LedgerCommand], _ expected: [UInt16], file: StaticString = #filePath,
               line: UInt = #line) async {
        let outcomes = await ledger.apply(commands)
        XCTAssertEqual(reasons(outcomes), expected, file: file, line: line)
    }

    func reasons(_ outcomes: [LedgerOutcome]) -> [UInt16] {
        outcomes.map { if case .transfer(let receipt) = $0 { receipt.reason.rawValue } else { 9_999 } }
    }

    func testASendersDailyCountHoldsWithinOneBatch() async throws {
        let limits = VolumeLimits(senderDaily: .init(count: 2))
        await check([submission(limits: limits), submission(limits: limits), submission(limits: limits),
                     submission(sender: "S2", limits: limits)], [0, 0, 5006, 0])
        // The next UTC day starts afresh.
        now.add(86_400_000, ordering: .relaxed)
        await check([submission(limits: limits)], [0])
    }

    func testThirtyDayAmountsBeneficiariesAndTheOperatorsDay() async throws {
        let monthly = VolumeLimits(senderMonthly: .init(amount: 25_000))
        await check([submission(amount: 10_000, limits: monthly)], [0])
        now.add(29 * 86_400_000, ordering: .relaxed)
        await check([submission(amount: 10_000, limits: monthly), submission(amount: 10_000, limits: monthly)],
                    [0, 5007])
        now.add(86_400_000, ordering: .relaxed)  // the first day has left the window
        await check([submission(amount: 10_000, limits: monthly)], [0])

        let beneficiary = VolumeLimits(beneficiaryDaily: .init(count: 1))
        await check([submission(sender: "X", beneficiary: "B9", limits: beneficiary),
                     submission(sender: "Y", beneficiary: "B9", limits: beneficiary)], [0, 5008])
        let operatorDay = VolumeLimits(operatorDaily: 70_000)
        // Today so far: 10,000 (monthly test) + 10,000 (beneficiary test) accepted.
        await check([submission(sender: "Z", amount: 50_000, limits: operatorDay),
                     submission(sender: "Z", amount: 1, limits: operatorDay)], [0, 5010])
    }

    func testARefusedTransferUsesNoAllowance() async throws {
        let limits = VolumeLimits(senderDaily: .init(count: 1))
        // Far above the prefund: refused for funds, so the sender's one transfer a day is still free.
        await check([submission(amount: 1_000_000_000, limits: limits)], [5001])
        await check([submission(limits: limits)], [0])
    }
}
