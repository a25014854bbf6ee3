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

    func testFeeTiersByAmount() {
        // 2.99 below 500.00; 0.99 plus 0.8 % from 500.00; 1.5 % from 2,000.00; never above 40.00.
        let fee = FeeSchedule(tiers: [.init(from: 0, fixed: 299), .init(from: 50_000, fixed: 99, basisPoints: 80),
                                      .init(from: 200_000, fixed: 0, basisPoints: 150)], maximum: 4_000)
        XCTAssertEqual(fee.fee(on: 1), 299)
        XCTAssertEqual(fee.fee(on: 49_999), 299)
        XCTAssertEqual(fee.fee(on: 50_000), 99 + 400)
        XCTAssertEqual(fee.fee(on: 199_999), 99 + 1_599)
        XCTAssertEqual(fee.fee(on: 200_000), 3_000)
        XCTAssertEqual(fee.fee(on: 1_000_000), 4_000, "the maximum caps every tier")
        XCTAssertEqual(fee.tier(for: 50_000).from, 50_000)
    }

    /// Each leg's send part splits exactly into the cost at the mid rate, the margin and the
    /// rounding remainder, at the edges of each exponent: JPY 0, USD 2, KWD 3.
    func testFXSettlementAccountsForEveryMinorUnit() throws {
        // USD 100.00 at 127.50825 (mid 129.45): KES 12,750.82, the half cent kept back.
        let kenya = try XCTUnwrap(FXSettlement(sendPart: 10_000, payout: 1_275_082, applied: try Rate("127.50825"),
                                               reference: try Rate("129.45"), from: usd, to: kes))
        XCTAssertEqual([kenya.atReference, kenya.margin, kenya.rounding], [9_849, 150, 1])
        // USD 0.01 at 150.5: JPY 1 (1.505 rounded down); the rest of the cent is rounding.
        let yen = try XCTUnwrap(FXSettlement(sendPart: 1, payout: 1, applied: try Rate("150.5"), reference: try Rate("150.5"),
                                             from: usd, to: jpy))
        XCTAssertEqual([yen.atReference, yen.margin, yen.rounding], [0, 0, 1])
        // KWD 0.001 at 3.25 is USD 0.00: the whole fils is rounding.
        let dinar = try XCTUnwrap(FXSettlement(sendPart: 1, payout: 0, applied: try Rate("3.25"), reference: try Rate("3.3"),
                                               from: kwd, to: usd))
        XCTAssertEqual([dinar.atReference, dinar.margin, dinar.rounding], [0, 0, 1])
        // JPY 1,000 at 0.00665 (mid 0.0067) to USD 6.65: worth JPY 992.53 at the mid rate.
        let back = try XCTUnwrap(FXSettlement(sendPart: 1_000, payout: 665, applied: try Rate("0.00665"),
                                              reference: try Rate("0.0067"), from: jpy, to: usd))
        XCTAssertEqual([back.atReference, back.margin, back.rounding], [992, 8, 0])
        // Whatever the amounts and rates, the parts add up, the whole transfer's rounding is never
        // negative, and it is less than one payout minor unit's worth plus one.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let pair = [(usd, kes), (usd, jpy), (kwd, usd), (jpy, kwd), (usd, usd)].randomElement(using: &generator)!
            let reference = Rate(nanos: Int64.random(in: 1_000_000...500_000_000_000, using: &generator))
            let applied = reference.lessMargin(basisPoints: Int64.random(in: 0...500, using: &generator))!
            let send = Int64.random(in: 1...10_000_000_000, using: &generator)
            guard let payout = Conversion.payout(send: send, rate: applied, from: pair.0, to: pair.1) else { continue }
            let whole = try XCTUnwrap(FXSettlement(sendPart: send, payout: payout, applied: applied, reference: reference,
                                                   from: pair.0, to: pair.1))
            XCTAssertEqual(whole.atReference + whole.margin + whole.rounding, send)
            XCTAssertGreaterThanOrEqual(whole.rounding, 0)
            XCTAssertGreaterThanOrEqual(whole.margin, 0)
            let oneUnit = Conversion.send(forPayout: 1, rate: applied, from: pair.0, to: pair.1)!
            XCTAssertLessThanOrEqual(whole.rounding, oneUnit + 1)
            // Split into legs, the legs' parts still add up to the whole.
            let shares: [UInt16] = [7_000, 2_000, 1_000]
            let sends = LegSplit.amounts(payout: send, shares: shares), payouts = LegSplit.amounts(payout: payout, shares: shares)
            let legs = zip(sends, payouts).map {
                FXSettlement(sendPart: $0, payout: $1, applied: applied, reference: reference, from: pair.0, to: pair.1)!
            }
            XCTAssertEqual(legs.map { $0.atReference + $0.margin + $0.rounding }.reduce(0, +), send)
        }
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
