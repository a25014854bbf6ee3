import Foundation
import RemitClient
import RemitProtocol
import XCTest

/// A backup taken by `remitctl backup` while operators send transfers, restored with `remitctl
/// restore` in place of the ledger: it verifies, and every transfer acknowledged before the
/// backup began is in it with its amounts. What an operations person would do after losing the
/// ledger file.
final class BackupRestoreTests: XCTestCase {
    /// Blocking work (a child process) off the cooperative threads the load runs on.
    func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    func testABackupUnderLoadRestoresWithEverythingAcknowledgedBeforeIt() async throws {
        var daemon = try Daemon()
        defer { daemon.remove() }
        let backups = daemon.folder.appendingPathComponent("backups").path
        try FileManager.default.createDirectory(atPath: backups, withIntermediateDirectories: true)

        // Load: batches of 20 from two connections until told to stop, each acknowledgement noted
        // with the moment it arrived.
        let acknowledged = Acknowledged()
        let clients = [try await daemon.connect(), try await daemon.connect()]
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in clients {
                    group.addTask {
                        while !acknowledged.stopped {
                            let batch = (0..<20).map { _ in GatewayTests.transfer(.random(), amount: Int64.random(in: 100...900)) }
                            let results = try await client.submit(batch)
                            acknowledged.add(zip(batch, results).filter { $0.1.errorCode == .none }.map { ($0.0.transferId, $0.0.amount) })
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        try await Task.sleep(for: .seconds(1))
        let backupStarted = ContinuousClock.now
        let running = daemon
        let remitctl = { @Sendable (arguments: [String]) in try running.remitctl(arguments) }
        let first = try await offPool { try remitctl(["backup", "--into", backups, "--keep", "2"]) }
        XCTAssertEqual(first.status, 0, first.err)
        XCTAssertTrue(first.out.contains("backup written to") && first.out.contains("no problem"), first.out)
        try await Task.sleep(for: .milliseconds(500))
        acknowledged.stop()
        try await load.value
        for client in clients { try await client.close() }
        let before = acknowledged.list.filter { $0.at < backupStarted }
        let total = acknowledged.list.count
        XCTAssertGreaterThan(before.count, 100, "load ran before the backup")
        XCTAssertGreaterThan(total, before.count, "load ran during the backup")
        let firstCopy = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: backups).first)

        // --keep 2: a third copy removes the first; anything else in the folder is left alone.
        try "notes".write(toFile: backups + "/README", atomically: true, encoding: .utf8)
        for _ in 0..<2 {
            try await Task.sleep(for: .milliseconds(1_100))  // copies are named to the second
            let more = try await offPool { try remitctl(["backup", "--into", backups, "--keep", "2"]) }
            XCTAssertEqual(more.status, 0, more.err)
        }
        let kept = try FileManager.default.contentsOfDirectory(atPath: backups).sorted()
        XCTAssertEqual(kept.count, 3, "\(kept)")
        XCTAssertTrue(kept.contains("README") && !kept.contains(firstCopy), "\(kept)")
        let restoreFrom = backups + "/" + kept.first { $0.hasPrefix("ledger-") && $0.hasSuffix(".sqlite") }!
        XCTAssertEqual(try daemon.remitctl(["backup", "--keep", "2", daemon.path("x.sqlite")]).status, 64)
        XCTAssertEqual(try daemon.remitctl(["backup", "--into", backups, "--keep", "0"]).status, 64)
        XCTAssertEqual(try daemon.remitctl(["backup", "--into", backups + "/README"]).status, 73, "not a folder")

        // Not while the daemon runs.
        let refused = try daemon.remitctl(["restore", restoreFrom])
        XCTAssertEqual(refused.status, 75, refused.err)
        XCTAssertTrue(refused.err.contains("stop it first"), refused.err)
        XCTAssertEqual(daemon.stop(), 0)

        // A copy of a live ledger with pages still in its WAL is not a backup: refused, nothing changed.
        let live = daemon.folder.appendingPathComponent("live.sqlite").path
        try FileManager.default.copyItem(atPath: restoreFrom, toPath: live)
        try Data(repeating: 1, count: 4_096).write(to: URL(fileURLWithPath: live + "-wal"))
        let walBeside = try daemon.remitctl(["restore", live])
        XCTAssertEqual(walBeside.status, 65, walBeside.err)
        XCTAssertTrue(walBeside.err.contains("not a backup"), walBeside.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: daemon.stateDir.path)
            .filter { $0.hasPrefix("ledger.sqlite.replaced-") }, [])

        // A file that is not a ledger is refused and changes nothing.
        XCTAssertEqual(try daemon.remitctl(["restore", backups + "/README"]).status, 66)
        let restored = try daemon.remitctl(["restore", restoreFrom])
        XCTAssertEqual(restored.status, 0, restored.err)
        XCTAssertTrue(restored.out.contains("moved aside: ") && restored.out.contains("no problem"), restored.out)
        let aside = try FileManager.default.contentsOfDirectory(atPath: daemon.stateDir.path).filter { $0.hasPrefix("ledger.sqlite.replaced-") }
        XCTAssertTrue(aside.contains { !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }, "\(aside)")
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)

        // The daemon starts on the restored ledger, and it holds everything acknowledged before.
        daemon = try daemon.restart()
        let client = try await daemon.connect()
        for transfer in before {
            let status = try await client.transfer(transfer.id)
            XCTAssertEqual(status.sendAmount, transfer.amount, "\(transfer.id)")
        }
        try await client.close()
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
        let balance = try daemon.remitctl(["trial-balance", "--json"])
        XCTAssertEqual(balance.status, 0, balance.err)
    }
}

/// Transfers the load had acknowledged, each with the moment its answer arrived.
private final class Acknowledged: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(id: ID128, amount: Int64, at: ContinuousClock.Instant)] = []
    private var done = false

    func add(_ transfers: [(ID128, Int64)]) {
        let now = ContinuousClock.now
        lock.lock()
        entries += transfers.map { ($0.0, $0.1, now) }
        lock.unlock()
    }

    var list: [(id: ID128, amount: Int64, at: ContinuousClock.Instant)] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }

    var stopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return done
    }

    func stop() {
        lock.lock()
        done = true
        lock.unlock()
    }
}
