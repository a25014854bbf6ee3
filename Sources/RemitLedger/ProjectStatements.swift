import Foundation
import GRDB
import RemitDomain

/// A project as its statement shows it: the plan, where the money stands, each sponsor's part.
public struct ProjectStatement: Hashable, Sendable {
    public struct Sponsorship: Hashable, Sendable {
        public var rule: SponsorshipRule
        public var sponsorName: String
        /// Matched so far (returned matches included: what the rule's cap counts).
        public var matched: Int64
        /// Returned to the sponsor's budget by refunds.
        public var returned: Int64
    }

    public var plan: ProjectPlan
    public var operatorId: String
    public var associationName: String
    /// The association's country: where the project is.
    public var associationCountry: String
    /// open, funded, refunding, refunded, completed (funded, every milestone paid).
    public var state: String
    public var contributed: Int64
    public var matched: Int64
    public var contributions: Int
    /// The escrow's balance: what the project holds and has not moved to disburse.
    public var escrow: Int64
    /// Moved from the escrow to pay milestones (a refunded attempt's money waits in the
    /// project's disbursement float for the next).
    public var disbursed: Int64
    public var sponsorships: [Sponsorship]
    public var milestones: [MilestoneStatus]
}

/// One contribution and what it brought: the receipt its sender is given.
public struct ContributionReceipt: Hashable, Sendable {
    public struct Match: Hashable, Sendable {
        public var sponsorId: String
        public var amount: Int64
        public var entryId: Int64
        public var returnedEntryId: Int64?
    }

    public var projectId: String
    public var projectTitle: String
    /// The receipt's number within the project: 1, 2, 3, ...
    public var number: Int64
    public var operatorId: String
    public var transferId: TransferID
    public var leg: Int
    public var contributorName: String
    public var sendCountry: String
    /// In the project's currency.
    public var amount: Int64
    public var currency: String
    public var receivedAt: Int64
    /// held, refunded.
    public var state: String
    public var entryId: Int64
    public var refundEntryId: Int64?
    public var matches: [Match]
}

/// What the desk needs to know of a project to take a contribution to it.
public struct ProjectTerms: Hashable, Sendable {
    public var currency: String
    public var state: String
    public var deadline: Int64

    public init(currency: String, state: String, deadline: Int64) {
        self.currency = currency
        self.state = state
        self.deadline = deadline
    }

    public func takesContributions(at now: Int64, in currency: String) -> Bool {
        state == "open" && now < deadline && currency == self.currency
    }
}

