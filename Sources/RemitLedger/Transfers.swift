import Foundation
import GRDB
import RemitDomain

/// Transfers, their legs, the payout outbox and the operators' event streams. Every change here
/// runs inside the command's savepoint, so the state, the postings, the legs' outbox places and the
/// event commit together or not at all.
enum Transfers {
    static func submit(_ db: Database, _ submission: TransferSubmission, _ context: WriteContext) throws -> TransferReceipt {
        try context.requireOperator(db, submission.operatorId)
        guard submission.contentHash.count == 32 else { throw LedgerError.invalidContentHash(submission.contentHash.count) }
        let idBytes = submission.transferId.bytes
        let time = context.time

        // Optimistically not looked up: the transfer row's key refuses an id already recorded
        // (`WriteContext.optimistic`), and the replay of the slice looks it up here.
        let stored = context.optimistic ? nil : try context.hot.query(db, .selectTransfer, {
            $0.text(submission.operatorId)
            $0.blob(idBytes)
        }) { row in
            (hash: row.blob(0), state: row.text(1), reason: row.int(2), field: row.int(3), sendAmount: row.int(4),
             fee: row.int(5), payoutAmount: row.int(6), createdAt: row.int(7))
        }
        if let stored {
            guard stored.hash == Data(submission.contentHash) else {
                throw LedgerError.idReused(submission.transferId.description)
            }
            return TransferReceipt(
                transferId: submission.transferId, state: TransferState(rawValue: stored.state)!,
                reason: ReasonCode(rawValue: UInt16(stored.reason)), field: UInt16(stored.field), replayed: true,
                recordedAt: stored.createdAt, sendAmount: stored.sendAmount, fee: stored.fee,
                payoutAmount: stored.payoutAmount)
        }

        switch submission.decision {
        case .reject(let reason, let field):
            return try recordRejection(db, submission, reason: reason, field: field, context)
        case .accept(let terms):
            let (rate, reference) = (submission.details.rate, submission.details.referenceRate)
            if terms.sendAmount.currency != terms.payoutAmount.currency {
                guard rate > 0, reference >= 0 else { throw LedgerError.invalidRate(applied: rate, reference: reference) }
            }
            let held: Money
            do { held = try terms.sendAmount.adding(terms.fee) } catch { throw LedgerError.money(error) }
            let shareSum = terms.legs.reduce(0) { $0 + Int($1.share) }
            guard !terms.legs.isEmpty, shareSum == 10_000 else { throw LedgerError.invalidAmount(Int64(shareSum)) }
            // A hold per leg, placed together: each leg's money is settled on its own. One leg
            // holds it all, as the split would say; most transfers have one, and the split's
            // arrays were five allocations per transfer.
            let legHolds = terms.legs.count == 1 ? [held.minorUnits]
                : TransferSubmission.legHolds(sendAmount: terms.sendAmount.minorUnits, fee: terms.fee.minorUnits,
                                              shares: terms.legs.map(\.share)).map { $0.send + $0.fee }
            guard legHolds.contains(where: { $0 > 0 }) else { throw LedgerError.invalidAmount(0) }
            if let volume = submission.volume {
                if let reason = try Volumes.check(db, operatorId: submission.operatorId, volume,
                                                  amount: terms.sendAmount.minorUnits, context) {
                    return try recordRejection(db, submission, reason: reason, field: 0, context)
                }
            }
            let holdEntry: Int64
            do {
                holdEntry = try Holds.placeTogether(db, reference: TransferSubmission.holdId(submission.operatorId, submission.transferId),
                                                    operatorId: submission.operatorId, amounts: legHolds,
                                                    currency: terms.sendAmount.currency, expiresAt: terms.holdExpiresAt, context)
            } catch LedgerError.belowFloor {
                // Nothing was written: the floor is checked before the entry.
                return try recordRejection(db, submission, reason: .insufficientFunds, field: 0, context)
            }
            // Counted only once accepted: a refused transfer uses none of its sender's allowance.
            if let volume = submission.volume {
                try Volumes.count(db, operatorId: submission.operatorId, volume, amount: terms.sendAmount.minorUnits, context)
            }
            let sequence = try nextSequence(db, submission.operatorId, context)
            let screened = try Screenings.join(db, submission, context)
            // Into the payout outbox, unless held for review: nothing goes to a partner until it
            // is approved.
            let queuedAt = terms.review ? nil : time
            // The first leg joins the slice's outbox run (v28); the others are in the leg table's outbox.
            let run = try queuedAt.map {
                try OutboxRuns.join(db, context, operatorId: submission.operatorId, transferId: idBytes, queuedAt: $0)
            }
            try context.hot.run(db, .insertTransfer) {
                $0.text(submission.operatorId)
                $0.blob(idBytes)
                $0.blob(submission.contentHash)
                $0.text(terms.sendAmount.currency.code)
                $0.int(terms.sendAmount.minorUnits)
                $0.int(terms.fee.minorUnits)
                $0.text(terms.payoutAmount.currency.code)
                $0.int(terms.payoutAmount.minorUnits)
                $0.int(time)
                $0.int(time)
                $0.int(sequence)
                $0.text(submission.details.operatorReference)
                $0.optionalText(submission.details.sendCountry)
                $0.optionalText(submission.details.payoutCountry)
                if let quoteId = submission.details.quoteId { $0.blob(quoteId.bytes) } else { $0.null() }
                $0.int(submission.details.rate)
                $0.int(submission.details.referenceRate)
                $0.text(submission.details.redirectToFirstLeg ? "redirect" : "refund")
                $0.text(submission.details.senderName)
                $0.text(submission.details.senderAccount)
                $0.text(submission.details.beneficiaryName)
                if let revision = submission.details.standingInstructionRevision { $0.int(revision) } else { $0.null() }
                Screenings.bind(&$0, link: screened, submission.parties)
                // Leg 0 in the transfer's row (v26): most transfers write no leg row at all.
                bindLeg(&$0, terms.legs[0], held: legHolds[0], holdExpiresAt: terms.holdExpiresAt, holdEntry: holdEntry,
                        queuedAt: queuedAt)
                if let run { $0.int(run) } else { $0.null() }
            }
            for index in terms.legs.indices.dropFirst() {
                try context.hot.run(db, .insertLeg) {
                    $0.text(submission.operatorId)
                    $0.blob(idBytes)
                    $0.int(Int64(index))
                    bindLeg(&$0, terms.legs[index], held: legHolds[index], holdExpiresAt: terms.holdExpiresAt,
                            holdEntry: holdEntry, queuedAt: queuedAt)
                }
            }
            let state: TransferState = terms.review ? .inReview : .accepted
            if terms.review {
                try db.cachedStatement(sql: "UPDATE transfer SET state = 'inReview' WHERE operator_id = ? AND transfer_id = ?")
                    .execute(arguments: [submission.operatorId, Data(idBytes)])
            }
            try EventRuns.append(db, context, operatorId: submission.operatorId, sequence: sequence, transferId: idBytes,
                                 state: state.rawValue)
            return TransferReceipt(transferId: submission.transferId, state: state, reason: .none, field: 0,
                                   replayed: false, recordedAt: time, sendAmount: terms.sendAmount.minorUnits,
                                   fee: terms.fee.minorUnits, payoutAmount: terms.payoutAmount.minorUnits)
        }
    }

