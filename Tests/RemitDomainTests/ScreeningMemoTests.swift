@testable import RemitDomain
import XCTest

/// The memo's bound: never more than its capacity, and a full memo starts again with the newest.
final class ScreeningMemoTests: XCTestCase {
    func testAFullMemoStartsAgainWithTheNewestResult() {
        let memo = ScreeningMemo(capacity: 2)
        let clear = Screener.Result(decision: .clear, score: 0)
        let keys = ["A", "B", "C"].map { ScreeningMemo.Key(name: $0, dateOfBirth: 0, country: nil) }
        for key in keys { memo.remember(key, clear) }
        XCTAssertEqual(memo.count, 1)
        XCTAssertNil(memo.result(keys[0]))
        XCTAssertEqual(memo.result(keys[2]), clear)

        let off = ScreeningMemo(capacity: 0)
        off.remember(keys[0], clear)
        XCTAssertEqual(off.count, 0)
        XCTAssertNil(off.result(keys[0]))
    }
}
