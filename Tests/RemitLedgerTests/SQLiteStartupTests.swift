import Foundation
import GRDBSQLite
@testable import RemitLedger
import XCTest

/// SQLite's memory statistics are off once a ledger has opened (`Ledger.sqliteStartup`): they
/// cost each allocation inside SQLite a process-wide mutex.
final class SQLiteStartupTests: XCTestCase {
    func testALedgerTurnsSQLitesMemoryStatisticsOffBeforeItsFirstConnection() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("remit-startup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledger = try Ledger(path: folder.appendingPathComponent("ledger.sqlite").path)
        switch Ledger.sqliteStartup {
        case SQLITE_OK:
            // Counted from the start, SQLite would hold more than nothing now: off, it counts none.
            XCTAssertEqual(sqlite3_memory_used(), 0)
        case SQLITE_MISUSE:
            // Another test of this process opened a database before any ledger did: too late,
            // as SQLite documents, and nothing changed. (A process that opens a ledger first,
            // as remitd and remitctl do, gets SQLITE_OK.)
            XCTAssertGreaterThan(sqlite3_memory_used(), 0)
        default:
            XCTFail("sqlite3_config answered \(Ledger.sqliteStartup)")
        }
        withExtendedLifetime(ledger) {}
    }
}
