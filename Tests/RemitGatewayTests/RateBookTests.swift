@testable import RemitGateway
import RemitDomain
import XCTest

final class RateBookTests: XCTestCase {
    let now: Int64 = 1_795_435_200_000  // 2026-11-23T12:00Z

    func testARatesFileIsReadWholeOrNotAtAll() throws {
        let rates = try RateBook.parse("""
            # pair, mid, observed
            USD,KES,129.45,2026-11-23T11:00:00Z
            GBP, KES, 164.2, 2026-11-23T11:30:00.250Z   # spaces and a comment

            """, file: "rates.csv", now: now)
        XCTAssertEqual(rates.map { "\($0.base)\($0.quote) \($0.mid.text) \($0.asOf)" },
                       ["USDKES 129.450000000 1795431600000", "GBPKES 164.200000000 1795433400250"])
        let cases: [(String, String)] = [
            ("USD,KES,129.45", "rates.csv:1: expected BASE,QUOTE,MID,AS_OF"),
            ("USD,KES,129.45,2026-11-23T11:00:00Z\nUSD,KEX,1,2026-11-23T11:00:00Z", "rates.csv:2: \"KEX\" is not an ISO 4217"),
            ("USD,KES,1.0000000001,2026-11-23T11:00:00Z", "rates.csv:1: \"1.0000000001\" has more than 9 decimals"),
            ("USD,KES,129.45,yesterday", "rates.csv:1: \"yesterday\" is not a UTC time"),
            ("USD,KES,129.45,2026-11-23T13:00:00Z", "rates.csv:1: 2026-11-23T13:00:00Z is in the future"),
            ("USD,USD,1,2026-11-23T11:00:00Z", "rates.csv:1: a rate between USD and itself"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try RateBook.parse(text, file: "rates.csv", now: now), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }
}
