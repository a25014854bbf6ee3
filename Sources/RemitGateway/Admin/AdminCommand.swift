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

    public init(command: String, operator: String? = nil, amount: String? = nil, reference: String? = nil,
                partner: String? = nil, transfer: String? = nil, leg: Int? = nil, outcome: String? = nil,
                evidence: String? = nil, base: String? = nil, quote: String? = nil, mid: String? = nil,
                asOf: String? = nil, digest: String? = nil) {
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