extension Ledger {
    /// A project's currency, state and deadline, or nil if there is no such project.
    public func projectTerms(_ id: String) throws -> ProjectTerms? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT currency, state, deadline FROM project WHERE id = ?", arguments: [id]).map {
                ProjectTerms(currency: $0["currency"], state: $0["state"], deadline: $0["deadline"])
            }
        }
    }

    /// A project's statement, or nil if there is no such project.
    public func projectStatement(_ id: String) throws -> ProjectStatement? {
        try pool.read { db in
            guard let plan = try Projects.stored(db, id),
                  let row = try Row.fetchOne(db, sql: """
                      SELECT p.state, p.contributed, p.matched, p.contributions, p.disbursed, a.operator_id, a.name, a.country
                      FROM project p JOIN association a ON a.id = p.association_id WHERE p.id = ?
                      """, arguments: [id])
            else { return nil }
            let escrow = try Int64.fetchOne(db, sql: "SELECT balance FROM account WHERE code = ?",
                                            arguments: [AccountCode.projectEscrow(id, plan.currency).text]) ?? 0
            let sponsorships = try Row.fetchAll(db, sql: """
                SELECT s.*, p.name,
                       (SELECT coalesce(sum(m.amount), 0) FROM project_match m
                        WHERE m.project_id = s.project_id AND m.sponsor_id = s.sponsor_id AND m.returned_entry_id IS NOT NULL)
                           AS returned
                FROM sponsorship s JOIN sponsor p ON p.id = s.sponsor_id WHERE s.project_id = ? ORDER BY s.position
                """, arguments: [id]).map { row in
                let countries: String = row["send_countries"]
                return ProjectStatement.Sponsorship(
                    rule: SponsorshipRule(projectId: id, sponsorId: row["sponsor_id"], ratioPpm: row["ratio_ppm"],
                                          projectCap: row["project_cap"], contributorCap: row["contributor_cap"],
                                          minContribution: row["min_contribution"],
                                          sendCountries: countries.isEmpty ? [] : countries.split(separator: ",").map(String.init)),
                    sponsorName: row["name"], matched: row["matched"], returned: row["returned"])
            }
            let milestones = try Projects.milestoneStatuses(db, id)
            var state: String = row["state"]
            if state == "funded", milestones.allSatisfy({ $0.state == "paid" }) { state = "completed" }
            return ProjectStatement(plan: plan, operatorId: row["operator_id"], associationName: row["name"],
                                    associationCountry: row["country"], state: state,
                                    contributed: row["contributed"], matched: row["matched"],
                                    contributions: row["contributions"], escrow: -escrow, disbursed: row["disbursed"],
                                    sponsorships: sponsorships, milestones: milestones)
        }
    }

    /// Every project's statement, by id, without receipts.
    public func projects() throws -> [ProjectStatement] {
        let ids = try pool.read { try String.fetchAll($0, sql: "SELECT id FROM project ORDER BY id") }
        return try ids.compactMap { try projectStatement($0) }
    }

    /// A project's contributions with their matches, by receipt number from `after` + 1, at most
    /// `limit` of them.
    public func contributions(projectId: String, after: Int64 = 0, limit: Int = 1_000) throws -> [ContributionReceipt] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.*, p.currency, p.title FROM contribution c JOIN project p ON p.id = c.project_id
                WHERE c.project_id = ? AND c.number > ? ORDER BY c.number LIMIT ?
                """, arguments: [projectId, after, limit]).map { try receipt(db, $0) }
        }
    }

    /// The receipt of the contribution a transfer's leg made, if it made one.
    public func contributionReceipt(operatorId: String, transferId: TransferID, leg: Int) throws -> ContributionReceipt? {
        try pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT c.*, p.currency, p.title FROM contribution c JOIN project p ON p.id = c.project_id
                WHERE c.operator_id = ? AND c.transfer_id = ? AND c.leg_index = ?
                """, arguments: [operatorId, Data(transferId.bytes), leg]).map { try receipt(db, $0) }
        }
    }

    private func receipt(_ db: Database, _ row: Row) throws -> ContributionReceipt {
        let projectId: String = row["project_id"], number: Int64 = row["number"]
        let matches = try Row.fetchAll(db, sql: """
            SELECT m.sponsor_id, m.amount, m.entry_id, m.returned_entry_id FROM project_match m
            JOIN sponsorship s ON s.project_id = m.project_id AND s.sponsor_id = m.sponsor_id
            WHERE m.project_id = ? AND m.number = ? ORDER BY s.position
            """, arguments: [projectId, number]).map {
            ContributionReceipt.Match(sponsorId: $0["sponsor_id"], amount: $0["amount"], entryId: $0["entry_id"],
                                      returnedEntryId: $0["returned_entry_id"])
        }
        return ContributionReceipt(
            projectId: projectId, projectTitle: row["title"], number: number, operatorId: row["operator_id"],
            transferId: TransferID(bytes: [UInt8](row["transfer_id"] as Data))!, leg: row["leg_index"],
            contributorName: row["contributor_name"], sendCountry: row["send_country"], amount: row["amount"],
            currency: row["currency"], receivedAt: row["received_at"], state: row["state"], entryId: row["entry_id"],
            refundEntryId: row["refund_entry_id"], matches: matches)
    }
}

extension Projects {
    /// For `verify`: each project's escrow holds its contributions not refunded and its matches
    /// not returned, less what it moved to disburse; its totals and each sponsor's are what the
    /// rows add up to.
    static func check(_ db: Database) throws -> [String] {
        var problems: [String] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT p.id, p.contributed, p.matched, p.contributions, p.disbursed,
                   -coalesce((SELECT a.balance FROM account a WHERE a.code = 'project/' || p.id || '/escrow/' || p.currency), 0)
                       AS escrow,
                   (SELECT coalesce(sum(c.amount), 0) FROM contribution c WHERE c.project_id = p.id) AS received,
                   (SELECT coalesce(sum(c.amount), 0) FROM contribution c WHERE c.project_id = p.id AND c.state = 'held')
                       AS held,
                   (SELECT count(*) FROM contribution c WHERE c.project_id = p.id) AS count,
                   (SELECT coalesce(sum(m.amount), 0) FROM project_match m WHERE m.project_id = p.id) AS matches,
                   (SELECT coalesce(sum(m.amount), 0) FROM project_match m
                    WHERE m.project_id = p.id AND m.returned_entry_id IS NULL) AS kept
            FROM project p ORDER BY p.id
            """) {
            let id: String = row["id"]
            let expected = (row["held"] as Int64) + (row["kept"] as Int64) - (row["disbursed"] as Int64)
            if (row["escrow"] as Int64) != expected {
                problems.append("project \(id): escrow \(row["escrow"] as Int64), contributions held and matches kept "
                                + "less what was disbursed come to \(expected)")
            }
            if (row["contributed"] as Int64) != (row["received"] as Int64) || (row["contributions"] as Int64) != (row["count"] as Int64)
                || (row["matched"] as Int64) != (row["matches"] as Int64) {
                problems.append("project \(id): totals differ from its contributions and matches")
            }
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT s.project_id, s.sponsor_id FROM sponsorship s
            WHERE s.matched <> (SELECT coalesce(sum(m.amount), 0) FROM project_match m
                                WHERE m.project_id = s.project_id AND m.sponsor_id = s.sponsor_id)
            """) {
            problems.append("project \(row["project_id"] as String): sponsor \(row["sponsor_id"] as String)'s total "
                            + "differs from its matches")
        }
        return problems
    }
}
