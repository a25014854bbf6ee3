import Foundation
import GRDB
import RemitDomain

/// A transfer as the ledger has it now.
public struct TransferView: Hashable, Sendable {
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
    public var holdId: String?
    public var legs: [LegView]
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
}

/// One event of an operator's stream.
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
            guard let row = try Row.fetchOne(db, sql: """
                SELECT * FROM transfer WHERE operator_id = ? AND transfer_id = ?
                """, arguments: [operatorId, Data(id.bytes)])
            else { return nil }
            let legs = try Row.fetchAll(db, sql: """
                SELECT * FROM leg WHERE operator_id = ? AND transfer_id = ? ORDER BY leg_index
                """, arguments: [operatorId, Data(id.bytes)]).map { leg in
                LegView(index: leg["leg_index"], product: leg["product"], institution: leg["institution"],
                        account: leg["account"], share: UInt16(leg["share"] as Int64),
                        payoutAmount: leg["payout_amount"], state: LegState(rawValue: leg["state"])!,
                        reason: ReasonCode(rawValue: UInt16(leg["reason"] as Int64)),
                        partnerReference: leg["partner_reference"])
            }
            return TransferView(
                transferId: id, state: TransferState(rawValue: row["state"])!,
                reason: ReasonCode(rawValue: UInt16(row["reason"] as Int64)), sendCurrency: row["send_currency"],
                sendAmount: row["send_amount"], fee: row["fee"], payoutCurrency: row["payout_currency"],
                payoutAmount: row["payout_amount"], createdAt: row["created_at"], updatedAt: row["updated_at"],
                lastEventSequence: UInt64(row["last_event_sequence"] as Int64), holdId: row["hold_id"], legs: legs)
        }
    }

    /// The operator's events after `sequence`, in order, at most `limit`.
    public func events(operatorId: String, after sequence: UInt64, limit: Int) throws -> [EventRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM event WHERE operator_id = ? AND sequence > ? ORDER BY sequence LIMIT ?
                """, arguments: [operatorId, Int64(clamping: sequence), limit]).map { row in
                EventRecord(sequence: UInt64(row["sequence"] as Int64),
                            transferId: TransferID(bytes: [UInt8](row["transfer_id"] as Data))!, leg: row["leg_index"],
                            state: row["state"], reason: ReasonCode(rawValue: UInt16(row["reason"] as Int64)),
                            partnerReference: row["partner_reference"], occurredAt: row["occurred_at"])
            }
        }
    }

    /// Payout legs waiting to be dispatched, oldest first.
    public func outbox(limit: Int) throws -> [(operatorId: String, transferId: TransferID, leg: Int)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT operator_id, transfer_id, leg_index FROM outbox ORDER BY id LIMIT ?",
                             arguments: [limit]).map {
                ($0["operator_id"], TransferID(bytes: [UInt8]($0["transfer_id"] as Data))!, $0["leg_index"])
            }
        }
    }
}
