import RemitDomain
import XCTest

final class PricingTests: XCTestCase {
    let usd = try! Currency("USD"), kes = try! Currency("KES"), jpy = try! Currency("JPY"), kwd = try! Currency("KWD")

    func testRatesParseExactly() throws {
        XCTAssertEqual(try Rate("129.45").nanos, 129_450_000_000)
        XCTAssertEqual(try Rate("0.000000001").nanos, 1)
        XCTAssertEqual(try Rate("7").text, "7.000000000")
        for bad in ["", "1.", ".5", "1,5", "-1", "0", "0.0000000001", "1e3", "1000000000"] {
            XCTAssertThrowsError(try Rate(bad), bad)
        }
    }

    func testConversionRoundsDownAndReceiveModeRoundsUp() {
        let rate = try! Rate("129.45")
        XCTAssertEqual(Conversion.payout(send: 10_000, rate: rate, from: usd, to: kes), 1_294_500)
        XCTAssertEqual(Conversion.payout(send: 1, rate: try! Rate("0.5"), from: usd, to: kes), 0)
        XCTAssertEqual(Conversion.send(forPayout: 1_000_000, rate: rate, from: usd, to: kes), 7_725)
        // Exponents 0 and 3: USD 1.00 at 150.5 is JPY 150; KWD 1.000 at 3.25 is USD 3.25.
        XCTAssertEqual(Conversion.payout(send: 100, rate: try! Rate("150.5"), from: usd, to: jpy), 150)
        XCTAssertEqual(Conversion.payout(send: 1_000, rate: try! Rate("3.25"), from: kwd, to: usd), 325)
        // Whatever the amount, receive mode pays at least what was asked and at most one minor unit of send more.
        for payout in stride(from: Int64(1), to: 2_000_000, by: 7_919) {
            let send = Conversion.send(forPayout: payout, rate: rate, from: usd, to: kes)!
            XCTAssertGreaterThanOrEqual(Conversion.payout(send: send, rate: rate, from: usd, to: kes)!, payout)
            XCTAssertLessThan(Conversion.payout(send: send - 1, rate: rate, from: usd, to: kes)!, payout)
        }
        XCTAssertNil(Conversion.payout(send: .max, rate: rate, from: usd, to: kes))
        XCTAssertNil(Conversion.payout(send: -1, rate: rate, from: usd, to: kes))
    }

    func testLegsAlwaysAddUpToThePayout() {
        XCTAssertEqual(LegSplit.amounts(payout: 100, shares: [3_333, 3_333, 3_334]), [34, 33, 33])
        XCTAssertEqual(LegSplit.amounts(payout: 3_236_250, shares: [7_000, 3_000]), [2_265_375, 970_875])
        XCTAssertEqual(LegSplit.amounts(payout: .max, shares: [5_000, 5_000]).reduce(0, &+), .max)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1_000 {
            let count = Int.random(in: 1...8, using: &generator)
            var shares = (0..<count - 1).map { _ in UInt16.random(in: 1...1_000, using: &generator) }
            shares.append(UInt16(10_000 - shares.reduce(0) { $0 + Int($1) }))
            let payout = Int64.random(in: 0...10_000_000_000, using: &generator)
            let amounts = LegSplit.amounts(payout: payout, shares: shares)
            XCTAssertEqual(amounts.reduce(0, +), payout)
            XCTAssertTrue(amounts.allSatisfy { $0 >= 0 })
        }
    }

    func testFees() {
        XCTAssertEqual(FeeSchedule(fixed: 199, basisPoints: 50).fee(on: 10_000), 249)
        XCTAssertEqual(FeeSchedule(fixed: 0, basisPoints: 50, minimum: 100).fee(on: 10_000), 100)
        XCTAssertEqual(FeeSchedule(fixed: 0, basisPoints: 100, maximum: 500).fee(on: 1_000_000), 500)
        XCTAssertNil(FeeSchedule(fixed: 0, basisPoints: 100).fee(on: .max))
    }

    func testAmountsParseWithoutRounding() {
        XCTAssertEqual(Money.parseMinorUnits("100.00", usd), 10_000)
        XCTAssertEqual(Money.parseMinorUnits("100.5", usd), 10_050)
        XCTAssertEqual(Money.parseMinorUnits("100", usd), 10_000)
        XCTAssertEqual(Money.parseMinorUnits("-1.25", usd), -125)
        XCTAssertEqual(Money.parseMinorUnits("150", jpy), 150)
        XCTAssertEqual(Money.parseMinorUnits("1.234", kwd), 1_234)
        for bad in ["1.005", "1.", ".5", "1,00", "", "1e2", "150.0x", "99999999999999999999"] {
            XCTAssertNil(Money.parseMinorUnits(bad, usd), bad)
        }
        XCTAssertNil(Money.parseMinorUnits("1.5", jpy))
    }
}

final class CalendarTests: XCTestCase {
    func testBirthDatesAndTheUTCDate() {
        XCTAssertEqual(UTCTime(1_795_435_200_000).yyyymmdd, 20_261_123)
        XCTAssertEqual(UTCTime(-1).yyyymmdd, 19_691_231)
        XCTAssertTrue(PartyRules.isValidBirthDate(20_000_229, today: 20_261_123))   // a leap day
        XCTAssertFalse(PartyRules.isValidBirthDate(19_000_229, today: 20_261_123))  // 1900 was not leap
        XCTAssertFalse(PartyRules.isValidBirthDate(20_261_124, today: 20_261_123))
        XCTAssertFalse(PartyRules.isValidBirthDate(20_201_301, today: 20_261_123))
        XCTAssertTrue(PartyRules.isValidPhone(254_712_345_678))
        XCTAssertFalse(PartyRules.isValidPhone(1_234_567))
        XCTAssertFalse(PartyRules.isValidPhone(1_000_000_000_000_000))
    }
}
