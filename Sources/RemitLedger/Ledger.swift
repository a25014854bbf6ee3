import Foundation
import GRDB
import RemitDomain
import SQLiteStartup

/// The books: one SQLite file in WAL mode with `synchronous=FULL` and foreign keys on. Changes go
/// through one writer with group commit; reads use a pool of readers that never block it.
///
/// ```swift
/// let ledger = try Ledger(path: "remit.sqlite")
/// let usd = try Currency("USD")
/// _ = await ledger.apply(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
/// let outcome = await ledger.apply(.fund(operatorId: "ACME", amount: Money(1_000_000, usd), reference: "wire 42"))
/// // outcome == .done(...) only once the entry is on disk
/// ```
public final class Ledger: Sendable {
    public let path: String
    let pool: DatabasePool
    let writer: LedgerWriter
    /// Held while this ledger is open for writing (`WriterLock`); nil when opened for reading.
    private let writerLock: WriterLock?
    /// Checkpoints the WAL beside the writer; nil when opened for reading.
    private let checkpointer: WALCheckpointer?

    /// Milliseconds since the epoch, from the system's real-time clock, in integers.
    public static let wallClock: @Sendable () -> Int64 = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000
    }

    public convenience init(path: String, clock: @escaping @Sendable () -> Int64 = Ledger.wallClock) throws {
        try self.init(path: path, readOnly: false, clock: clock)
    }

    /// Opens an existing ledger for reading only, as `remitctl` does beside a running daemon:
    /// nothing is migrated or written, and a ledger whose schema is newer than this build's is refused.
    public static func openForReading(path: String) throws -> Ledger {
        guard FileManager.default.fileExists(atPath: path) else { throw LedgerOpenError.noLedger(path) }
        return try Ledger(path: path, readOnly: true, clock: wallClock)
    }

    /// SQLite's memory statistics turned off, once per process and before its first connection
    /// when a ledger is the first thing to open one (`SQLiteStartup`): with them on, each of the
    /// writer's many allocations inside SQLite took and released a process-wide mutex, 3.6 % of
    /// its thread's time. SQLITE_OK, or SQLITE_MISUSE when SQLite had started before (the
    /// statistics then stay on, which costs only that time).
    static let sqliteStartup: Int32 = remit_sqlite_disable_memory_statistics()

    private init(path: String, readOnly: Bool, clock: @escaping @Sendable () -> Int64) throws {
        _ = Self.sqliteStartup
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // FULL: a commit returns only after the WAL is synced, so an acknowledged entry
            // survives power loss.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Each command runs in a savepoint, whose sub-journal would otherwise go to a temp
            // file: a write per command that durability does not need.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // SQLite reuses the WAL from its start instead of shrinking it: without a limit, a WAL
            // that a long-lived reader let grow would keep its size (and `remit_ledger_wal_bytes`
            // its alert) until remitd stopped. Above what the checkpointer's backstop lets it reach
            // (about 73 MB), so that steady load never truncates it.
            try db.execute(sql: "PRAGMA journal_size_limit = \(Self.walSizeLimit)")
        }
        // A brief lock held by another process (a careless sqlite3 shell) is waited out; a longer
        // one fails the commit, whose commands are refused as retryable.
        configuration.busyMode = .timeout(Self.busyTimeout)
        if !readOnly { try Self.checkWritable(path) }
        // Before anything is read or migrated: one writer per ledger, in any process.
        writerLock = readOnly ? nil : try WriterLock(ledger: path)
        self.path = path
        pool = try DatabasePool(path: path, configuration: configuration)
        let migrator = Schema.migrator
        if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
            throw LedgerOpenError.newerSchema(path)
        }
        if readOnly {
            guard try pool.read({ try migrator.hasCompletedMigrations($0) }) else { throw LedgerOpenError.olderSchema(path) }
        } else {
            try migrator.migrate(pool)
        }
        checkpointer = readOnly ? nil : try WALCheckpointer(path: path, configuration: configuration)
        if let checkpointer { try pool.writeWithoutTransaction { db in checkpointer.install(on: db) } }
        writer = LedgerWriter(pool: pool, clock: clock, checkpointer: checkpointer)
    }

    /// The process that has the ledger at `path` open for writing now (its pid, or 0 when it
    /// cannot tell which), or nil when none has: `remitctl restore` refuses while one has.
    public static func writerProcess(path: String) -> Int32? {
        WriterLock.holder(ofLedger: path)
    }

    /// The size, in bytes, the WAL is cut back to when it starts over after having grown past it.
    public static let walSizeLimit = 128 << 20

    /// How long a commit waits for a write lock that another process holds, in seconds.
    static let busyTimeout: TimeInterval = 0.25

    /// SQLite opens a file it cannot write read-only without saying so, and every commit would
    /// then fail: refuse to start instead, naming the file and the cause.
    static func checkWritable(_ path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        for target in [path, path + "-wal", path + "-shm", folder.isEmpty ? "." : folder]
        where FileManager.default.fileExists(atPath: target) {
            if access(target, W_OK) != 0 {
                throw LedgerOpenError.notWritable(target, String(cString: strerror(errno)))
            }
        }
    }

    /// Applies commands in order, in the next group commit; returns one outcome per command
    /// after the transaction has committed.
    public func apply(_ commands: [LedgerCommand]) async -> [LedgerOutcome] {
        await writer.submit(commands)
    }

    /// Calls `observer` after every commit with the operators whose event streams advanced (the
    /// gateway pushes those events to subscribed sessions), the commit's size and its duration,
    /// and after every commit that failed (`failure` says why). One observer; a later call replaces it. It runs on the writer, so it must only hand the
    /// news on.
    public func observeCommits(_ observer: @escaping @Sendable (CommitReport) -> Void) async {
        await writer.observeCommits(observer)
    }

    /// Returns once every command submitted before the call has committed, then checkpoints the
    /// WAL into the main file (at shutdown, so that a copy of the file alone is complete).
    public func flush() async {
        _ = await writer.submit([])
        // A checkpoint of the checkpointer's own would make this one busy.
        await checkpointer?.idle()
        _ = try? await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }

    public func apply(_ command: LedgerCommand) async -> LedgerOutcome {
        await writer.submit([command])[0]
    }

    /// An account's balance in its normal terms (a prefund's available money is positive), or
    /// nil if there is no such account.
    public func balance(_ code: AccountCode) throws -> Int64? {
        try pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT balance FROM account WHERE code = ?", arguments: [code.text])
        }.map { $0 * code.type.normalSign }
    }

    /// Copies the whole ledger to a new file at `path` through SQLite's backup API, from one
    /// consistent snapshot, while the writer goes on.
    public func backup(to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { throw LedgerOpenError.backupExists(path) }
        let destination = try DatabaseQueue(path: path)
        try pool.backup(to: destination)
        try destination.close()
    }

    /// Returns once the WAL checkpoints asked for so far have run, with how many have run and
    /// failed; (0, 0) for a ledger opened for reading.
    public func checkpoints() async -> (runs: Int, failures: Int) {
        guard let checkpointer else { return (0, 0) }
        await checkpointer.idle()
        return checkpointer.statistics
    }

    /// WAL checkpoints run beside the writer so far and how many of them failed, without waiting
    /// for one running (the metrics scrape reads it); (0, 0) for a ledger opened for reading.
    public var checkpointStatistics: (runs: Int, failures: Int) {
        checkpointer?.statistics ?? (0, 0)
    }

    /// The WAL file's size in bytes, 0 when there is none. Steady load keeps it under about
    /// 73 MB (the checkpointer's backstop); above `walSizeLimit`, checkpoints cannot finish (a
    /// reader holding an old snapshot, docs/operations.md), and it is cut back to that size once
    /// they can.
    public var walBytes: Int64 {
        var status = stat()
        guard stat(path + "-wal", &status) == 0 else { return 0 }
        return Int64(status.st_size)
    }

    /// Group commits so far and the commands they carried.
    public func writerStatistics() async -> (commits: Int, commands: Int) {
        await (writer.commits, writer.commandsCommitted)
    }
}

