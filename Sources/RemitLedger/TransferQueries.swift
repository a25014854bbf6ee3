import Foundation
import GRDB
import RemitDomain

/// A transfer as the ledger has it now.
public struct TransferView: Hashable, Sendable {
    public var operatorId: String
    public var transferId: TransferID
    public var state: TransferState
    public var reason: ReasonCode
    public var sendCurrency: String?
    public var sendAmount: Int64
    public var fee: Int64
    public var payoutCurrency: String?
    public var payoutAmount: Int64
    public var createdAt: Int64
    public var updatedAt: Int64
    public var lastEventSequence: UInt64
    /// The transfer's one hold, for a transfer recorded before holds per leg; nil otherwise (each
    /// leg's `hold` says what it holds).
    public var holdId: String?
    public var operatorReference: String
    public var sendCountry: String?
    public var payoutCountry: String?
    public var quoteId: TransferID?
    /// The applied rate times 10^9, 0 if none.
    public var rate: Int64
    public var legs: [LegView]
    /// The revision of the beneficiary's standing instruction whose legs the transfer took, if any.
    public var standingInstructionRevision: Int64? = nil
}

public struct LegView: Hashable, Sendable {
    public var index: Int
    public var product: String
    public var institution: String
    public var account: String
    public var share: UInt16
    public var payoutAmount: Int64
    public var state: LegState
    public var reason: ReasonCode
    public var partnerReference: String
    /// The partner the leg was sent to, once dispatched.
    public var partner: String
    /// What the leg holds on its operator's prefund; nil when its share rounds to nothing (or its
    /// transfer has one hold for all its legs).
    public var hold: LegHold? = nil
}

/// A leg's hold: its share of send amount and fee, in the transfer's send currency.
public struct LegHold: Hashable, Sendable {
    /// Its name in the journal's references: `transfer/OP/ID` for the first leg, `…/LEG` for the others.
    public var id: String
    public var amount: Int64
    public var remaining: Int64
    /// pending, posted, voided (or expired: builds before 2026-12-04 let `expireHolds` lapse them).
    public var state: String

    public init(id: String, amount: Int64, remaining: Int64, state: String) {
        self.id = id
        self.amount = amount
        self.remaining = remaining
        self.state = state
    }
}

/// One event of an operator's stream.
/// Which transfers a listing shows: all conditions given must hold. Times are ms since the epoch,
/// `to` excluded.
public struct TransferFilter: Hashable, Sendable {
    public var operatorId: String?
    public var state: TransferState?
    public var from: Int64?
    public var to: Int64?
    public var operatorReference: String?

    public init(operatorId: String? = nil, state: TransferState? = nil, from: Int64? = nil, to: Int64? = nil,
                operatorReference: String? = nil) {
        self.operatorId = operatorId
        self.state = state
        self.from = from
        self.to = to
        self.operatorReference = operatorReference
    }
}

public struct EventRecord: Hashable, Sendable {
    public var sequence: UInt64
    public var transferId: TransferID
    /// nil: the transfer as a whole changed state; otherwise the leg that did.
    public var leg: Int?
    public var state: String
    public var reason: ReasonCode
    public var partnerReference: String
    public var occurredAt: Int64
}

