import Foundation
import GRDB
@testable import RemitLedger
import XCTest

/// When the WAL hook asks for a checkpoint: at SQLite's 1,000 pages, then after each 1,000 more,
/// and in the writer itself at the backstop.
final class WALCheckpointerTests: XCTestCase {
    /// A folder of the test's own, removed when it ends.
    private func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("remit-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    func testACheckpointIsAskedForEachThousandPagesAndTheWriterCheckpointsAtTheBackstop() {
        typealias C = WALCheckpointer
        XCTAssertTrue(C.after(frames: 999, askedAt: 0) == (.none, 0))
        XCTAssertTrue(C.after(frames: 1_000, askedAt: 0) == (.ask, 1_000))
        XCTAssertTrue(C.after(frames: 1_900, askedAt: 1_000) == (.none, 1_000), "not after every commit past 1,000")
        XCTAssertTrue(C.after(frames: 2_000, askedAt: 1_000) == (.ask, 2_000))
        XCTAssertTrue(C.after(frames: 9_000, askedAt: 1_000) == (.ask, 9_000), "one commit of many pages")
        XCTAssertTrue(C.after(frames: 40, askedAt: 9_000) == (.none, 0), "the WAL started over")
        XCTAssertTrue(C.after(frames: 1_040, askedAt: 9_000) == (.ask, 1_040), "started over and past 1,000 again")
        XCTAssertTrue(C.after(frames: C.writerBackstopFrames, askedAt: 16_000) == (.checkpointHere, 0))
        XCTAssertTrue(C.after(frames: C.writerBackstopFrames + 500, askedAt: 0) == (.checkpointHere, 0),
                      "a WAL a reader keeps from starting over: the writer checkpoints after each commit, as SQLite would")
    }

    /// A checkpoint that fails is counted, and the next request runs another.
    func testAFailedCheckpointIsCountedAndTheNextRuns() async throws {
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("ledger.sqlite").path
        // The ledger makes the file a WAL database; a read-only connection cannot checkpoint it.
        let ledger = try Ledger(path: path)
        var readOnly = Configuration()
        readOnly.readonly = true
        let failing = try WALCheckpointer(path: path, configuration: readOnly)
        failing.requestCheckpoint()
        await failing.idle()
        XCTAssertTrue(failing.statistics == (1, 1), "\(failing.statistics)")
        failing.requestCheckpoint()
        await failing.idle()
        XCTAssertTrue(failing.statistics == (2, 2), "\(failing.statistics)")
        withExtendedLifetime(ledger) {}
    }

    /// A WAL that a reader let grow past `Ledger.walSizeLimit` is cut back to it when it starts
    /// over: the limit is on the writer's connection, whose commit restarts it (all the ledger's
    /// connections share one configuration).
    func testTheLedgersConnectionsCutAGrownWALBackToTheLimit() async throws {
        let folder = try temporaryFolder()
        let ledger = try Ledger(path: folder.appendingPathComponent("ledger.sqlite").path)
        let limit = try await ledger.pool.write { try Int.fetchOne($0, sql: "PRAGMA journal_size_limit") }
        XCTAssertEqual(limit, Ledger.walSizeLimit)
        XCTAssertEqual(Ledger.walSizeLimit, 128 << 20)
    }

    /// When the checkpointer cannot keep up (here: every one of its checkpoints fails), the
    /// writer copies the WAL into the file itself once it holds the backstop's 16,384 pages, as
    /// SQLite's automatic checkpoint would, and the WAL starts over instead of growing.
    func testTheWriterCheckpointsItselfAtTheBackstop() async throws {
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("wal.sqlite").path
        let writer = try DatabaseQueue(path: path)
        try await writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "CREATE TABLE chunk (bytes BLOB NOT NULL)")
        }
        var readOnly = Configuration()
        readOnly.readonly = true
        let checkpointer = try WALCheckpointer(path: path, configuration: readOnly)
        try await writer.writeWithoutTransaction { db in checkpointer.install(on: db) }
        // 72 commits of 1 MiB: about 18,500 pages, past the backstop once.
        let chunk = Data(repeating: 7, count: 1 << 20)
        for _ in 0..<72 {
            try await writer.write { try $0.execute(sql: "INSERT INTO chunk (bytes) VALUES (?)", arguments: [chunk]) }
        }
        await checkpointer.idle()
        let (runs, failures) = checkpointer.statistics
        XCTAssertGreaterThan(runs, 0)
        XCTAssertEqual(failures, runs, "the checkpointer's own checkpoints all fail")
        func size(_ file: String) throws -> Int {
            try XCTUnwrap(FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        }
        // The file holds what the writer copied at 16,384 pages; the WAL, restarted after it,
        // holds the commits since (about 2,000 pages) in its reused space.
        XCTAssertGreaterThan(try size(path), 60 << 20)
        let count = try await writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM chunk") }
        XCTAssertEqual(count, 72)
        withExtendedLifetime(checkpointer) {}
    }
}