/// One group commit, as the writer saw it.
public struct CommitReport: Sendable {
    /// Operators whose event streams advanced (a rolled-back slice may add a name spuriously).
    public var eventOperators: Set<String>
    public var commands: Int
    /// From the start of the transaction to its commit returning, fsync included.
    public var nanoseconds: UInt64
    /// Why the transaction failed (disk full, I/O error, the write lock held elsewhere); nil when
    /// it committed. A failed commit recorded nothing and every command in it was refused.
    public var failure: String? = nil
}

/// Why a ledger file could not be opened.
public enum LedgerOpenError: Error, Hashable, Sendable, CustomStringConvertible {
    case noLedger(String)
    case newerSchema(String)
    case olderSchema(String)
    case backupExists(String)
    /// The file, its -wal or -shm companion, or its folder cannot be written (a read-only mount,
    /// another owner): the path and the system's reason.
    case notWritable(String, String)
    /// Another writer has the ledger open (`WriterLock`): the ledger and that process's pid (0
    /// when it cannot tell which).
    case inUse(String, pid: Int32)

    public var description: String {
        switch self {
        case .noLedger(let path): "no ledger at \(path)"
        case .newerSchema(let path): "\(path) was written by a newer version of the gateway: upgrade this one first"
        case .olderSchema(let path): "\(path) has an older schema: start remitd once to migrate it"
        case .backupExists(let path): "\(path) exists already: a backup never overwrites a file"
        case .notWritable(let path, let reason):
            "\(path) cannot be written (\(reason)): remitd writes the ledger and creates its -wal and -shm files beside it"
        case .inUse(let path, let pid):
            "\(path) is open for writing by another process (\(pid > 0 ? "pid \(pid)" : "pid unknown")): one remitd per ledger; stop that one first"
        }
    }
}

/// One account's line in a trial balance.
public struct TrialBalanceLine: Hashable, Sendable {
    public var account: String
    public var type: AccountType
    public var currency: String
    /// Debits minus credits.
    public var balance: Int64
}

extension Ledger {
    /// Every account with its balance; per currency the balances sum to zero in whole books.
    public func trialBalance() throws -> [TrialBalanceLine] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT code, type, currency, balance FROM account ORDER BY currency, code").map {
                TrialBalanceLine(account: $0["code"], type: AccountType(rawValue: $0["type"])!, currency: $0["currency"],
                                 balance: $0["balance"])
            }
        }
    }
}
