import Foundation
import GRDB
import RemitDomain

/// A hometown association, registered by the operator whose customers are its members.
public struct AssociationRecord: Hashable, Sendable {
    public var id: String
    public var operatorId: String
    public var name: String
    /// Where its projects are: ISO 3166-1 alpha-2.
    public var country: String

    public init(id: String, operatorId: String, name: String, country: String) {
        self.id = id
        self.operatorId = operatorId
        self.name = name
        self.country = country
    }
}

/// What happens to a project's contributions when it misses its deadline.
public enum RefundPolicy: String, Hashable, Sendable, CaseIterable {
    /// Each contribution's send amount and fee return to its operator's prefund, for its sender.
    case full
    /// The send amount returns; the fee, for a transfer that was made, is kept.
    case amount
}

/// A community project an association raises money for: a school, a well, a clinic.
///
/// ```swift
/// await ledger.apply(.openProject(ProjectPlan(
///     id: "JEREZ-WELL-2027", associationId: "CLUB-JEREZ", title: "Pozo de agua, Jerez", currency: mxn,
///     target: 40_000_000, partner: "kmfi", institution: "KMFI", account: "0012345678",
///     deadline: june30, refundPolicy: .full,
///     milestones: [.init(description: "Drilling", amount: 25_000_000), .init(description: "Pump", amount: 15_000_000)])))
/// ```
public struct ProjectPlan: Hashable, Sendable {
    public struct Milestone: Hashable, Sendable {
        public var description: String
        public var amount: Int64

        public init(description: String, amount: Int64) {
            self.description = description
            self.amount = amount
        }
    }

    /// The product of a leg that contributes to a project; the leg's `account` is the project's id.
    public static let contributionProduct = "projectContribution"

    public var id: String
    public var associationId: String
    public var title: String
    /// The escrow's currency: contributions are paid out in it, sponsors match in it.
    public var currency: Currency
    /// Minor units of `currency`; the milestones add up to it.
    public var target: Int64
    /// The beneficiary institution: the payout partner, the institution's code and the account
    /// that disbursements are paid to.
    public var partner: String
    public var institution: String
    public var account: String
    /// Milliseconds since 1970: contributions settled after it are refused, and a project not
    /// funded by then is refunded.
    public var deadline: Int64
    public var refundPolicy: RefundPolicy
    public var milestones: [Milestone]

    public init(id: String, associationId: String, title: String, currency: Currency, target: Int64, partner: String,
                institution: String, account: String, deadline: Int64, refundPolicy: RefundPolicy, milestones: [Milestone]) {
        self.id = id
        self.associationId = associationId
        self.title = title
        self.currency = currency
        self.target = target
        self.partner = partner
        self.institution = institution
        self.account = account
        self.deadline = deadline
        self.refundPolicy = refundPolicy
        self.milestones = milestones
    }
}

/// A sponsor's rule for one project: it adds `ratioPpm` millionths of each eligible
/// contribution (1,000,000 is a peso per peso, 3x1's rule for each of its three governments),
/// up to `projectCap` in all and `contributorCap` per contributor, from its budget.
public struct SponsorshipRule: Hashable, Sendable {
    public var projectId: String
    public var sponsorId: String
    public var ratioPpm: Int64
    public var projectCap: Int64
    public var contributorCap: Int64
    /// Eligibility: contributions below this (minor units of the project's currency) are not
    /// matched; nor are those sent from a country not listed, when `sendCountries` lists any.
    public var minContribution: Int64
    public var sendCountries: [String]

    public init(projectId: String, sponsorId: String, ratioPpm: Int64, projectCap: Int64, contributorCap: Int64,
                minContribution: Int64 = 0, sendCountries: [String] = []) {
        self.projectId = projectId
        self.sponsorId = sponsorId
        self.ratioPpm = ratioPpm
        self.projectCap = projectCap
        self.contributorCap = contributorCap
        self.minContribution = minContribution
        self.sendCountries = sendCountries
    }
}

/// Collective remittances: projects, their sponsors, and the contributions that fund them.
/// Every movement of money is an entry: a contribution leg is paid into the project's escrow
/// (the leg's payment, as to a partner), each sponsor's match moves from its budget to the
/// escrow in the same transaction, and a refund mirrors both.
enum Projects {
    static let product = ProjectPlan.contributionProduct
    static let maxMilestones = 20
    static let maxSponsorships = 8

