import Foundation
import GRDB
import RemitDomain

/// Transfers, their legs, the payout outbox and the operators' event streams. Every change here
/// runs inside the command's savepoint, so the state, the postings, the outbox rows and the
/// event commit together or not at all.
enum Transfers {
    static func submit(_ db: Database, _ submission: TransferSubmission, _ context: WriteContext) throws -> TransferReceipt {
        try context.requireOperator(db, submission.operatorId)
        guard submission.contentHash.count == 32 else { throw LedgerError.invalidAmount(Int64(submission.contentHash.count)) }
        let key: [DatabaseValueConvertible] = [submission.operatorId, Data(submission.transferId.bytes)]

        if let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT content_hash, state, reason, field, send_amount, fee, payout_amount, created_at
            FROM transfer WHERE operator_id = ? AND transfer_id = ?
            """), arguments: StatementArguments(key)) {
            guard (row["content_hash"] as Data) == Data(submission.contentHash) else {
                throw LedgerError.idReused(submission.transferId.description)
            }
            return TransferReceipt(
                transferId: submission.transferId, state: TransferState(rawValue: row["state"])!,
                reason: ReasonCode(rawValue: UInt16(row["reason"] as Int64)), field: UInt16(row["field"] as Int64),
                replayed: true, recordedAt: row["created_at"], sendAmount: row["send_amount"], fee: row["fee"],
                payoutAmount: row["payout_amount"])
        }

        switch submission.decision {
        case .reject(let reason, let field):
            return try recordRejection(db, submission, reason: reason, field: field, context)
        case .accept(let terms):
            let debit: Money
            do { debit = try terms.sendAmount.adding(terms.fee) } catch { throw LedgerError.money(error) }
            let holdId = TransferSubmission.holdId(submission.operatorId, submission.transferId)
            do {
                _ = try Holds.place(db, id: holdId, operatorId: submission.operatorId, amount: debit,
                                    expiresAt: terms.holdExpiresAt, context)
            } catch LedgerError.belowFloor {
                return try recordRejection(db, submission, reason: .insufficientFunds, field: 0, context)
            }
            try db.cachedStatement(sql: """
                INSERT INTO transfer (operator_id, transfer_id, content_hash, state, hold_id, send_currency, send_amount,
                                      fee, payout_currency, payout_amount, created_at, updated_at)
                VALUES (?, ?, ?, 'accepted', ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [submission.operatorId, Data(submission.transferId.bytes), Data(submission.contentHash),
                                 holdId, terms.sendAmount.currency.code, terms.sendAmount.minorUnits,
                                 terms.fee.minorUnits, terms.payoutAmount.currency.code, terms.payoutAmount.minorUnits,
                                 context.time, context.time])
            for (index, leg) in terms.legs.enumerated() {
                try db.cachedStatement(sql: """
                    INSERT INTO leg (operator_id, transfer_id, leg_index, product, institution, account, share,
                                     payout_amount, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')
                    """).execute(arguments: [submission.operatorId, Data(submission.transferId.bytes), index, leg.product,
                                     leg.institution, leg.account, Int(leg.share), leg.payoutAmount])
                try db.cachedStatement(sql: """
                    INSERT INTO outbox (operator_id, transfer_id, leg_index, created_at) VALUES (?, ?, ?, ?)
                    """).execute(arguments: [submission.operatorId, Data(submission.transferId.bytes), index, context.time])
            }
            try appendEvent(db, operatorId: submission.operatorId, transferId: submission.transferId, leg: nil,
                            state: TransferState.accepted.rawValue, reason: .none, partnerReference: "", context)
            return TransferReceipt(transferId: submission.transferId, state: .accepted, reason: .none, field: 0,
                                   replayed: false, recordedAt: context.time, sendAmount: terms.sendAmount.minorUnits,
                                   fee: terms.fee.minorUnits, payoutAmount: terms.payoutAmount.minorUnits)
        }
    }

    private static func recordRejection(_ db: Database, _ submission: TransferSubmission, reason: ReasonCode,
                                        field: UInt16, _ context: WriteContext) throws -> TransferReceipt {
        try db.cachedStatement(sql: """
            INSERT INTO transfer (operator_id, transfer_id, content_hash, state, reason, field, created_at, updated_at)
            VALUES (?, ?, ?, 'rejected', ?, ?, ?, ?)
            """).execute(arguments: [submission.operatorId, Data(submission.transferId.bytes), Data(submission.contentHash),
                             Int(reason.rawValue), Int(field), context.time, context.time])
        return TransferReceipt(transferId: submission.transferId, state: .rejected, reason: reason, field: field,
                               replayed: false, recordedAt: context.time, sendAmount: 0, fee: 0, payoutAmount: 0)
    }

    static func move(_ db: Database, operatorId: String, transferId: TransferID, to next: TransferState,
                     reason: ReasonCode, _ context: WriteContext) throws {
        guard let current = try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM transfer WHERE operator_id = ? AND transfer_id = ?"),
                                                arguments: [operatorId, Data(transferId.bytes)])
        else { throw LedgerError.unknownTransfer(transferId.description) }
        let state = TransferState(rawValue: current)!
        guard state.canMove(to: next) else {
            throw LedgerError.illegalTransition(transferId.description, from: current, to: next.rawValue)
        }
        try db.cachedStatement(sql: """
            UPDATE transfer SET state = ?, reason = ?, updated_at = ? WHERE operator_id = ? AND transfer_id = ?
            """).execute(arguments: [next.rawValue, Int(reason.rawValue), context.time, operatorId, Data(transferId.bytes)])
        try appendEvent(db, operatorId: operatorId, transferId: transferId, leg: nil, state: next.rawValue,
                        reason: reason, partnerReference: "", context)
    }

    static func moveLeg(_ db: Database, operatorId: String, transferId: TransferID, leg: Int, to next: LegState,
                        reason: ReasonCode, partnerReference: String, _ context: WriteContext) throws {
        guard let current = try String.fetchOne(db.cachedStatement(sql: """
            SELECT state FROM leg WHERE operator_id = ? AND transfer_id = ? AND leg_index = ?
            """), arguments: [operatorId, Data(transferId.bytes), leg])
        else { throw LedgerError.unknownLeg(transferId.description, leg) }
        let state = LegState(rawValue: current)!
        guard state.canMove(to: next) else {
            throw LedgerError.illegalTransition("\(transferId) leg \(leg)", from: current, to: next.rawValue)
        }
        try db.cachedStatement(sql: """
            UPDATE leg SET state = ?, reason = ?, partner_reference = CASE WHEN ? = '' THEN partner_reference ELSE ? END
            WHERE operator_id = ? AND transfer_id = ? AND leg_index = ?
            """).execute(arguments: [next.rawValue, Int(reason.rawValue), partnerReference, partnerReference, operatorId,
                             Data(transferId.bytes), leg])
        try db.cachedStatement(sql: "UPDATE transfer SET updated_at = ? WHERE operator_id = ? AND transfer_id = ?").execute(arguments: [context.time, operatorId, Data(transferId.bytes)])
        try appendEvent(db, operatorId: operatorId, transferId: transferId, leg: leg, state: next.rawValue,
                        reason: reason, partnerReference: partnerReference, context)
    }

    /// Appends the operator's next event: the sequence is the operator's counter plus one, in
    /// the same transaction as the change, so the stream has no gaps and no event without its change.
    static func appendEvent(_ db: Database, operatorId: String, transferId: TransferID, leg: Int?, state: String,
                            reason: ReasonCode, partnerReference: String, _ context: WriteContext) throws {
        guard let sequence = try Int64.fetchOne(db.cachedStatement(sql: """
            UPDATE operator SET last_event_sequence = last_event_sequence + 1 WHERE id = ? RETURNING last_event_sequence
            """), arguments: [operatorId])
        else { throw LedgerError.unknownOperator(operatorId) }
        try db.cachedStatement(sql: """
            INSERT INTO event (operator_id, sequence, transfer_id, leg_index, state, reason, partner_reference, occurred_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [operatorId, sequence, Data(transferId.bytes), leg, state, Int(reason.rawValue),
                             partnerReference, context.time])
        try db.cachedStatement(sql: "UPDATE transfer SET last_event_sequence = ? WHERE operator_id = ? AND transfer_id = ?").execute(arguments: [sequence, operatorId, Data(transferId.bytes)])
    }
}
