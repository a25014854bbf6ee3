import PartnerServers
import RemitDomain
import RemitPayout
import XCTest

/// The mobile-wallet adapter against a GSMA Mobile Money API server on loopback: what each
/// answer, failure and silence becomes, and that the provider never pays a leg twice.
final class MobileWalletAdapterTests: XCTestCase {
    var server: MobileMoneyServer!
    let kes = try! Currency("KES")

    override func setUp() async throws {
        server = try await MobileMoneyServer.start()
    }

    override func tearDown() async throws {
        await server.stop()
    }

    func adapter(timeoutMs: Int64 = 2_000, callbackURL: String? = nil, baseURL: String? = nil) -> MobileWalletAdapter {
        MobileWalletAdapter(id: "MPESA-KE", capabilities: PartnerCapabilities(countries: ["KE"], currencies: ["KES"],
                                                                               products: ["mobileWallet"]),
                            settings: .init(baseURL: baseURL ?? server.baseURL, apiKey: "test-key", debitAccount: "REMIT-01",
                                            callbackURL: callbackURL, timeoutMs: timeoutMs))
    }

    func instruction(_ key: String = "ACME-6f1c2e0a-8d3b-4c55-9a0e-2b7d4f6a9c11-0", account: String = "254712345678",
                     amount: Int64 = 1_281_555) -> PayoutInstruction {
        PayoutInstruction(idempotencyKey: key, product: "mobileWallet", account: account, amount: Money(amount, kes),
                          country: "KE", originCountry: "US")
    }

    func testAQuotedTransferIsPaidOnceAndInquiriesAgree() async throws {
        let wallet = adapter()
        guard case .paid(let reference) = await wallet.submit(instruction()) else { return XCTFail("\(server.calls)") }
        XCTAssertEqual(server.calls, ["POST /quotations", "POST /transactions/type/inttransfer"])
        XCTAssertEqual(server.transactions.first?.amount, "12815.55")
        XCTAssertEqual(server.transactions.first?.msisdn, "+254712345678")
        // Sent again (a retry after a restart): the provider answers from its record.
        guard case .paid(let again) = await wallet.submit(instruction()) else { return XCTFail() }
        XCTAssertEqual(again, reference)
        guard case .paid(let asked) = await wallet.status(instruction()) else { return XCTFail() }
        XCTAssertEqual(asked, reference)
        XCTAssertEqual(server.paidCounts, [instruction().idempotencyKey: 1])
    }

