import GRDB
@testable import RemitLedger
import XCTest

/// What operations and the metrics scrape look for (transfers in review or in doubt, legs waiting
/// for operations, overdue holds) is a handful of rows in a ledger of millions: each query reads
/// a partial index of those rows, never the whole table.
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
        // Legs are in two places (v26: the first in its transfer's row): a query reads both.
        let legs = ["transfer_leg_awaiting_operations", "leg_awaiting_operations"]
        for (sql, indexes) in [(Ledger.transfersInReviewSQL, ["transfer_in_review"]),
                               (Ledger.legsInDoubtSQL, legs),
                               (Ledger.payoutsInReviewSQL, legs),
                               (Ledger.inDoubtCountSQL, ["transfer_in_doubt"]),
                               (Ledger.legTableWorkSQL, ["leg_outbox"]),
                               (OutboxRuns.liveSQL, ["outbox_run_live"]),
                               (Ledger.outboxDepthSQL, ["outbox_run_live", "leg_outbox"]),
                               (HoldGroups.overdueSQL, ["hold_pending_by_expiry", "hold_group_pending_by_expiry"])] {
            let steps = try plan(sql)
            for index in indexes {
                XCTAssertTrue(steps.contains { $0.contains("USING INDEX \(index)") || $0.contains("USING COVERING INDEX \(index)") },
                              "\(sql): \(steps)")
            }
            XCTAssertFalse(steps.contains { $0.hasPrefix("SCAN") && !$0.contains("INDEX") && $0 != "SCAN CONSTANT ROW" },
                           "\(sql): \(steps)")
        }
    }

    /// The dispatcher takes the oldest legs of both places without sorting the outbox: the leg
    /// table's in order from its index, the live outbox runs in order from theirs, and each run's
    /// first legs by their transfer's key.
    func testTheDispatcherReadsTheOutboxInOrder() throws {
        ledger = nil
        for sql in [Ledger.legTableWorkSQL, OutboxRuns.liveSQL] {
            let steps = try plan(sql)
            XCTAssertFalse(steps.contains { $0.contains("USE TEMP B-TREE") }, "\(steps)")
        }
        XCTAssertEqual(try plan(Ledger.firstLegWorkSQL), ["SEARCH transfer USING PRIMARY KEY (operator_id=? AND transfer_id=?)"])
    }
}
