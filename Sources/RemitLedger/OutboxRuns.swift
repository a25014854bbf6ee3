import Foundation
import GRDB
import RemitDomain

/// The first legs in the payout outbox, listed per slice and operator (schema v28): an
/// `outbox_run` row holds the transfer ids of one operator's first legs queued at one moment
/// (16 bytes each, in the order they were queued) and how many of them are still `queued`; each
/// transfer row names its run (`leg_outbox_run`) while its first leg is in the outbox.
///
/// Until v28 each queued first leg had an entry in a partial index on `leg_queued_at`, written on
/// every accept: the accept's rows are written 7 % faster without it (`docs/lean-accept-step5.md`).
/// Legs 1 and up, a few transfers' and the redirected ones, keep the `leg` table's index. The
/// dispatcher reads the live runs oldest first (their partial index), each first leg by its key,
/// and merges them with the leg table's outbox by the moment they were queued; at one moment,
/// first legs go first, in the order they were queued.
///
///     // a slice: 32 transfers of ACME accepted at 1_795_435_200_000, queued as run 7
///     // outbox_run (id 7, operator_id ACME, queued_at 1_795_435_200_000, queued 32, transfer_ids 512 bytes)
///     try OutboxRuns.leave(db, operatorId: "ACME", transferId: id)  // one paid: queued 31
enum OutboxRuns {
    /// The most first legs a run holds: a slice's commands (`LedgerWriter.savepointSlice`).
    static let longest = 32

    /// A run being filled by the slice that the writer is running.
    struct Run {
        let id: Int64
        let operatorId: String
        let queuedAt: Int64
        var transferIds: [UInt8]
    }

    /// The run that a first leg queued now joins, by its id: the slice's last run of its
    /// operator if it was queued at the same moment and has room, or a new one.
    static func join(_ db: Database, _ context: WriteContext, operatorId: String, transferId: [UInt8], queuedAt: Int64)
        throws -> Int64
    {
        precondition(transferId.count == 16)
        if let index = context.outboxRuns.lastIndex(where: { $0.operatorId == operatorId }),
           context.outboxRuns[index].queuedAt == queuedAt, context.outboxRuns[index].transferIds.count < 16 * longest {
            context.outboxRuns[index].transferIds += transferId
            return context.outboxRuns[index].id
        }
        let id = try context.nextOutboxRun(db)
        context.outboxRuns.append(Run(id: id, operatorId: operatorId, queuedAt: queuedAt, transferIds: transferId))
        return id
    }

    /// Writes the slice's runs: every first leg in them is queued.
    static func write(_ db: Database, _ context: WriteContext) throws {
        for run in context.outboxRuns {
            try context.hot.run(db, .insertOutboxRun) {
                $0.int(run.id)
                $0.text(run.operatorId)
                $0.int(run.queuedAt)
                $0.int(Int64(run.transferIds.count / 16))
                $0.blob(run.transferIds)
            }
        }
        context.outboxRuns.removeAll(keepingCapacity: true)
    }

    /// On the payout path, so `HotPathTests` compiles it.
    static let leaveSQL = "UPDATE outbox_run SET queued = queued - 1 WHERE id = ?"