extension Ledger {
    /// The operator's transfer with this id; another operator's transfer is not found.
    public func transfer(operatorId: String, id: TransferID) throws -> TransferView? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM transfer WHERE operator_id = ? AND transfer_id = ?",
                             arguments: [operatorId, Data(id.bytes)]).map { try Self.transferView(db, $0) }
        }
    }

    /// The newest transfers first, of one operator or of all, at most `limit`.
    public func transfers(operatorId: String? = nil, limit: Int) throws -> [TransferView] {
        try transfers(TransferFilter(operatorId: operatorId), limit: limit)
    }

    /// The newest transfers that pass `filter`, at most `limit`.
    ///
    /// ```swift
    /// try ledger.transfers(TransferFilter(operatorId: "ACME", state: .inDoubt, from: yesterday), limit: 100)
    /// ```
    public func transfers(_ filter: TransferFilter, limit: Int) throws -> [TransferView] {
        try pool.read { db in
            var conditions: [String] = []
            var arguments: [DatabaseValueConvertible] = []
            if let operatorId = filter.operatorId {
                conditions.append("operator_id = ?")
                arguments.append(operatorId)
            }
            if let state = filter.state {
                conditions.append("state = ?")
                arguments.append(state.rawValue)
            }
            if let from = filter.from {
                conditions.append("created_at >= ?")
                arguments.append(from)
            }
            if let to = filter.to {
                conditions.append("created_at < ?")
                arguments.append(to)
            }
            if let reference = filter.operatorReference {
                conditions.append("operator_reference = ?")
                arguments.append(reference)
            }
            arguments.append(limit)
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM transfer \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                ORDER BY created_at DESC, transfer_id DESC LIMIT ?
                """, arguments: StatementArguments(arguments))
            return try rows.map { try Self.transferView(db, $0) }
        }
    }

    /// Transfers with this id, of any operator (ids are unique per operator only): for operations.
    public func transfers(id: TransferID) throws -> [TransferView] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM transfer WHERE transfer_id = ? ORDER BY operator_id",
                             arguments: [Data(id.bytes)]).map { try Self.transferView(db, $0) }
        }
    }

    private static func transferView(_ db: Database, _ row: Row) throws -> TransferView {
        let operatorId: String = row["operator_id"]
        let idData: Data = row["transfer_id"]
        let legs = try Row.fetchAll(db, sql: """
            SELECT * FROM \(LegPlace.legsOfTransfer(["leg_index"] + LegPlace.columns)) ORDER BY leg_index
            """, arguments: [operatorId, idData]).map { leg in
            LegView(index: leg["leg_index"], product: leg["product"], institution: leg["institution"],
                    account: leg["account"], share: UInt16(leg["share"] as Int64),
                    payoutAmount: leg["payout_amount"], state: LegState(rawValue: leg["state"])!,
                    reason: ReasonCode(rawValue: UInt16(leg["reason"] as Int64)),
                    partnerReference: leg["partner_reference"], partner: leg["partner"],
                    hold: (leg["hold_state"] as String?).map { state in
                        LegHold(id: TransferSubmission.holdId(operatorId, TransferID(bytes: [UInt8](idData))!, leg: leg["leg_index"]),
                                amount: leg["hold_amount"], remaining: leg["hold_remaining"], state: state)
                    })
        }
        return TransferView(
            operatorId: operatorId, transferId: TransferID(bytes: [UInt8](idData))!,
            state: TransferState(rawValue: row["state"])!,
            reason: ReasonCode(rawValue: UInt16(row["reason"] as Int64)), sendCurrency: row["send_currency"],
            sendAmount: row["send_amount"], fee: row["fee"], payoutCurrency: row["payout_currency"],
            payoutAmount: row["payout_amount"], createdAt: row["created_at"], updatedAt: row["updated_at"],
            lastEventSequence: UInt64(row["last_event_sequence"] as Int64), holdId: row["hold_id"],
            operatorReference: row["operator_reference"], sendCountry: row["send_country"],
            payoutCountry: row["payout_country"],
            quoteId: (row["quote_id"] as Data?).flatMap { TransferID(bytes: [UInt8]($0)) }, rate: row["rate"],
            legs: legs, standingInstructionRevision: row["standing_instruction_revision"])
    }

    /// How many of these transfer ids the ledger does not hold as accepted (absent, or
    /// recorded as rejected), read in one transaction: what a load generator checks after
    /// counting acknowledgements.
    public func missingTransfers(operatorId: String, ids: [TransferID]) throws -> Int {
        try pool.read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT state FROM transfer WHERE operator_id = ? AND transfer_id = ?
                """)
            var missing = 0
            for id in ids {
                let state = try String.fetchOne(statement, arguments: [operatorId, Data(id.bytes)])
                if state == nil || state == TransferState.rejected.rawValue { missing += 1 }
            }
            return missing
        }
    }

    /// The oldest event retained and the newest committed in the operator's stream (0 and 0
    /// before the first), or nil for an unknown operator.
    public func eventRange(operatorId: String) throws -> (oldest: UInt64, latest: UInt64)? {
        try pool.read { db in
            guard let latest = try Int64.fetchOne(db, sql: "SELECT last_event_sequence FROM operator WHERE id = ?",
                                                  arguments: [operatorId])
            else { return nil }
            let oldest = try Int64.fetchOne(db, sql: "SELECT min(sequence) FROM event WHERE operator_id = ?",
                                            arguments: [operatorId]) ?? 0
            return (UInt64(oldest), UInt64(latest))
        }
    }

    /// The operator's events after `sequence`, in order, at most `limit`. The first may be
    /// inside a run (`EventRuns`), whose row starts at most `EventRuns.longest - 1` before it.
    public func events(operatorId: String, after sequence: UInt64, limit: Int) throws -> [EventRecord] {
        guard limit > 0 else { return [] }
        return try pool.read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT * FROM event WHERE operator_id = ? AND sequence > ? ORDER BY sequence
                """, arguments: [operatorId, Int64(clamping: sequence) - Int64(EventRuns.longest - 1)])
            var events: [EventRecord] = []
            while events.count < limit, let row = try rows.next() {
                for event in EventRuns.records(row) where event.sequence > sequence && events.count < limit {
                    events.append(event)
                }
            }
            return events
        }
    }

    /// The first legs the live outbox runs count, and the leg table's outbox: through their
    /// partial indexes, on every metrics scrape.
    static let outboxDepthSQL = """
        SELECT (SELECT coalesce(sum(queued), 0) FROM outbox_run WHERE queued > 0)
             + (SELECT count(*) FROM leg WHERE queued_at IS NOT NULL)
        """

    /// Legs waiting in the payout outbox.
    public func outboxDepth() throws -> Int {
        try pool.read {
            try Int.fetchOne($0, sql: Self.outboxDepthSQL) ?? 0
        }
    }

    /// Pending holds past their expiry at `asOf`. In the gateway, which places no other holds,
    /// these are transfers not settled within `hold_expiry_hours` of their acceptance: their
    /// money stays held (`expireHolds` leaves transfers' holds alone), and each wants a person.
    public func overdueHolds(asOf: Int64) throws -> Int {
        try pool.read { try Int.fetchOne($0, sql: HoldGroups.overdueSQL, arguments: [asOf]) ?? 0 }
    }

    /// Through the partial index `transfer_in_doubt`: counted on every metrics scrape.
    static let inDoubtCountSQL = "SELECT count(*) FROM transfer WHERE state = 'inDoubt'"

    /// Transfers whose payout is in doubt, waiting on a partner's answer or a review.
    public func inDoubtCount() throws -> Int {
        try pool.read { try Int.fetchOne($0, sql: Self.inDoubtCountSQL) ?? 0 }
    }

    /// Whether the file answers a read now, for readiness checks.
    public func answers() -> Bool {
        (try? pool.read { try Int.fetchOne($0, sql: "SELECT 1") }) == 1
    }

    /// Payout legs waiting to be dispatched, oldest first.
    public func outbox(limit: Int) throws -> [(operatorId: String, transferId: TransferID, leg: Int)] {
        guard limit > 0 else { return [] }
        return try pool.read { db in
            let legTable = try Row.fetchAll(db, sql: """
                SELECT operator_id, transfer_id, leg_index, queued_at FROM leg WHERE queued_at IS NOT NULL
                ORDER BY queued_at, operator_id, transfer_id, leg_index LIMIT ?
                """, arguments: [limit]).map { row in
                (queuedAt: row["queued_at"] as Int64,
                 item: (operatorId: row["operator_id"] as String, transferId: TransferID(bytes: [UInt8](row["transfer_id"] as Data))!,
                        leg: row["leg_index"] as Int))
            }
            let queued = try db.cachedStatement(sql: """
                SELECT 1 FROM transfer WHERE operator_id = ? AND transfer_id = ? AND leg_queued_at IS NOT NULL
                """)
            return try OutboxRuns.merged(db, limit: limit, legTable: legTable) { operatorId, transferId in
                try Bool.fetchOne(queued, arguments: [operatorId, transferId]) == true
                    ? (operatorId, TransferID(bytes: [UInt8](transferId))!, 0) : nil
            }
        }
    }
}
