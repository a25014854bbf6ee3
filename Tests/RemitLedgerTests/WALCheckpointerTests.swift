import Foundation
import GRDB
@testable import RemitLedger
import XCTest

/// When the WAL hook asks for a checkpoint: at SQLite's 1,000 pages, then after each 1,000 more,
/// and in the writer itself at the backstop.
final class WALCheckpointerTests: XCTestCase {
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
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("remit-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
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
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("remit-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledger = try Ledger(path: folder.appendingPathComponent("ledger.sqlite").path)
        let limit = try await ledger.pool.write { try Int.fetchOne($0, sql: "PRAGMA journal_size_limit") }
        XCTAssertEqual(limit, Ledger.walSizeLimit)
        XCTAssertEqual(Ledger.walSizeLimit, 128 << 20)
    }
}
