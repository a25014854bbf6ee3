import GRDB
import RemitDomain
import RemitLedger
import Synchronization
import XCTest

final class BackupTests: LedgerTestCase {
    func testABackupTakenWhileTheWriterRunsIsConsistent() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        let stop = Atomic<Bool>(false)
        let writers = Task { [ledger, usd] in
            var round = 0
            while !stop.load(ordering: .relaxed) {
                round += 1
                _ = await ledger!.apply([
                    .fund(operatorId: "ACME", amount: Money(100, usd), reference: "r\(round)"),
                    .hold(id: "h\(round)", operatorId: "ACME", amount: Money(60, usd), expiresAt: .max),
                ])
            }
        }
        var backups = [String]()
        for index in 0..<5 {
            try await Task.sleep(for: .milliseconds(20))
            let destination = folder.appendingPathComponent("backup-\(index).sqlite").path
            try ledger.backup(to: destination)
            backups.append(destination)
        }
        stop.store(true, ordering: .relaxed)
        await writers.value
        var previous: Int64 = 0
        for path in backups {
            let copy = try Ledger.openForReading(path: path)
            let report = try copy.verify()
            XCTAssertTrue(report.isClean, "\(path): \(report)")
            // Each copy is one moment: prefund plus holds equals what was funded by then.
            let funded = try XCTUnwrap(try copy.balance(.settlement(usd)))
            let prefund = try XCTUnwrap(try copy.balance(.operatorPrefund("ACME", usd)))
            let held = try XCTUnwrap(try copy.balance(.operatorHolds("ACME", usd)))
            XCTAssertEqual(prefund + held, funded)
            XCTAssertGreaterThan(funded, previous, "each backup was taken while the writer ran")
            previous = funded
        }
        XCTAssertThrowsError(try ledger.backup(to: backups[0])) {
            XCTAssertEqual($0 as? LedgerOpenError, .backupExists(backups[0]))
        }
    }

    func testReadingNeverWritesAndRefusesANewerSchema() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        let reader = try Ledger.openForReading(path: path)
        XCTAssertEqual(try reader.balance(.operatorPrefund("ACME", usd)), 0)
        let outcome = await reader.apply(.fund(operatorId: "ACME", amount: usd(1), reference: "x"))
        guard case .rejected(.storage) = outcome else { return XCTFail("a reader wrote: \(outcome)") }

        XCTAssertThrowsError(try Ledger.openForReading(path: folder.appendingPathComponent("none.sqlite").path))
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99: from the future')")
        }
        XCTAssertThrowsError(try Ledger.openForReading(path: path)) {
            XCTAssertEqual($0 as? LedgerOpenError, .newerSchema(self.path))
        }
        ledger = nil  // one writer per ledger
        XCTAssertThrowsError(try Ledger(path: path)) {
            XCTAssertEqual($0 as? LedgerOpenError, .newerSchema(self.path))
        }
    }
}
