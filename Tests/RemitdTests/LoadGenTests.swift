import Foundation
import GRDB
import RemitDomain
import XCTest

/// The load generator against the real daemon, briefly: it must send what it is told, count
/// what is acknowledged and find every acknowledged transfer in the ledger. Its speed is
/// measured by Benchmarks/run.sh, never asserted here.
final class LoadGenTests: XCTestCase {
    var daemon: Daemon!

    override func setUpWithError() throws {
        daemon = try Daemon.withPayoutsPaused()
    }

    override func tearDown() {
        daemon?.remove()
    }

    func loadgen(_ arguments: [String]) throws -> (status: Int32, report: [String: Any], err: String) {
        let binary = Bundle.main.bundleURL.appendingPathComponent("remit-loadgen").path
        let result = try runProgram(binary, arguments + ["--state-dir", daemon.stateDir.path,
                                                         "--gateway", "127.0.0.1:\(daemon.port)", "--json"], holdOpen: 0)
        let report = (try? JSONSerialization.jsonObject(with: result.out) as? [String: Any]) ?? [:]
        return (result.status, report, result.err)
    }

    func testClosedLoopBatchesAreAllAcknowledgedAndInTheLedger() throws {
        let run = try loadgen(["--transfers", "500", "--batch", "50", "--connections", "2", "--window", "2"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(run.report["acknowledged"] as? Int, 500)
        XCTAssertEqual((run.report["ledger"] as? [String: Int])?["missing"], 0)
        XCTAssertEqual((run.report["ledger"] as? [String: Int])?["checked"], 500)
        // Ids increase by one within each batch (PROTOCOL.md's advice for ids made together):
        // transfer n + 1 follows transfer n in every batch, 10 batches of 50 make 490 such pairs.
        var configuration = Configuration()
        configuration.readonly = true
        let rows = try DatabaseQueue(path: daemon.path("ledger.sqlite"), configuration: configuration).read { db in
            try Row.fetchAll(db, sql: "SELECT sender_account, transfer_id FROM transfer WHERE operator_id = 'ACME'")
        }
        var ids = [Int: TransferID]()
        for row in rows {
            let account: String = row["sender_account"], bytes: Data = row["transfer_id"]
            ids[Int(account.dropFirst("LOAD-".count))!] = TransferID(bytes: [UInt8](bytes))
        }
        XCTAssertEqual(ids.count, 500)
        let following = ids.filter { n, id in
            ids[n + 1].map { $0.high == id.high && $0.low == id.low + 1 } ?? false
        }
        XCTAssertEqual(following.count, 490)
        XCTAssertTrue(ids.values.allSatisfy { $0.high >> 12 & 0xF == 7 && $0.low >> 62 == 0b10 }, "UUIDv7 with the RFC 9562 variant")
        let latency = try XCTUnwrap(run.report["latencyMicros"] as? [String: Int])
        XCTAssertLessThanOrEqual(latency["p50"]!, latency["p99"]!)
        XCTAssertLessThanOrEqual(latency["p99"]!, latency["max"]!)
    }

    func testOpenLoopAcrossTwoOperatorsWithFunding() throws {
        let run = try loadgen(["--transfers", "60", "--rate", "200", "--batch", "1", "--connections", "4", "--window", "4",
                               "--operator", "ACME", "--operator", "BETA", "--fund", "1000.00"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(run.report["mode"] as? String, "open")
        XCTAssertEqual(run.report["acknowledged"] as? Int, 60)
        XCTAssertEqual((run.report["ledger"] as? [String: Int])?["missing"], 0)
    }

    func testRefusalsAreCountedByCodeAndFailTheRun() throws {
        // BETA's prefund in GBP cannot hold this many transfers after it is emptied.
        let emptied = try daemon.remitctl(["operators", "withdraw", "BETA", "--amount", "500000.00", "--reference", "empty"])
        XCTAssertEqual(emptied.status, 0, emptied.err)
        let run = try loadgen(["--transfers", "5", "--operator", "BETA"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual((run.report["refused"] as? [String: Int])?["5001 INSUFFICIENT_FUNDS"], 5, "\(run.report)")
    }

    func testUsageErrorsExit64() throws {
        let run = try loadgen(["--batch", "9000", "--transfers", "1"])
        XCTAssertEqual(run.status, 64)
    }
}
