import Dispatch
import GRDB
import GRDBSQLite
import Synchronization

/// Copies committed pages from the WAL into the ledger's file on a connection and a thread of
/// its own, so that the writer does not. SQLite's automatic checkpoint runs inside the commit
/// that takes the WAL past 1,000 pages, on the writer's thread; with batches of 8,189 transfers
/// that was every commit (the ledger alone: 93,000–95,600/s with it, 100,000–102,600/s with
/// this, four alternating rounds).
///
/// It replaces the automatic checkpoint on the writer's connection with a WAL hook that, at
/// the same 1,000 pages, asks this thread for a checkpoint and returns, and asks again each
/// time 1,000 more pages have been written (a checkpoint beside a busy writer rarely lets the
/// WAL start over, so asking after every commit past 1,000 pages kept one running, with its
/// fsync of the file, all the time). Durability does not depend on it: a commit is durable
/// once its WAL frames are synced. A checkpoint is `PASSIVE`: it copies what no reader still
/// needs and never waits for the writer or a reader, so a slow export only delays it. Should
/// it fall far behind, the hook checkpoints in the writer's connection as SQLite would
/// (`writerBackstopFrames`), which also bounds the WAL.
///
/// ```swift
/// let checkpointer = try WALCheckpointer(path: "remit.sqlite", configuration: configuration)
/// try pool.writeWithoutTransaction { db in checkpointer.install(on: db) }
/// await checkpointer.idle()       // before a checkpoint of the writer's own (at shutdown)
/// ```
final class WALCheckpointer: Sendable {
    /// WAL pages after a commit that ask for a checkpoint: SQLite's own default.
    static let checkpointAfterFrames: Int32 = 1_000
    /// WAL pages after a commit at which the writer checkpoints itself (4 KiB pages: 64 MiB). A
    /// checkpointer that runs one commit behind never lets the WAL be fully copied at the start
    /// of a transaction, which is when SQLite can restart it from its beginning; the writer's
    /// own checkpoint here copies only what is left, and the WAL starts over.
    static let writerBackstopFrames: Int32 = 16_384

    private let connection: DatabaseQueue
    private let queue = DispatchQueue(label: "remit.ledger.checkpoint")
    /// A checkpoint is queued and has not started: later commits need no other.
    private let queued = Atomic<Bool>(false)
    /// The WAL's pages when a checkpoint was last asked for; read and written by the hook only,
    /// on the writer's thread.
    private let askedAt = Atomic<Int32>(0)
    /// Checkpoints run and those that failed (SQLite busy with another checkpoint, an I/O error):
    /// the next 1,000 pages ask again, and the backstop bounds the WAL meanwhile.
    private let counts = Mutex((runs: 0, failures: 0))

    init(path: String, configuration: Configuration) throws {
        connection = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Puts the checkpointer's hook on the writer's connection in place of SQLite's automatic
    /// checkpoint. The hook holds the checkpointer unretained: whoever can commit through the
    /// connection (the ledger, its writer) holds the checkpointer.
    func install(on db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, { context, connection, name, frames in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue()
            let asked = checkpointer.askedAt.load(ordering: .relaxed)
            let (action, askedNow) = WALCheckpointer.after(frames: frames, askedAt: asked)
            checkpointer.askedAt.store(askedNow, ordering: .relaxed)
            switch action {
            case .none: break
            case .ask: checkpointer.requestCheckpoint()
            case .checkpointHere:
                // What SQLite's automatic checkpoint does, in the committing connection.
                _ = sqlite3_wal_checkpoint_v2(connection, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    enum Action: Equatable { case none, ask, checkpointHere }

    /// What a commit that left `frames` pages in the WAL calls for, given the pages when a
    /// checkpoint was last asked for; and the pages to remember. Fewer pages than then means
    /// the WAL started over.
    static func after(frames: Int32, askedAt: Int32) -> (Action, askedAt: Int32) {
        let since = frames < askedAt ? 0 : askedAt
        if frames >= writerBackstopFrames { return (.checkpointHere, 0) }
        if frames >= checkpointAfterFrames && frames - since >= checkpointAfterFrames { return (.ask, frames) }
        return (.none, since)
    }

    /// Asks for a checkpoint; returns at once. One queued checkpoint serves every request made
    /// before it starts.
    func requestCheckpoint() {
        guard queued.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        queue.async { [self] in
            queued.store(false, ordering: .releasing)
            let failed: Bool
            do {
                try connection.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
                failed = false
            } catch {
                failed = true
            }
            counts.withLock { $0.runs += 1; if failed { $0.failures += 1 } }
        }
    }

    /// Returns once no checkpoint is running or queued from before the call.
    func idle() async {
        await withCheckedContinuation { continuation in queue.async { continuation.resume() } }
    }

    /// Checkpoints run so far, and how many of them failed.
    var statistics: (runs: Int, failures: Int) { counts.withLock { $0 } }
}
