import GRDB
@testable import RemitLedger
import XCTest

/// What operations and the metrics scrape look for (transfers in review or in doubt, legs waiting
/// for operations) is a handful of rows in a ledger of millions: each query reads a partial
/// index of those rows, never the whole table.
final class QueryPlanTests: LedgerTestCase {
    func plan(_ sql: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            let explain = try db.makeStatement(sql: "EXPLAIN QUERY PLAN " + sql)
            explain.setUncheckedArguments([])
            return try Row.fetchAll(explain).map { $0["detail"] as String }
        }
    }

    func testOperationsQueriesReadTheirPartialIndexes() throws {
        ledger = nil
        for (sql, index) in [(Ledger.transfersInReviewSQL, "transfer_in_review"),
                             (Ledger.legsInDoubtSQL, "leg_awaiting_operations"),
                             (Ledger.payoutsInReviewSQL, "leg_awaiting_operations"),
                             (Ledger.inDoubtCountSQL, "transfer_in_doubt")] {
            let steps = try plan(sql)
            XCTAssertTrue(steps.contains { $0.contains("USING INDEX \(index)") || $0.contains("USING COVERING INDEX \(index)") },
                          "\(sql): \(steps)")
            XCTAssertFalse(steps.contains { $0.hasPrefix("SCAN") && !$0.contains("INDEX") }, "\(sql): \(steps)")
        }
    }
}
