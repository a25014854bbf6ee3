import Foundation
import RemitDomain
import RemitLedger
import XCTest

/// A fresh ledger file per test, with a clock the test controls.
class LedgerTestCase: XCTestCase {
    var folder: URL!
    var ledger: Ledger!
    let usd = try! Currency("USD")
    let kes = try! Currency("KES")

    var path: String { folder.appendingPathComponent("ledger.sqlite").path }

    override func setUp() async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("remit-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
    }

    override func tearDownWithError() throws {
        ledger = nil
        try? FileManager.default.removeItem(at: folder)
    }

    func usd(_ minor: Int64) -> Money { Money(minor, usd) }

    /// Opens ACME and BETA without credit, each funded with `minor` US cents.
    func openAcmeAndBeta(funding minor: Int64) async {
        for id in ["ACME", "BETA"] {
            await expectDone(.openOperator(id: id, currency: usd, creditLimit: 0))
            await expectDone(.fund(operatorId: id, amount: usd(minor), reference: "w-\(id)"))
        }
    }
    func kes(_ minor: Int64) -> Money { Money(minor, kes) }

    @discardableResult
    func expectDone(_ command: LedgerCommand, file: StaticString = #filePath, line: UInt = #line) async -> [Int64] {
        let outcome = await ledger.apply(command)
        guard case .done(let entries) = outcome else {
            XCTFail("\(outcome)", file: file, line: line)
            return []
        }
        return entries
    }

    func expectRejected(_ command: LedgerCommand, _ error: LedgerError, file: StaticString = #filePath,
                        line: UInt = #line) async {
        let outcome = await ledger.apply(command)
        XCTAssertEqual(outcome, .rejected(error), file: file, line: line)
    }

    func balance(_ code: AccountCode) throws -> Int64 { try XCTUnwrap(try ledger.balance(code)) }

    func assertWhole(file: StaticString = #filePath, line: UInt = #line) throws {
        let report = try ledger.verify()
        XCTAssertTrue(report.isClean, report.description, file: file, line: line)
        var sums = [String: Int64]()
        for account in try ledger.trialBalance() { sums[account.currency, default: 0] += account.balance }
        XCTAssertTrue(sums.values.allSatisfy { $0 == 0 }, "trial balance \(sums)", file: file, line: line)
    }

    /// ACME, funded with USD 1,000.00, sends `id`: USD 100.00 + 2.99 paid out as KES 12,815.55,
    /// 70 % to a wallet and 30 % to a savings account at KMFI.
    func submitSplit(_ id: TransferID, redirect: Bool = false) async {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.fund(operatorId: "ACME", amount: usd(100_000), reference: "w"))
        let outcome = await ledger.apply(split(id, redirect: redirect))
        guard case .transfer(let receipt) = outcome, receipt.state == .accepted else { return XCTFail("\(outcome)") }
    }

    /// `split`'s transfer for `operatorId`, with its two legs or one (holding it all), held for
    /// review or not.
    func transfer(_ id: TransferID, operatorId: String = "ACME", legs: Int = 1, review: Bool = false) -> LedgerCommand {
        guard case .submitTransfer(var submission) = split(id), case .accept(var terms) = submission.decision else {
            fatalError("split is an accepted transfer")
        }
        submission.operatorId = operatorId
        if legs == 1 {
            terms.legs = [.init(product: "mobileWallet", institution: "", account: "254712345678", share: 10_000,
                                payoutAmount: 1_281_555)]
        }
        terms.review = review
        submission.decision = .accept(terms)
        return .submitTransfer(submission)
    }

    /// The command `submitSplit` applies; its legs hold 72.10 and 30.89, until `expiresAt`.
    func split(_ id: TransferID, redirect: Bool = false, content: UInt8 = 1, expiresAt: Int64 = .max) -> LedgerCommand {
        .submitTransfer(TransferSubmission(
            operatorId: "ACME", transferId: id, contentHash: [UInt8](repeating: content, count: 32),
            decision: .accept(.init(
                sendAmount: usd(10_000), fee: usd(299), payoutAmount: kes(1_281_555),
                legs: [.init(product: "mobileWallet", institution: "", account: "254712345678", share: 7_000,
                             payoutAmount: 897_089),
                       .init(product: "savingsDeposit", institution: "KMFI", account: "SAV-1", share: 3_000,
                             payoutAmount: 384_466)],
                holdExpiresAt: expiresAt)),
            details: .init(rate: 128_155_500_000, referenceRate: 130_000_000_000, redirectToFirstLeg: redirect)))
    }
}
