import Foundation

/// One request on the admin socket: a JSON object on one line, answered by one JSON line.
///
/// ```
/// → {"command":"fund","operator":"ACME","amount":"1000.00","reference":"wire 2026-11-23/42"}
/// ← {"ok":true,"entries":[17],"balance":"1001000.00","currency":"USD"}
/// ← {"ok":false,"error":"operator NOPE is not configured"}
/// ```
public struct AdminRequest: Codable, Sendable, Hashable {
    public var command: String
    public var `operator`: String?
    /// Major units as a decimal string, in the operator's currency.
    public var amount: String?
    public var reference: String?
    public var partner: String?
    /// A transfer id in UUID form.
    public var transfer: String?
    public var leg: Int?
    /// For resolve-payout: "paid" (with `reference`, the partner's) or "failed". Evidence: for
    /// resolve-payout and reverse-payout.
    public var outcome: String?
    public var evidence: String?
    /// For rates-set: the pair, the mid rate as a decimal string, and when it was observed (ISO
    /// 8601 UTC; default now).
    public var base: String?
    public var quote: String?
    public var mid: String?
    public var asOf: String?
    /// For record-statement: the statement file's SHA-256 (64 hex digits); `reference` names
    /// the statement and `evidence` sums up what reconciling it found.
    public var digest: String?
    /// For the collective-remittance commands (docs/projects.md).
    public var project: ProjectRequest?

    public init(command: String, operator: String? = nil, amount: String? = nil, reference: String? = nil,
                partner: String? = nil, transfer: String? = nil, leg: Int? = nil, outcome: String? = nil,
                evidence: String? = nil, base: String? = nil, quote: String? = nil, mid: String? = nil,
                asOf: String? = nil, digest: String? = nil, project: ProjectRequest? = nil) {
        self.project = project
        self.digest = digest
        self.base = base
        self.quote = quote
        self.mid = mid
        self.asOf = asOf
        self.command = command
        self.operator = `operator`
        self.amount = amount
        self.reference = reference
        self.partner = partner
        self.transfer = transfer
        self.leg = leg
        self.outcome = outcome
        self.evidence = evidence
    }
}

/// What the project commands carry. Amounts are decimal strings in major units of the
/// project's (or, for sponsor-fund, the deposit's) currency; a ratio is a decimal (`1` is a
/// peso per peso, `0.5` half of one); times are UTC (`2027-06-30T23:59:59Z`).
///
/// ```
/// → {"command":"project-open","project":{"id":"JEREZ-WELL","association":"CLUB-JEREZ","title":"Pozo de agua",
///    "currency":"MXN","target":"8000.00","partner":"KMFI","institution":"KMFI","account":"0012345678",
///    "deadline":"2027-06-30T23:59:59Z","policy":"full","milestones":[{"description":"Drilling","amount":"8000.00"}]}}
/// ```
public struct ProjectRequest: Codable, Sendable, Hashable {
    public struct Milestone: Codable, Sendable, Hashable {
        public var description: String
        public var amount: String

        public init(description: String, amount: String) {
            self.description = description
            self.amount = amount
        }
    }

    public var id: String?
    public var association: String?
    public var sponsor: String?
    /// An association's or a sponsor's name.
    public var name: String?
    public var title: String?
    public var country: String?
    public var currency: String?
    public var target: String?
    public var partner: String?
    public var institution: String?
    public var account: String?
    public var deadline: String?
    /// full or amount.
    public var policy: String?
    public var milestones: [Milestone]?
    public var ratio: String?
    public var projectCap: String?
    public var contributorCap: String?
    public var minContribution: String?
    public var sendCountries: [String]?
    /// For project-disburse: the milestone's number (1, 2, …).
    public var milestone: Int?

    public init(id: String? = nil, association: String? = nil, sponsor: String? = nil, name: String? = nil,
                title: String? = nil, country: String? = nil, currency: String? = nil, target: String? = nil,
                partner: String? = nil, institution: String? = nil, account: String? = nil, deadline: String? = nil,
                policy: String? = nil, milestones: [Milestone]? = nil, ratio: String? = nil, projectCap: String? = nil,
                contributorCap: String? = nil, minContribution: String? = nil, sendCountries: [String]? = nil,
                milestone: Int? = nil) {
        self.milestone = milestone
        self.id = id
        self.association = association
        self.sponsor = sponsor
        self.name = name
        self.title = title
        self.country = country
        self.currency = currency
        self.target = target
        self.partner = partner
        self.institution = institution
        self.account = account
        self.deadline = deadline
        self.policy = policy
        self.milestones = milestones
        self.ratio = ratio
        self.projectCap = projectCap
        self.contributorCap = contributorCap
        self.minContribution = minContribution
        self.sendCountries = sendCountries
    }
}

/// A partner as operations see it: configured, switched on or off, its circuit.
public struct PartnerStatus: Codable, Sendable, Hashable {
    public var id: String
    public var adapter: String
    public var enabled: Bool
    public var circuitOpen: Bool
    public var countries: [String]
    public var products: [String]
    /// From `partners-health`: up, degraded or down, and what the check found.
    public var health: String?
    public var healthDetail: String?
}

public struct AdminResponse: Codable, Sendable, Hashable {
    public var ok: Bool
    public var error: String?
    public var entries: [Int64]?
    public var balance: String?
    public var currency: String?
    public var status: String?
    public var partners: [PartnerStatus]?

    public init(ok: Bool, error: String? = nil, entries: [Int64]? = nil, balance: String? = nil, currency: String? = nil,
                status: String? = nil, partners: [PartnerStatus]? = nil) {
        self.partners = partners
        self.ok = ok
        self.error = error
        self.entries = entries
        self.balance = balance
        self.currency = currency
        self.status = status
    }

    static func failure(_ error: String) -> AdminResponse { AdminResponse(ok: false, error: error) }
}