    /// A transfer's first leg that is about to leave the outbox leaves its run's count; one not
    /// in the outbox has nothing to leave. A queued first leg of no run is a damaged ledger: the
    /// change is refused rather than the outbox's count left wrong.
    static func leave(_ db: Database, operatorId: String, transferId: Data) throws {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT leg_outbox_run FROM transfer WHERE operator_id = ? AND transfer_id = ? AND leg_queued_at IS NOT NULL
            """), arguments: [operatorId, transferId])
        else { return }
        let run = row[0] as Int64?
        if let run { try db.cachedStatement(sql: leaveSQL).execute(arguments: [run]) }
        guard run != nil, db.changesCount == 1 else {
            throw LedgerError.storage("""
                the first leg of transfer \(TransferID(bytes: [UInt8](transferId)).map(\.description) ?? "?") of \
                \(operatorId) is in the outbox without its run (\(run.map(String.init) ?? "none")): run remitctl verify
                """)
        }
    }

    /// The live runs, oldest first, through their partial index.
    static let liveSQL = "SELECT operator_id, queued_at, transfer_ids FROM outbox_run WHERE queued > 0 ORDER BY queued_at, id"

    /// The first `limit` of the outbox in the dispatcher's order: the leg table's part, already
    /// read in order with the moment each was queued (at most `limit`), merged with the first
    /// legs of the live runs that `firstLeg` finds (nil: not wanted, or not queued any more).
    /// Runs are read only as far as they can come before the leg table's last.
    static func merged<Item>(_ db: Database, limit: Int, legTable: [(queuedAt: Int64, item: Item)],
                             firstLeg: (_ operatorId: String, _ transferId: Data) throws -> Item?) throws -> [Item] {
        var firsts: [(queuedAt: Int64, item: Item)] = []
        let runs = try Row.fetchCursor(db.cachedStatement(sql: liveSQL))
        reading: while firsts.count < limit, let run = try runs.next() {
            let queuedAt: Int64 = run[1]
            if legTable.count >= limit, queuedAt > legTable[limit - 1].queuedAt { break }
            let operatorId: String = run[0], ids: Data = run[2]
            for start in stride(from: ids.startIndex, to: ids.endIndex, by: 16) {
                guard let item = try firstLeg(operatorId, Data(ids[start..<start + 16])) else { continue }
                firsts.append((queuedAt, item))
                if firsts.count == limit { break reading }
            }
        }
        var items: [Item] = []
        var first = firsts.startIndex, other = legTable.startIndex
        while items.count < limit, first < firsts.endIndex || other < legTable.endIndex {
            if other == legTable.endIndex || (first < firsts.endIndex && firsts[first].queuedAt <= legTable[other].queuedAt) {
                items.append(firsts[first].item)
                first += 1
            } else {
                items.append(legTable[other].item)
                other += 1
            }
        }
        return items
    }

    /// Runs whose count differs from their members still queued, or from the transfers that name
    /// them; and first legs queued without a run, or naming one out of the outbox. For `verify`.
    static func problems(_ db: Database) throws -> [String] {
        var problems: [String] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT operator_id, hex(transfer_id), leg_outbox_run FROM transfer
            WHERE (leg_queued_at IS NULL) <> (leg_outbox_run IS NULL)
            """) {
            let transfer = "\(row[0] as String)/\(row[1] as String)"
            if let run = row[2] as Int64? {
                problems.append("transfer \(transfer): names outbox run \(run) but its first leg is not in the outbox")
            } else {
                problems.append("transfer \(transfer): its first leg is in the outbox without an outbox run")
            }
        }
        var naming = [Int64: Int64]()
        for row in try Row.fetchAll(db, sql: """
            SELECT leg_outbox_run, count(*) FROM transfer WHERE leg_outbox_run IS NOT NULL GROUP BY leg_outbox_run
            """) {
            naming[row[0]] = row[1]
        }
        let member = try db.makeStatement(sql: """
            SELECT 1 FROM transfer WHERE operator_id = ? AND transfer_id = ? AND leg_outbox_run = ? AND leg_queued_at IS NOT NULL
            """)
        for run in try Row.fetchAll(db, sql: "SELECT id, operator_id, queued, transfer_ids FROM outbox_run WHERE queued > 0") {
            let id: Int64 = run[0], operatorId: String = run[1], queued: Int64 = run[2], ids: Data = run[3]
            var members: Int64 = 0
            for start in stride(from: ids.startIndex, to: ids.endIndex, by: 16) {
                if try Bool.fetchOne(member, arguments: [operatorId, Data(ids[start..<start + 16]), id]) == true { members += 1 }
            }
            let named = naming.removeValue(forKey: id) ?? 0
            if queued != members || named != members {
                problems.append("outbox run \(id): counts \(queued) queued first legs, \(members) of its own are, \(named) transfers name it")
            }
        }
        for (id, named) in naming.sorted(by: { $0.key < $1.key }) {
            problems.append("outbox run \(id): \(named) transfers name it, and it is not a live run")
        }
        return problems
    }
}
