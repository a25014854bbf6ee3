import Foundation
import GRDB
import RemitDomain
import RemitLedger
import XCTest

/// `remitctl verify | trial-balance | export | backup` against a real ledger file.
final class LedgerCommandTests: XCTestCase {
    var folder: URL!
    var database: String { folder.appendingPathComponent("ledger.sqlite").path }

    override func setUp() async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("remitctl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let usd = try Currency("USD")
        let ledger = try Ledger(path: database, clock: { 1_795_435_200_000 })
        let outcomes = await ledger.apply([
            .openOperator(id: "ACME", currency: usd, creditLimit: 0),
            .openAccount(.feeRevenue(usd)),
            .fund(operatorId: "ACME", amount: Money(1_000_000, usd), reference: "wire 1"),
            .hold(id: "t1", operatorId: "ACME", amount: Money(10_299, usd), expiresAt: .max),
            .post(holdId: "t1", credits: [Posting(.feeRevenue(usd), credit: Money(299, usd)),
                                          Posting(.settlement(usd), credit: Money(10_000, usd))], final: true),
        ])
        XCTAssertTrue(outcomes.allSatisfy(\.isDone), "\(outcomes)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func remitctl(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try Executables.run("remitctl", arguments + ["--database", database])
    }

    func testVerifyPassesThenFindsAnEdit() throws {
        let clean = try remitctl(["verify"])
        XCTAssertEqual(clean.status, 0, clean.err)
        XCTAssertTrue(clean.out.hasPrefix("ledger verified: 3 entries"), clean.out)
        try DatabaseQueue(path: database).write { try $0.execute(sql: "UPDATE entry SET reference = 'x' WHERE id = 1") }
        let broken = try remitctl(["verify"])
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.out.contains("entry 1: hash does not match its content"), broken.out)
    }

    func testTrialBalanceForPeopleAndForScripts() throws {
        let table = try remitctl(["trial-balance"])
        XCTAssertEqual(table.status, 0, table.err)
        XCTAssertTrue(table.out.contains("operator/ACME/prefund/USD"), table.out)
        XCTAssertTrue(table.out.contains("9897.01"), table.out)
        XCTAssertTrue(table.out.contains("total USD (debits − credits): 0.00"), table.out)
        let json = try remitctl(["trial-balance", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as! [String: Any]
        XCTAssertEqual(object["balanced"] as? Bool, true)
        let accounts = object["accounts"] as! [[String: Any]]
        let fees = accounts.first { $0["account"] as? String == "revenue/fees/USD" }
        XCTAssertEqual(fees?["balanceMinor"] as? Int, 299)
    }

    func testExportWritesEachFormat() throws {
        for format in ["beancount", "hledger", "csv"] {
            let output = folder.appendingPathComponent("export.\(format)").path
            let result = try remitctl(["export", "--format", format, "--output", output])
            XCTAssertEqual(result.status, 0, result.err)
            XCTAssertTrue(try String(contentsOfFile: output, encoding: .utf8).contains("ACME"), format)
        }
        XCTAssertEqual(try remitctl(["export", "--format", "xml"]).status, 64)
        XCTAssertEqual(try remitctl(["export", "--format", "csv", "--from", "2026-13-01"]).status, 64)
    }

    func testBackupWritesAVerifiedCopyAndNeverOverwrites() throws {
        let copy = folder.appendingPathComponent("copy.sqlite").path
        let first = try remitctl(["backup", copy])
        XCTAssertEqual(first.status, 0, first.err)
        XCTAssertTrue(first.out.contains("ledger verified"), first.out)
        let again = try remitctl(["backup", copy])
        XCTAssertEqual(again.status, 73)
        XCTAssertTrue(again.err.contains("exists already"), again.err)
    }

    func testAMissingLedgerIsAClearError() throws {
        let result = try Executables.run("remitctl", ["verify", "--database", folder.appendingPathComponent("no.sqlite").path])
        XCTAssertEqual(result.status, 66)
        XCTAssertTrue(result.err.contains("no ledger at"), result.err)
    }
}