    /// Ids are used in account codes and in a leg's account field (34 printable ASCII at most).
    static func checkId(_ id: String, _ what: String) throws {
        guard (1...34).contains(id.utf8.count),
              id.utf8.allSatisfy({ $0 == 0x2D || $0 == 0x2E || $0 == 0x5F || (0x30...0x39).contains($0)
                                      || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
        else { throw LedgerError.invalidProject(what) }
    }

    static func checkText(_ text: String, _ what: String) throws {
        guard (1...140).contains(text.utf8.count), !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw LedgerError.invalidProject(what) }
    }

    static func registerAssociation(_ db: Database, _ record: AssociationRecord, _ context: WriteContext) throws {
        try checkId(record.id, "association id")
        try checkText(record.name, "association name")
        guard record.country.utf8.count == 2, record.country.utf8.allSatisfy({ (0x41...0x5A).contains($0) }) else {
            throw LedgerError.invalidProject("association country")
        }
        try context.requireOperator(db, record.operatorId)
        if let row = try Row.fetchOne(db, sql: "SELECT operator_id, name, country FROM association WHERE id = ?",
                                      arguments: [record.id]) {
            guard row["operator_id"] == record.operatorId, row["name"] == record.name, row["country"] == record.country
            else { throw LedgerError.projectExists(record.id) }
            return
        }
        try db.execute(sql: "INSERT INTO association (id, operator_id, name, country, created_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [record.id, record.operatorId, record.name, record.country, context.time])
    }

    static func open(_ db: Database, _ plan: ProjectPlan, _ context: WriteContext) throws {
        try checkId(plan.id, "project id")
        try checkText(plan.title, "project title")
        for (value, what) in [(plan.partner, "partner"), (plan.institution, "institution"), (plan.account, "account")] {
            guard (1...34).contains(value.utf8.count), value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw LedgerError.invalidProject(what)
            }
        }
        guard plan.target > 0 else { throw LedgerError.invalidAmount(plan.target) }
        guard (1...maxMilestones).contains(plan.milestones.count) else { throw LedgerError.invalidProject("milestones") }
        var sum: Int64 = 0
        for milestone in plan.milestones {
            try checkText(milestone.description, "milestone description")
            guard milestone.amount > 0 else { throw LedgerError.invalidAmount(milestone.amount) }
            let (total, overflow) = sum.addingReportingOverflow(milestone.amount)
            guard !overflow else { throw LedgerError.money(.overflow) }
            sum = total
        }
        // The milestones spend the target: what is raised beyond it goes with the last one.
        guard sum == plan.target else { throw LedgerError.invalidProject("milestones add up to \(sum), not the target") }
        guard plan.deadline > context.time else { throw LedgerError.invalidProject("deadline") }
        guard try Row.fetchOne(db, sql: "SELECT 1 FROM association WHERE id = ?", arguments: [plan.associationId]) != nil
        else { throw LedgerError.unknownAssociation(plan.associationId) }
        if try Row.fetchOne(db, sql: "SELECT 1 FROM project WHERE id = ?", arguments: [plan.id]) != nil {
            guard try stored(db, plan.id) == plan else { throw LedgerError.projectExists(plan.id) }
            return
        }
        try db.execute(sql: """
            INSERT INTO project (id, association_id, title, currency, target, partner, institution, account, deadline,
                                 refund_policy, state, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)
            """, arguments: [plan.id, plan.associationId, plan.title, plan.currency.code, plan.target, plan.partner,
                             plan.institution, plan.account, plan.deadline, plan.refundPolicy.rawValue, context.time,
                             context.time])
        for (index, milestone) in plan.milestones.enumerated() {
            try db.execute(sql: "INSERT INTO milestone (project_id, position, description, amount) VALUES (?, ?, ?, ?)",
                           arguments: [plan.id, index + 1, milestone.description, milestone.amount])
        }
        try Accounts.open(db, .projectEscrow(plan.id, plan.currency), floor: 0, at: context.time, ifMissing: true)
    }

    static func stored(_ db: Database, _ id: String) throws -> ProjectPlan? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM project WHERE id = ?", arguments: [id]) else { return nil }
        let milestones = try Row.fetchAll(db, sql: """
            SELECT description, amount FROM milestone WHERE project_id = ? ORDER BY position
            """, arguments: [id]).map { ProjectPlan.Milestone(description: $0["description"], amount: $0["amount"]) }
        return ProjectPlan(id: row["id"], associationId: row["association_id"], title: row["title"],
                           currency: try currency(row["currency"]), target: row["target"], partner: row["partner"],
                           institution: row["institution"], account: row["account"], deadline: row["deadline"],
                           refundPolicy: RefundPolicy(rawValue: row["refund_policy"])!, milestones: milestones)
    }

