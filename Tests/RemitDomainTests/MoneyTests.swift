import RemitDomain
import XCTest

final class MoneyTests: XCTestCase {
    func testCurrenciesCarryTheirISO4217Exponent() throws {
        XCTAssertEqual(try Currency("USD").exponent, 2)
        XCTAssertEqual(try Currency("JPY").exponent, 0)
        XCTAssertEqual(try Currency("UGX").exponent, 0)
        XCTAssertEqual(try Currency("KWD").exponent, 3)
        XCTAssertThrowsError(try Currency("usd"))
        XCTAssertThrowsError(try Currency("XXX"))
    }

    func testArithmeticIsCheckedNeverWrapped() throws {
        let usd = try Currency("USD"), kes = try Currency("KES")
        XCTAssertEqual(try Money(10_000, usd).adding(Money(299, usd)), Money(10_299, usd))
        XCTAssertThrowsError(try Money(.max, usd).adding(Money(1, usd))) { XCTAssertEqual($0 as? MoneyError, .overflow) }
        XCTAssertThrowsError(try Money(.min, usd).subtracting(Money(1, usd)))
        XCTAssertThrowsError(try Money(.min, usd).negated())
        XCTAssertThrowsError(try Money(1, usd).adding(Money(1, kes))) {
            XCTAssertEqual($0 as? MoneyError, .currencyMismatch("USD", "KES"))
        }
    }

    func testFormattingUsesTheCurrencysDecimals() throws {
        XCTAssertEqual(Money(10_299, try Currency("USD")).formatted, "102.99")
        XCTAssertEqual(Money(-5, try Currency("USD")).formatted, "-0.05")
        XCTAssertEqual(Money(1_500, try Currency("JPY")).formatted, "1500")
        XCTAssertEqual(Money(1_000, try Currency("KWD")).formatted, "1.000")
        XCTAssertEqual(Money(.min, try Currency("USD")).formatted, "-92233720368547758.08")
    }
}
