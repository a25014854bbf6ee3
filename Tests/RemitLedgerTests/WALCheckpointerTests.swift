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
}
