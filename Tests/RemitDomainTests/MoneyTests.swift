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

final class TransferIDTests: XCTestCase {
    func testTextFormAndBytesRoundTrip() {
        let id = TransferID(high: 0x0191_F3C2_7A10_7C4E, low: 0x9D2B_3F6A_8E1C_5B07)
        XCTAssertEqual(id.description, "0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07")
        XCTAssertEqual(TransferID(bytes: id.bytes), id)
        XCTAssertEqual(TransferID(high: 0, low: 0).description, "00000000-0000-0000-0000-000000000000")
        XCTAssertNil(TransferID(bytes: [1, 2, 3]))
    }

    func testTransferStatesOnlyMoveForward() {
        XCTAssertTrue(TransferState.accepted.canMove(to: .dispatched))
        XCTAssertFalse(TransferState.dispatched.canMove(to: .accepted))
        XCTAssertTrue(TransferState.refunded.isFinal)
        XCTAssertFalse(LegState.paid.canMove(to: .failed))
    }
}