    /// A new leg's columns, in the order both accept statements name them: from its product to
    /// its place in the outbox.
    private static func bindLeg(_ binder: inout Binder, _ leg: TransferSubmission.LegPlan, held: Int64, holdExpiresAt: Int64,
                                holdEntry: Int64, queuedAt: Int64?) {
        binder.text(leg.product)
        binder.text(leg.institution)
        binder.text(leg.account)
        binder.int(Int64(leg.share))
        binder.int(leg.payoutAmount)
        // The leg's hold: its share of send amount and fee, in the slice's hold entry.
        binder.int(held)
        binder.int(held)
        if held > 0 {
            binder.text("pending")
            binder.int(holdExpiresAt)
            binder.int(holdEntry)
        } else {
            binder.null()
            binder.null()
            binder.null()
        }
        if let queuedAt { binder.int(queuedAt) } else { binder.null() }
    }

    private static func recordRejection(_ db: Database, _ submission: TransferSubmission, reason: ReasonCode,
                                        field: UInt16, _ context: WriteContext) throws -> TransferReceipt {
        let details = submission.details
        let screened = try Screenings.join(db, submission, context)
        var arguments: [(any DatabaseValueConvertible)?] = [
            submission.operatorId, Data(submission.transferId.bytes), Data(submission.contentHash), Int(reason.rawValue),
            Int(field), context.time, context.time, details.operatorReference, details.sendCurrency, details.payoutCurrency,
            details.sendCountry, details.payoutCountry, details.quoteId.map { Data($0.bytes) }, screened]
        for screening in [submission.parties.sender, submission.parties.beneficiary] {
            arguments += [screening?.decision, screening.map { $0.scoreBps }, screening?.entryId, screening?.matchedName,
                          screening?.source]
        }
        // Rejections are rare: GRDB's arguments, not the write path's prepared statements.
        try db.cachedStatement(sql: """
            INSERT INTO transfer (operator_id, transfer_id, content_hash, state, reason, field, created_at, updated_at,
                                  operator_reference, send_currency, payout_currency, send_country, payout_country,
                                  quote_id, screening_id, \(Screenings.decisionColumns))
            VALUES (?, ?, ?, 'rejected', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: StatementArguments(arguments))
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
        try appendEvent(db, context, operatorId: operatorId, transferId: transferId, leg: nil, state: next.rawValue,
                        reason: reason, partnerReference: "")
    }

    static func cancel(_ db: Database, operatorId: String, transferId: TransferID, reason: ReasonCode,
                       _ context: WriteContext) throws -> [Int64] {
        let id = Data(transferId.bytes)
        try move(db, operatorId: operatorId, transferId: transferId, to: .cancelled, reason: reason, context)
        let entries = try voidHolds(db, operatorId: operatorId, transferId: transferId, context)
        let legs = try Int.fetchAll(db.cachedStatement(sql: """
            SELECT leg_index FROM \(LegPlace.legsOfTransfer(["leg_index", "state"])) WHERE state = 'pending' ORDER BY leg_index
            """), arguments: [operatorId, id])
        for leg in legs {
            try moveLeg(db, operatorId: operatorId, transferId: transferId, leg: leg, to: .cancelled, reason: reason,
                        partnerReference: "", context)
        }
        try OutboxRuns.leave(db, operatorId: operatorId, transferId: id)
        for place in LegPlace.both {
            try db.cachedStatement(sql: """
                UPDATE \(place.table) SET \(Payouts.leaveOutbox(place))
                WHERE operator_id = ? AND transfer_id = ? AND \(place["queued_at"]) IS NOT NULL
                """).execute(arguments: [operatorId, id])
        }
        return entries
    }

    /// Voids whatever a transfer still holds: its legs' pending holds (or its one hold, for a
    /// transfer recorded before holds per leg), each back to the prefund.
    static func voidHolds(_ db: Database, operatorId: String, transferId: TransferID, _ context: WriteContext) throws
        -> [Int64]
    {
        let id = Data(transferId.bytes)
        var holds = try String.fetchAll(db.cachedStatement(sql: """
            SELECT h.id FROM transfer t JOIN hold h ON h.id = t.hold_id
            WHERE t.operator_id = ? AND t.transfer_id = ? AND h.state = 'pending'
            """), arguments: [operatorId, id])
        holds += try Int.fetchAll(db.cachedStatement(sql: """
            SELECT leg_index FROM \(LegPlace.legsOfTransfer(["leg_index", "hold_state"])) WHERE hold_state = 'pending'
            ORDER BY leg_index
            """), arguments: [operatorId, id]).map { TransferSubmission.holdId(operatorId, transferId, leg: $0) }
        return try holds.map { try Holds.close(db, id: $0, state: "voided", context) }
    }

    static func moveLeg(_ db: Database, operatorId: String, transferId: TransferID, leg: Int, to next: LegState,
                        reason: ReasonCode, partnerReference: String, _ context: WriteContext) throws {
        let place = LegPlace.of(leg)
        guard let current = try String.fetchOne(db.cachedStatement(sql: """
            SELECT \(place["state"]) FROM \(place.table) WHERE \(place.key)
            """), arguments: [operatorId, Data(transferId.bytes), leg])
        else { throw LedgerError.unknownLeg(transferId.description, leg) }
        let state = LegState(rawValue: current)!
        guard state.canMove(to: next) else {
            throw LedgerError.illegalTransition("\(transferId) leg \(leg)", from: current, to: next.rawValue)
        }
        let reference = place["partner_reference"]
        try db.cachedStatement(sql: """
            UPDATE \(place.table) SET \(place["state"]) = ?, \(place["reason"]) = ?,
                                      \(reference) = CASE WHEN ? = '' THEN \(reference) ELSE ? END
            WHERE \(place.key)
            """).execute(arguments: [next.rawValue, Int(reason.rawValue), partnerReference, partnerReference, operatorId,
                             Data(transferId.bytes), leg])
        try db.cachedStatement(sql: "UPDATE transfer SET updated_at = ? WHERE operator_id = ? AND transfer_id = ?")
            .execute(arguments: [context.time, operatorId, Data(transferId.bytes)])
        try appendEvent(db, context, operatorId: operatorId, transferId: transferId, leg: leg, state: next.rawValue,
                        reason: reason, partnerReference: partnerReference)
    }

    /// Appends the operator's next event and records it as the transfer's latest: the sequence
    /// is the operator's counter plus one, in the same transaction as the change, so the stream
    /// has no gaps and no event exists without its change.
    static func appendEvent(_ db: Database, _ context: WriteContext, operatorId: String, transferId: TransferID, leg: Int?,
                            state: String, reason: ReasonCode, partnerReference: String) throws {
        let sequence = try nextSequence(db, operatorId, context)
        try insertEvent(db, context, operatorId: operatorId, sequence: sequence, transferId: transferId.bytes, leg: leg,
                        state: state, reason: reason, partnerReference: partnerReference)
        try db.cachedStatement(sql: "UPDATE transfer SET last_event_sequence = ? WHERE operator_id = ? AND transfer_id = ?")
            .execute(arguments: [sequence, operatorId, Data(transferId.bytes)])
    }

    static func nextSequence(_ db: Database, _ operatorId: String, _ context: WriteContext) throws -> Int64 {
        try context.nextSequence(db, operatorId)
    }

    static func insertEvent(_ db: Database, _ context: WriteContext, operatorId: String, sequence: Int64,
                            transferId: [UInt8], leg: Int?, state: String, reason: ReasonCode,
                            partnerReference: String) throws {
        try context.hot.run(db, .insertEvent) {
            $0.text(operatorId)
            $0.int(sequence)
            $0.blob(transferId)
            if let leg { $0.int(Int64(leg)) } else { $0.null() }
            $0.text(state)
            $0.int(Int64(reason.rawValue))
            $0.text(partnerReference)
            $0.int(context.time)
        }
    }
}