    static func registerSponsor(_ db: Database, id: String, name: String, _ context: WriteContext) throws {
        try checkId(id, "sponsor id")
        try checkText(name, "sponsor name")
        if let stored = try String.fetchOne(db, sql: "SELECT name FROM sponsor WHERE id = ?", arguments: [id]) {
            guard stored == name else { throw LedgerError.projectExists(id) }
            return
        }
        try db.execute(sql: "INSERT INTO sponsor (id, name, created_at) VALUES (?, ?, ?)", arguments: [id, name, context.time])
    }

    /// Money a sponsor deposited, into its budget in that currency.
    static func fundSponsor(_ db: Database, id: String, amount: Money, reference: String,
                            _ context: WriteContext) throws -> Int64 {
        try requireSponsor(db, id)
        try Accounts.requirePositive(amount)
        try Accounts.open(db, .settlement(amount.currency), floor: nil, at: context.time, ifMissing: true)
        try Accounts.open(db, .sponsorBudget(id, amount.currency), floor: 0, at: context.time, ifMissing: true)
        return try Journal.append(db, context, kind: "sponsor-fund", reference: reference, postings: [
            Posting(.settlement(amount.currency), debit: amount),
            Posting(.sponsorBudget(id, amount.currency), credit: amount),
        ])
    }

    static func requireSponsor(_ db: Database, _ id: String) throws {
        guard try Row.fetchOne(db, sql: "SELECT 1 FROM sponsor WHERE id = ?", arguments: [id]) != nil else {
            throw LedgerError.unknownSponsor(id)
        }
    }

    static func sponsor(_ db: Database, _ rule: SponsorshipRule, _ context: WriteContext) throws {
        try requireSponsor(db, rule.sponsorId)
        guard let project = try Row.fetchOne(db, sql: "SELECT state, currency FROM project WHERE id = ?",
                                             arguments: [rule.projectId])
        else { throw LedgerError.unknownProject(rule.projectId) }
        guard (1...10_000_000).contains(rule.ratioPpm) else { throw LedgerError.invalidProject("ratio") }
        guard rule.projectCap > 0, rule.contributorCap > 0, rule.minContribution >= 0 else {
            throw LedgerError.invalidProject("caps")
        }
        guard rule.sendCountries.count <= 50,
              rule.sendCountries.allSatisfy({ $0.utf8.count == 2 && $0.utf8.allSatisfy { (0x41...0x5A).contains($0) } })
        else { throw LedgerError.invalidProject("send countries") }
        let countries = rule.sendCountries.sorted().joined(separator: ",")
        if let row = try Row.fetchOne(db, sql: """
            SELECT ratio_ppm, project_cap, contributor_cap, min_contribution, send_countries FROM sponsorship
            WHERE project_id = ? AND sponsor_id = ?
            """, arguments: [rule.projectId, rule.sponsorId]) {
            guard row["ratio_ppm"] == rule.ratioPpm, row["project_cap"] == rule.projectCap,
                  row["contributor_cap"] == rule.contributorCap, row["min_contribution"] == rule.minContribution,
                  row["send_countries"] == countries
            else { throw LedgerError.projectExists("\(rule.projectId) sponsored by \(rule.sponsorId)") }
            return
        }
        let state: String = project["state"]
        guard state == "open" else { throw LedgerError.projectState(rule.projectId, state: state) }
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM sponsorship WHERE project_id = ?",
                                     arguments: [rule.projectId]) ?? 0
        guard count < maxSponsorships else { throw LedgerError.invalidProject("more than \(maxSponsorships) sponsors") }
        try db.execute(sql: """
            INSERT INTO sponsorship (project_id, sponsor_id, position, ratio_ppm, project_cap, contributor_cap,
                                     min_contribution, send_countries, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [rule.projectId, rule.sponsorId, count + 1, rule.ratioPpm, rule.projectCap,
                             rule.contributorCap, rule.minContribution, countries, context.time])
        try Accounts.open(db, .sponsorBudget(rule.sponsorId, try currency(project["currency"])), floor: 0,
                          at: context.time, ifMissing: true)
    }

    static func currency(_ code: String) throws -> Currency {
        do { return try Currency(code) } catch { throw LedgerError.money(error) }
    }
}
