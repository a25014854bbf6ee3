import Crypto
import Foundation
import GRDB
import RemitDomain

/// A milestone as its project's statement shows it.
public struct MilestoneStatus: Hashable, Sendable {
    public var position: Int
    public var description: String
    /// The planned amount; the last milestone pays what the project holds, surplus included.
    public var amount: Int64
    /// pending, disbursing (its transfer is under way), paid, failed (its transfer was refunded:
    /// the money is back with the project, and it may be disbursed again).
    public var state: String
    /// The latest attempt's transfer, of the project's own operator `project:<id>`.
    public var transferId: TransferID?
    /// What that transfer pays the beneficiary institution.
    public var disbursed: Int64
    public var attempts: Int
    public var evidence: String
}

extension Projects {
    /// The ledger operator a project's disbursements are transfers of. Its prefund is the
    /// project's disbursement float: escrow moved there to pay a milestone, and back from a
    /// refunded attempt, ready for the next.
    static func disbursingOperator(_ projectId: String) -> String { "project:" + projectId }

    /// Pays a funded project's next milestone to its beneficiary institution, through the payout
    /// dispatcher like any transfer: the milestone's amount (the last one: all the project holds)
    /// moves from the escrow to the project's disbursement float, and a transfer of the project's
    /// own operator, one `accountCredit` leg to the project's partner and account, holds it.
    /// `position` must be the next milestone not paid or under way: milestones are paid in order.
    static func disburse(_ db: Database, projectId: String, position: Int, evidence: String,
                         _ context: WriteContext) throws -> [Int64] {
        guard (1...500).contains(evidence.utf8.count) else { throw LedgerError.invalidEvidence }
        guard let project = try Row.fetchOne(db, sql: """
            SELECT p.state, p.currency, p.partner, p.institution, p.account, a.country, a.name
            FROM project p JOIN association a ON a.id = p.association_id WHERE p.id = ?
            """, arguments: [projectId])
        else { throw LedgerError.unknownProject(projectId) }
        let state: String = project["state"]
        guard state == "funded" else { throw LedgerError.projectState(projectId, state: state) }
        let milestones = try milestoneStatuses(db, projectId)
        guard let next = milestones.first(where: { $0.state == "pending" || $0.state == "failed" }) else {
            throw LedgerError.projectState(projectId, state: "every milestone paid or under way")
        }
        guard next.position == position else {
            throw LedgerError.invalidProject(position < next.position || !milestones.indices.contains(position - 1)
                ? "milestone \(position) is not to be paid" : "milestone \(next.position) comes first")
        }
        let currency = try currency(project["currency"])
        let operatorId = disbursingOperator(projectId)
        let float = AccountCode.operatorPrefund(operatorId, currency), escrow = AccountCode.projectEscrow(projectId, currency)
        try db.execute(sql: "INSERT OR IGNORE INTO operator (id, created_at) VALUES (?, ?)", arguments: [operatorId, context.time])
        try Accounts.open(db, float, floor: 0, at: context.time, ifMissing: true)
        try Accounts.open(db, .operatorHolds(operatorId, currency), floor: nil, at: context.time, ifMissing: true)
        let inFloat = -(try context.floorBalance(db, try context.account(db, float)))
        let inEscrow = -(try context.floorBalance(db, try context.account(db, escrow)))
        let isLast = milestones.allSatisfy { $0.position == position || $0.state == "paid" || $0.state == "disbursing" }
        let amount = isLast ? inEscrow + inFloat : next.amount
        guard amount > 0 else { throw LedgerError.invalidAmount(amount) }
        var entries: [Int64] = []
        if amount > inFloat {
            let moved = Money(amount - inFloat, currency)
            entries.append(try Journal.append(db, context, kind: "disburse", reference: "project/\(projectId)/milestone/\(position)",
                                              postings: [Posting(escrow, debit: moved), Posting(float, credit: moved)]))
            try db.execute(sql: "UPDATE project SET disbursed = disbursed + ?, updated_at = ? WHERE id = ?",
                           arguments: [moved.minorUnits, context.time, projectId])
        }
        let attempt = next.attempts + 1
        let key = "project/\(projectId)/milestone/\(position)/\(attempt)"
        let digest = [UInt8](SHA256.hash(data: Data(key.utf8)))
        let transferId = TransferID(bytes: Array(digest.prefix(16)))!
        let country: String = project["country"], partner: String = project["partner"]
        let submission = TransferSubmission(
            operatorId: operatorId, transferId: transferId, contentHash: digest,
            decision: .accept(.init(sendAmount: Money(amount, currency), fee: Money(0, currency), payoutAmount: Money(amount, currency),
                                    legs: [.init(product: "accountCredit", institution: partner, account: project["account"],
                                                 share: 10_000, payoutAmount: amount)],
                                    holdExpiresAt: .max)),
            details: .init(operatorReference: "milestone \(position)", sendCurrency: currency.code, payoutCurrency: currency.code,
                           sendCountry: country, payoutCountry: country, senderName: project["name"], senderAccount: projectId,
                           beneficiaryName: project["institution"]))
        let receipt = try Transfers.submit(db, submission, context)
        // The hold it placed is written now, before anything else reads the books.
        try context.writeDeferred(db)
        guard receipt.state == .accepted, !receipt.replayed else {
            throw LedgerError.projectState(projectId, state: "disbursement \(transferId) \(receipt.state.rawValue)")
        }
        try db.execute(sql: """
            UPDATE milestone SET state = 'disbursing', transfer_id = ?, attempts = ?, evidence = ?
            WHERE project_id = ? AND position = ?
            """, arguments: [Data(transferId.bytes), attempt, evidence, projectId, position])
        return entries
    }

    /// Each milestone, its state read from its latest attempt's transfer.
    static func milestoneStatuses(_ db: Database, _ projectId: String) throws -> [MilestoneStatus] {
        try Row.fetchAll(db, sql: """
            SELECT m.position, m.description, m.amount, m.state, m.transfer_id, m.attempts, m.evidence,
                   t.state AS transfer_state, t.payout_amount
            FROM milestone m LEFT JOIN transfer t ON t.operator_id = ? AND t.transfer_id = m.transfer_id
            WHERE m.project_id = ? ORDER BY m.position
            """, arguments: [disbursingOperator(projectId), projectId]).map { row in
            var state: String = row["state"]
            if state == "disbursing", let transfer = (row["transfer_state"] as String?).flatMap(TransferState.init) {
                switch transfer {
                case .paid: state = "paid"
                case .refunded, .cancelled, .rejected, .reversed, .failed: state = "failed"
                default: break
                }
            }
            let transferId = (row["transfer_id"] as Data?).flatMap { TransferID(bytes: [UInt8]($0)) }
            return MilestoneStatus(position: row["position"], description: row["description"], amount: row["amount"],
                                   state: state, transferId: transferId, disbursed: transferId == nil ? 0 : row["payout_amount"] ?? 0,
                                   attempts: row["attempts"], evidence: row["evidence"])
        }
    }
}