    func testRefusalsAreDefiniteAndOutagesAreBusy() async throws {
        let wallet = adapter()
        server.closeAccount("+254700000001")
        guard case .rejected(let reason) = await wallet.submit(instruction("K-closed", account: "254700000001")) else {
            return XCTFail()
        }
        XCTAssertTrue(reason.contains("accountNotFound"), reason)
        server.quoteShort(by: 100)
        guard case .rejected(let short) = await wallet.submit(instruction("K-short")) else { return XCTFail() }
        XCTAssertTrue(short.contains("quoted 12814.55"), short)
        server.quoteShort(by: 0)
        server.setDown(true)
        guard case .busy = await wallet.submit(instruction("K-down")) else { return XCTFail() }
        server.setDown(false)
        server.inject(.reply(401, #"{"errorCategory":"authorisation","errorCode":"clientAuthorisationError"}"#))
        // The quotation meets the fault: busy, not refused (credentials are the gateway's problem).
        guard case .busy = await wallet.submit(instruction("K-auth")) else { return XCTFail() }
        XCTAssertTrue(server.paidCounts.isEmpty)
    }

    func testSilenceAfterSendingIsUnknownAndAnInquirySettlesIt() async throws {
        let wallet = adapter(timeoutMs: 300)
        for (index, fault) in [MobileMoneyServer.Fault.payThenStall, .payThenDrop, .payThenAnswerLate(1_000)].enumerated() {
            let leg = instruction("K-silent-\(index)")
            server.inject(fault)
            guard case .unknown = await wallet.submit(leg) else { return XCTFail("\(fault)") }
            guard case .paid = await wallet.status(leg) else { return XCTFail("\(fault)") }
            _ = await wallet.submit(leg)
            XCTAssertEqual(server.paidCounts[leg.idempotencyKey], 1, "\(fault)")
        }
        // A 500 may have been processed: unknown, never refused.
        server.inject(.reply(500, "{}"))
        guard case .unknown = await wallet.submit(instruction("K-500")) else { return XCTFail() }
        // Never received at all: the provider has nothing under the id, which is a definite no.
        guard case .rejected = await wallet.status(instruction("K-never-sent")) else { return XCTFail() }
    }

    func testAProviderThatIsNotThereIsBusyAtOnce() async throws {
        let port = server.port
        await server.stop()
        let started = ContinuousClock.now
        guard case .busy = await adapter(timeoutMs: 10_000, baseURL: "http://127.0.0.1:\(port)").submit(instruction()) else {
            return XCTFail()
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5), "a refused connection is not a 10 s wait")
        server = try await MobileMoneyServer.start()
    }

    func testAsynchronousAnswersArePendingAndCallbacksAreRead() async throws {
        server.answerByCallback(delayMs: 20)
        let wallet = adapter(callbackURL: "http://127.0.0.1:9/callbacks")
        guard case .pending = await wallet.submit(instruction()) else { return XCTFail() }
        XCTAssertEqual(server.transactions.first?.callbackURL,
                       "http://127.0.0.1:9/callbacks/MPESA-KE/\(instruction().idempotencyKey)")
        try await Task.sleep(for: .milliseconds(200))
        guard case .paid = await wallet.status(instruction()) else { return XCTFail() }
        let body = Array(#"{"transactionStatus":"completed","transactionReference":"MM123456"}"#.utf8)
        XCTAssertEqual(wallet.callbackOutcome(idempotencyKey: "k", body: body), .paid(reference: "MM123456"))
        let failed = Array(#"{"errorCategory":"businessRule","errorCode":"accountNotFound"}"#.utf8)
        guard case .rejected = wallet.callbackOutcome(idempotencyKey: "k", body: failed) else { return XCTFail() }
        XCTAssertNil(wallet.callbackOutcome(idempotencyKey: "k", body: Array("{}".utf8)))
        XCTAssertEqual(MobileWalletAdapter.correlationId("k"), MobileWalletAdapter.correlationId("k"))
        XCTAssertNotEqual(MobileWalletAdapter.correlationId("k"), MobileWalletAdapter.correlationId("k", "quotation"))
    }
}

/// The MFI core-banking adapter against a Fineract-shaped server on loopback.
final class MFICoreBankingAdapterTests: XCTestCase {
    var server: CoreBankingServer!
    let kes = try! Currency("KES")

    override func setUp() async throws {
        server = try await CoreBankingServer.start()
        server.openSavings("SAV-001")
        server.openSavings("SAV-CLOSED", active: false)
        server.openLoan("LOAN-77", outstanding: 5_000)
    }

    override func tearDown() async throws {
        await server.stop()
    }

    func adapter(password: String? = nil, timeoutMs: Int64 = 2_000) -> MFICoreBankingAdapter {
        MFICoreBankingAdapter(id: "KMFI", capabilities: PartnerCapabilities(
            countries: ["KE"], currencies: ["KES"], products: ["savingsDeposit", "loanRepayment", "insurancePremium"]),
                              settings: .init(baseURL: server.baseURL, username: server.username,
                                              password: password ?? server.password, timeoutMs: timeoutMs))
    }

    func leg(_ key: String, _ product: String, _ account: String, _ amount: Int64) -> PayoutInstruction {
        PayoutInstruction(idempotencyKey: key, product: product, account: account, amount: Money(amount, kes), country: "KE")
    }

    func testDepositsAndRepaymentsAreAppliedOnce() async throws {
        let mfi = adapter()
        let deposit = leg("K-sav", "savingsDeposit", "SAV-001", 307_573)
        guard case .paid(let reference) = await mfi.submit(deposit) else { return XCTFail("\(server.calls)") }
        XCTAssertTrue(reference.hasPrefix("SAV-"), reference)
        guard case .paid(let again) = await mfi.status(deposit) else { return XCTFail() }
        XCTAssertEqual(again, reference)
        XCTAssertEqual(server.balance("SAV-001"), Decimal(string: "3075.73"))
        guard case .paid = await mfi.submit(leg("K-loan", "loanRepayment", "LOAN-77", 153_786)) else { return XCTFail() }
        XCTAssertEqual(server.outstanding("LOAN-77"), Decimal(string: "3462.14"))
        XCTAssertEqual(server.calls, ["POST /fineract-provider/api/v1/savingsaccounts/SAV-001/transactions?command=deposit",
                                      "POST /fineract-provider/api/v1/savingsaccounts/SAV-001/transactions?command=deposit",
                                      "POST /fineract-provider/api/v1/loans/LOAN-77/transactions?command=repayment"])
        XCTAssertEqual(server.appliedCounts, ["K-sav": 1, "K-loan": 1])
    }

    func testRulesRefuseAndCredentialsAreBusy() async throws {
        let mfi = adapter()
        let cases: [(PayoutInstruction, String)] = [
            (leg("K-1", "savingsDeposit", "SAV-CLOSED", 100), "account.is.not.active"),
            (leg("K-2", "savingsDeposit", "SAV-404", 100), "saving.account.id.invalid"),
            (leg("K-3", "loanRepayment", "LOAN-77", 600_000), "cannot.be.more.than.outstanding"),
            (leg("K-4", "mobileWallet", "254712345678", 100), "not a core banking product"),
            (leg("K-5", "savingsDeposit", "../admin", 100), "cannot name a core banking account"),
        ]
        for (instruction, expected) in cases {
            guard case .rejected(let reason) = await mfi.submit(instruction) else { return XCTFail(expected) }
            XCTAssertTrue(reason.contains(expected), "\(reason) should say \(expected)")
        }
        guard case .busy = await adapter(password: "wrong").submit(leg("K-6", "savingsDeposit", "SAV-001", 100)) else {
            return XCTFail()
        }
        XCTAssertTrue(server.appliedCounts.isEmpty)
    }

    func testSilenceIsUnknownAndTheRepeatReadsTheStoredAnswer() async throws {
        let mfi = adapter(timeoutMs: 300)
        let deposit = leg("K-late", "savingsDeposit", "SAV-001", 10_000)
        server.inject(.payThenAnswerLate(1_000))
        guard case .unknown = await mfi.submit(deposit) else { return XCTFail() }
        guard case .paid = await mfi.status(deposit) else { return XCTFail() }
        XCTAssertEqual(server.appliedCounts["K-late"], 1)
        // Stuck mid-way: the repeat meets 409 and stays pending, and nothing is applied.
        let stuck = leg("K-stuck", "savingsDeposit", "SAV-001", 10_000)
        server.inject(.stall)
        guard case .unknown = await mfi.submit(stuck) else { return XCTFail() }
        guard case .pending = await mfi.status(stuck) else { return XCTFail() }
        XCTAssertNil(server.appliedCounts["K-stuck"])
        XCTAssertEqual(server.balance("SAV-001"), 100)
    }
}
