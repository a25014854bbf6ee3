import GRDB
@testable import RemitLedger
import XCTest

/// The write path's statements do no hidden work per execution.
final class HotPathTests: LedgerTestCase {
    /// A CHECK such as `state IN ('pending', 'posted', 'voided')` makes SQLite build a temporary
    /// table of the values each time the statement runs (an `OpenEphemeral` step in its program):
    /// about a quarter of the accept path's time until v18. Any statement the writer runs per
    /// transfer or per payout must compile without one.
    func testNoWriteStatementBuildsATemporaryTable() async throws {
        ledger = nil
        var statements = HotSQL.allCases.filter { ![.savepoint, .release, .rollbackTo].contains($0) }.map(\.sql)
        // A hold's state changes on the payout path (Holds.post, finish and close), in its leg's
        // row or, for other holds, in the hold table.
        statements += [Holds.updateTableSQL, Holds.updateLegSQL]
        let queue = try DatabaseQueue(path: path)
        for sql in statements {
            let opcodes = try await queue.read { db in
                // Unbound parameters are NULL, which compiling the program does not mind.
                let explain = try db.makeStatement(sql: "EXPLAIN " + sql)
                explain.setUncheckedArguments([])
                return try Row.fetchAll(explain).map { $0["opcode"] as String }
            }
            XCTAssertTrue(opcodes.contains("Halt"), "\(sql) compiled: \(opcodes)")
            XCTAssertFalse(opcodes.contains("OpenEphemeral"), sql)
        }
    }
}
