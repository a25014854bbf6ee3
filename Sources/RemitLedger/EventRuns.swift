import Foundation
import GRDB
import RemitDomain

/// New transfers' events, written as runs: one event row for the consecutive events a slice of
/// commands gives one operator's new transfers (schema v25). The row holds the first event's
/// sequence and transfer, how many `events` it holds, and the other transfers' ids in order
/// (`run_transfer_ids`, 16 bytes each); every event of a run has the row's state and time, no
/// leg, no reason and no partner reference. A row per event was a seventh of the accept path's
/// time; the stream each operator reads is the same, event by event (`records`).
///
///     // in Transfers.submit, instead of an event row:
///     try EventRuns.append(db, context, operatorId: "ACME", sequence: 41, transferId: id, state: "accepted")
///     // at the end of the slice, with the writer's other deferred rows:
///     try EventRuns.write(db, context)
enum EventRuns {
    /// The most events one row holds: as many as a slice has commands (`LedgerWriter.savepointSlice`);
    /// an atomic command that submits more starts a new run at the limit. It is the bound v25's
    /// CHECK enforces, and how far a reader looks back for the run that holds a given sequence.
    static let longest = 32

    /// A run being gathered by the writer: kept in the `WriteContext` until the end of the slice,
    /// dropped with the rest of what it remembers when a savepoint rolls back.
    struct Run {
        let operatorId: String
        let first: Int64
        let firstTransfer: [UInt8]
        let state: String
        var events = 1
        var more: [UInt8] = []
    }

    /// Adds a new transfer's event to its operator's run when it follows that run's last event
    /// with the same state; otherwise the run is written and a new one started.
    static func append(_ db: Database, _ context: WriteContext, operatorId: String, sequence: Int64, transferId: [UInt8],
                       state: String) throws {
        precondition(transferId.count == 16, "a transfer id is 16 bytes")
        if let index = context.eventRuns.firstIndex(where: { $0.operatorId == operatorId }) {
            let run = context.eventRuns[index]
            if run.first + Int64(run.events) == sequence, run.state == state, run.events < longest {
                context.eventRuns[index].events += 1
                context.eventRuns[index].more.append(contentsOf: transferId)
                return
            }
            try write(db, context, run)
            context.eventRuns[index] = Run(operatorId: operatorId, first: sequence, firstTransfer: transferId, state: state)
            return
        }
        context.eventRuns.append(Run(operatorId: operatorId, first: sequence, firstTransfer: transferId, state: state))
    }

    /// Writes the runs gathered so far. Called with the writer's other deferred rows.
    static func write(_ db: Database, _ context: WriteContext) throws {
        for run in context.eventRuns { try write(db, context, run) }
        context.eventRuns.removeAll(keepingCapacity: true)
    }

    private static func write(_ db: Database, _ context: WriteContext, _ run: Run) throws {
        assert(run.more.count == 16 * (run.events - 1))
        try context.hot.run(db, .insertEventRun) {
            $0.text(run.operatorId)
            $0.int(run.first)
            $0.blob(run.firstTransfer)
            $0.text(run.state)
            $0.int(context.time)
            $0.int(Int64(run.events))
            if run.events > 1 { $0.blob(run.more) } else { $0.null() }
        }
    }

    /// The events an event row holds, in sequence order: itself, or each event of its run. The
    /// row's CHECK keeps `events` and the ids in step; a reader still reads whole ids only, so
    /// a row edited past its check loses events rather than stopping the gateway.
    static func records(_ row: Row) -> [EventRecord] {
        let first = EventRecord(sequence: UInt64(row["sequence"] as Int64),
                                transferId: TransferID(bytes: [UInt8](row["transfer_id"] as Data))!, leg: row["leg_index"],
                                state: row["state"], reason: ReasonCode(rawValue: UInt16(row["reason"] as Int64)),
                                partnerReference: row["partner_reference"], occurredAt: row["occurred_at"])
        guard let more = row["run_transfer_ids"] as Data? else { return [first] }
        var records = [first]
        records.reserveCapacity(1 + more.count / 16)
        var offset = more.startIndex
        while more.endIndex - offset >= 16 {
            var next = first
            next.sequence = first.sequence + UInt64(records.count)
            next.transferId = TransferID(bytes: [UInt8](more[offset..<offset + 16]))!
            records.append(next)
            offset += 16
        }
        return records
    }
}
