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
        // A leg's hold that leaves pending leaves its group's count.
        // A first leg that leaves the outbox leaves its run's count.
        statements += [Holds.updateTableSQL, Holds.updateLegSQL(.transferRow), Holds.updateLegSQL(.legTable), HoldGroups.leaveSQL,
                       OutboxRuns.leaveSQL]
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

    /// Texts and blobs are bound from the statements' shared arena, which each statement takes
    /// back when it is reset: what was written must still be what was bound, a value too large
    /// for the arena goes through SQLite's own copy, and an empty text stays text.
    func testBoundTextsAndBlobsAreWrittenAsGiven() async throws {
        ledger = nil
        let queue = try DatabaseQueue(path: path)
        let large = String(repeating: "ß", count: BindArena.capacity)  // twice the arena in UTF-8
        let events: [(String, [UInt8], String)] = [
            ("first", [1, 2, 3], "Grace Wanjiru"), ("second", [7], ""), ("third", Array(0..<16), large),
            ("fourth", [9], "M\u{E4}rta \u{1F600}"),
        ]
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO operator (id, created_at) VALUES ('ACME', 0)")
            let statements = HotStatements()
            for (sequence, (state, transfer, reference)) in events.enumerated() {
                try statements.run(db, .insertEvent) {
                    $0.text("ACME")
                    $0.int(Int64(sequence + 1))
                    $0.blob(transfer)
                    $0.null()
                    $0.text(state)
                    $0.int(0)
                    $0.text(reference)
                    $0.int(0)
                }
            }
        }
        let rows = try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT state, transfer_id, partner_reference FROM event ORDER BY sequence")
        }
        XCTAssertEqual(rows.count, events.count)
        for (row, (state, transfer, reference)) in zip(rows, events) {
            XCTAssertEqual(row["state"] as String?, state)
            XCTAssertEqual(row["partner_reference"] as String?, reference)
            XCTAssertEqual((row["transfer_id"] as Data?).map(Array.init), transfer, state)
        }
    }
}
