import Foundation
import GRDB
import RemitDomain

/// A leg that fails for good, in a transfer whose sender chose `REDIRECT_TO_FIRST_LEG`, is not
/// refunded: its money (still in its own hold) is paid out to the first leg's destination, as a
/// payout of its own under the key `…-{leg}r`, routed, retried and inquired like any other. The
/// leg is REDIRECTED meanwhile; when that payout is paid its hold is posted and the leg's event
/// carries the reference; if the first leg's destination refuses it too, the leg is refunded.
enum RedirectedLegs {
    /// Starts the redirect if the sender chose it and the first leg can still take money; false
    /// to refund instead (the first leg itself failed, or was never going to be paid).
    static func begin(_ db: Database, operatorId: String, transferId: TransferID, leg: Int, reason: ReasonCode,
                      _ context: WriteContext) throws -> Bool {
        guard leg > 0 else { return false }
        // The first leg, in the transfer row (v26), is the destination; this leg is in the leg table.
        let id = Data(transferId.bytes)
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT t.leg_failure_policy, t.leg_state AS first
            FROM transfer t
            JOIN leg l ON l.operator_id = t.operator_id AND l.transfer_id = t.transfer_id AND l.leg_index = ?
            WHERE t.operator_id = ? AND t.transfer_id = ? AND t.leg_state IS NOT NULL
            """), arguments: [leg, operatorId, id]),
              row["leg_failure_policy"] as String == "redirect",
              [LegState.pending, .dispatched, .inDoubt, .paid].contains(LegState(rawValue: row["first"])!)
        else { return false }
        try Transfers.moveLeg(db, operatorId: operatorId, transferId: transferId, leg: leg, to: .redirected,
                              reason: reason, partnerReference: "", context)
        // Back into the outbox, at its end, as a new payout with none of the failed one's progress.
        // Never the first leg, so always a row of the leg table (v26, `LegPlace`).
        try db.cachedStatement(sql: """
            UPDATE leg SET partner = '', \(Payouts.leaveOutbox(.legTable)) WHERE operator_id = ? AND transfer_id = ? AND leg_index = ?
            """).execute(arguments: [operatorId, id, leg])
        try db.cachedStatement(sql: """
            UPDATE leg SET queued_at = ?, redirect = 1, redirect_state = 'pending'
            WHERE operator_id = ? AND transfer_id = ? AND leg_index = ?
            """).execute(arguments: [context.time, operatorId, id, leg])
        return true
    }
}
