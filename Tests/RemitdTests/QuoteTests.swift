import Foundation
import RemitClient
import RemitProtocol
import XCTest

/// Quotes and reference rates on the real daemon.
final class QuoteTests: XCTestCase {
    var daemon: Daemon!

    override func setUpWithError() throws {
        daemon = try Daemon.withPayoutsPaused()
    }

    override func tearDown() {
        daemon?.remove()
    }

    func remitctl(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try daemon.remitctl(arguments)
    }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    func request(_ amount: Int64 = 10_000, mode: AmountMode = .send) -> QuoteRequest {
        QuoteRequest(amount: amount, sendCurrency: CurrencyCode("USD")!, payoutCurrency: CurrencyCode("KES")!,
                     sendCountry: CountryCode("US")!, payoutCountry: CountryCode("KE")!, amountMode: mode,
                     legs: [QuoteLeg(product: .mobileWallet, share: 7_000), QuoteLeg(product: .savingsDeposit, share: 3_000)])
    }

    func testAQuoteStatesItsTermsAndATransferNamingItGetsThem() async throws {
        let client = try await daemon.connect()
        let quote = try await client.quote(request())
        XCTAssertEqual(quote.sendAmount, 10_000)
        XCTAssertEqual(quote.fee, 249)
        XCTAssertEqual(quote.referenceRate, 129_450_000_000)
        XCTAssertEqual(quote.rate, 128_155_500_000)
        XCTAssertEqual(quote.rateMargin, 10_000)
        XCTAssertEqual(quote.totalCost, 34_900)
        XCTAssertEqual(quote.payoutAmount, 1_281_555)
        XCTAssertEqual(quote.legs.map(\.payoutAmount), [897_089, 384_466])
        XCTAssertEqual(quote.expiresAt - quote.createdAt, 900_000)

        // The rate moves; the quote holds.
        let moved = try remitctl(["rates", "set", "USD", "KES", "140.00"])
        XCTAssertEqual(moved.status, 0, moved.err)
        let legs = [Leg(product: .mobileWallet, share: 7_000, account: "254712345678"),
                    Leg(product: .savingsDeposit, share: 3_000, account: "SAV-1")]
        var named = GatewayTests.transfer(legs: legs)
        named.quoteId = quote.quoteId
        let result = try await client.submit([named])[0]
        XCTAssertEqual(result.errorCode, .none)
        XCTAssertEqual(result.payoutAmount, 1_281_555)
        let status = try await client.transfer(named.transferId)
        XCTAssertEqual(status.quoteId, quote.quoteId)
        XCTAssertEqual(status.rate, 128_155_500_000)
        XCTAssertEqual(status.legs.map(\.payoutAmount), [897_089, 384_466])

        // Without a quote, today's rate: 140 less 1 %.
        let unquoted = try await client.submit([GatewayTests.transfer()])[0]
        XCTAssertEqual(unquoted.payoutAmount, 1_386_000)

        // Another amount than quoted, or a quote of another operator, is refused.
        var other = GatewayTests.transfer(amount: 20_000, legs: legs)
        other.quoteId = quote.quoteId
        let mismatched = try await client.submit([other])[0]
        XCTAssertEqual(mismatched.errorCode, .quoteMismatch)
        let beta = try await daemon.connect("BETA")
        var stolen = GatewayTests.transfer(legs: legs)
        stolen.quoteId = quote.quoteId
        let betaResult = try await beta.submit([stolen])[0]
        XCTAssertNotEqual(betaResult.errorCode, .none)
        try await beta.close()
        try await client.close()
    }

    func testRefusedQuotesNameTheirReason() async throws {
        let client = try await daemon.connect()
        var bad = request()
        bad.payoutCountry = CountryCode("UG")!
        do {
            _ = try await client.quote(bad)
            XCTFail("quoted an unsupported corridor")
        } catch RemitClientError.server(let error) {
            XCTAssertEqual(error.code, .unsupportedCorridor)
        }
        do {
            _ = try await client.quote(request(50))
            XCTFail("quoted below the minimum")
        } catch RemitClientError.server(let error) {
            XCTAssertEqual(error.code, .amountBelowMinimum)
        }
        try await client.close()
    }

    func testRatesAreSetListedAndCheckedThroughRemitctl() throws {
        let listed = try remitctl(["rates", "list"])
        XCTAssertTrue(listed.out.contains("USD/KES  129.450000000"), listed.out)
        XCTAssertEqual(try remitctl(["rates", "set", "USD", "KES", "12x"]).status, 1)
        XCTAssertEqual(try remitctl(["rates", "set", "USD", "USD", "1"]).status, 1)
        XCTAssertEqual(try remitctl(["rates", "set", "USD", "KES", "130", "--as-of", "2099-01-01T00:00:00Z"]).status, 1)
        // An older observation than the one held changes nothing.
        XCTAssertEqual(try remitctl(["rates", "set", "USD", "KES", "100", "--as-of", "2020-01-01T00:00:00Z"]).status, 0)
        XCTAssertTrue(try remitctl(["rates", "list"]).out.contains("USD/KES  129.450000000"))
        let file = daemon.folder.appendingPathComponent("rates.csv").path
        try "# pair, mid, observed\nUSD,KES,131.10,2099-01-01T00:00:00Z\n".write(toFile: file, atomically: true, encoding: .utf8)
        let future = try remitctl(["rates", "import", file])
        XCTAssertEqual(future.status, 1)
        XCTAssertTrue(future.err.contains("rates.csv:2"), future.err)
        try "USD,KES,131.10,2099-01-01T00:00:00Z\n".replacingOccurrences(of: "2099-01-01T00:00:00Z",
                                                                     with: Self.iso(Date().addingTimeInterval(2)))  // newer than the rates set at start
            .write(toFile: file, atomically: true, encoding: .utf8)
        let imported = try remitctl(["rates", "import", file])
        XCTAssertEqual(imported.status, 0, imported.err)
        XCTAssertTrue(try remitctl(["rates", "list"]).out.contains("USD/KES  131.100000000"))
    }
}
