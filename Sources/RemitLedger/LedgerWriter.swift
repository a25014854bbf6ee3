import Dispatch
import GRDB

/// The ledger's one writer, with group commit: commands that arrive while a commit is running
/// wait and go into the next transaction together, so many callers share one fsync. Each
/// caller resumes only after the transaction holding its commands has committed.
actor LedgerWriter {
    private struct Job {
        let commands: [LedgerCommand]
        let continuation: CheckedContinuation<[LedgerOutcome], Never>
    }

    private let pool: DatabasePool
    private let clock: @Sendable () -> Int64
    /// Held for the WAL hook on the writer's connection, which holds it unretained.
    private let checkpointer: WALCheckpointer?
    private let context = WriteContext()
    private var queue: [Job] = []
    private var draining = false
    /// Commits so far and the commands they held, for tests and metrics.
    /// Told about each commit: which operators' event streams advanced, its size and duration.
    private var commitObserver: (@Sendable (CommitReport) -> Void)?
    private(set) var commits = 0
    private(set) var commandsCommitted = 0

    init(pool: DatabasePool, clock: @escaping @Sendable () -> Int64, checkpointer: WALCheckpointer? = nil) {
        self.pool = pool
        self.clock = clock
        self.checkpointer = checkpointer
    }

    func observeCommits(_ observer: @escaping @Sendable (CommitReport) -> Void) {
        commitObserver = observer
    }

    func submit(_ commands: [LedgerCommand]) async -> [LedgerOutcome] {
        await withCheckedContinuation { continuation in
            queue.append(Job(commands: commands, continuation: continuation))
            if !draining {
                draining = true
                Task { await drain() }
            }
        }
    }

    private func drain() async {
        while !queue.isEmpty {
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            let outcomes = await commit(batch.map(\.commands))
            commits += 1
            commandsCommitted += batch.reduce(0) { $0 + $1.commands.count }
            for (job, result) in zip(batch, outcomes) { job.continuation.resume(returning: result) }
        }
        draining = false
    }

    /// Commands per savepoint. Statement journals live in the open savepoint's in-memory
    /// sub-journal, which SQLite truncates by walking from its first chunk, so one savepoint over
    /// a whole batch makes each statement cost more the larger the batch (15 % of the writer's
    /// time at 8,189 commands). Slices bound that walk and the replay after a refusal, and still
    /// share one transaction and one fsync. Measured at batch 8,189 (transfers/s): one
    /// savepoint 29,900; slices of 2,048 31,000; 256 32,400; 32 35,100; 8 34,500; 1 31,050.
    static let savepointSlice = 32

    /// One transaction for the whole batch, in slices of `savepointSlice` commands. Optimistically
    /// every command of a slice runs under one savepoint; if one throws, that savepoint is rolled
    /// back and the slice replayed with a savepoint per command, so a refused command rolls back
    /// alone. (Recorded rejections, such as insufficient funds, do not throw.) If the transaction
    /// itself fails, nothing was recorded and every command gets the storage error.
    private func commit(_ batch: [[LedgerCommand]]) async -> [[LedgerOutcome]] {
        let context = self.context
        context.time = clock()
        context.eventOperators.removeAll(keepingCapacity: true)
        // The callers' commands in turn, read where they are: copied into one array, a commit of
        // four batches of 8,189 held a second copy of them all (26 MB of a run's 73 MB heap peak).
        let commands = batch.joined()
        let count = batch.reduce(0) { $0 + $1.count }
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let outcomes = try await pool.write { db in
                var outcomes = [LedgerOutcome]()
                outcomes.reserveCapacity(count)
                var start = commands.startIndex
                while start != commands.endIndex {
                    let end = commands.index(start, offsetBy: Self.savepointSlice, limitedBy: commands.endIndex) ?? commands.endIndex
                    outcomes += try Self.apply(commands[start..<end], db, context)
                    start = end
                }
                return outcomes
            }
            commitObserver?(CommitReport(eventOperators: context.eventOperators, commands: count,
                                         nanoseconds: DispatchTime.now().uptimeNanoseconds - started))
            if batch.count == 1 { return [outcomes] }
            var next = 0
            return batch.map { job in
                defer { next += job.count }
                return Array(outcomes[next..<next + job.count])
            }
        } catch {
            context.forget()
            commitObserver?(CommitReport(eventOperators: [], commands: count,
                                         nanoseconds: DispatchTime.now().uptimeNanoseconds - started, failure: "\(error)"))
            return batch.map { $0.map { _ in .rejected(.storage("\(error)")) } }
        }
    }

    private static func apply(_ slice: some Collection<LedgerCommand>, _ db: Database, _ context: WriteContext) throws
        -> [LedgerOutcome] {
        do {
            context.optimistic = true
            defer { context.optimistic = false }
            return try context.hot.inSavepoint(db) {
                let outcomes = try slice.map { try $0.outcome(db, context) }
                try context.writeDeferred(db)
                return outcomes
            }
        } catch is LedgerError {
            context.forget()  // a command refused: replay one by one below
        } catch let error as DatabaseError where !error.isTransactionFatal {
            context.forget()  // among them a transfer recorded before, refused by its row's key
        }
        // Anything else (a fatal SQLite error, a failed rollback) has left the catch clauses
        // above and abandons the transaction.
        return try slice.map { command -> LedgerOutcome in
            do {
                return try context.hot.inSavepoint(db) {
                    let outcome = try command.outcome(db, context)
                    try context.writeDeferred(db)
                    return outcome
                }
            } catch let error as LedgerError {
                context.forget()
                return .rejected(error)
            } catch let error as DatabaseError where !error.isTransactionFatal {
                context.forget()
                return .rejected(.storage(error.description))
            }
        }
    }
}

extension DatabaseError {
    /// Errors after which the transaction cannot go on (disk full, I/O, corruption, read-only):
    /// the whole batch fails, and nothing of it is recorded.
    var isTransactionFatal: Bool {
        switch resultCode {
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CORRUPT, .SQLITE_READONLY, .SQLITE_NOMEM, .SQLITE_CANTOPEN: true
        default: false
        }
    }
}
