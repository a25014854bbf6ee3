import RemitDomain

/// One payout leg as a partner is asked to pay it.
public struct PayoutInstruction: Hashable, Sendable {
    /// The same for every attempt and inquiry of this leg: a partner that has seen it pays once.
    public var idempotencyKey: String
    public var product: String
    public var account: String
    public var amount: Money
    /// The payout country.
    public var country: String
    /// Where the remittance was sent from.
    public var originCountry: String
    /// The parties' names (FATF Recommendation 16), empty when not known.
    public var senderName: String
    public var beneficiaryName: String

    public init(idempotencyKey: String, product: String, account: String, amount: Money, country: String,
                originCountry: String = "", senderName: String = "", beneficiaryName: String = "") {
        self.senderName = senderName
        self.beneficiaryName = beneficiaryName
        self.idempotencyKey = idempotencyKey
        self.product = product
        self.account = account
        self.amount = amount
        self.country = country
        self.originCountry = originCountry
    }
}

/// What a partner said about a payout.
public enum PayoutOutcome: Hashable, Sendable {
    /// Paid; the partner's own reference for it.
    case paid(reference: String)
    /// Definitely not paid, and never will be under this key: the next partner may be tried.
    case rejected(reason: String)
    /// Accepted, not final yet: ask again later.
    case pending
    /// No answer (a timeout, a dropped connection, a 5xx after sending): the payout may or may not
    /// have happened.
    case unknown(reason: String)
    /// Not taken, certainly (refused before processing: overloaded, throttled, down for
    /// maintenance): the same partner may be asked again later under the same key.
    case busy(reason: String)
    /// Paid, then reversed: the money is back with the gateway's float at the partner, and will
    /// not be paid under this key again.
    case reversed(reason: String)
}

extension PayoutOutcome {
    /// A label for metrics and logs: paid, rejected, pending, unknown, busy.
    public var kind: String {
        switch self {
        case .paid: "paid"
        case .rejected: "rejected"
        case .pending: "pending"
        case .unknown: "unknown"
        case .busy: "busy"
        case .reversed: "reversed"
        }
    }
}

/// What a partner said to a request to cancel a payout.
public enum CancelOutcome: Hashable, Sendable {
    /// Cancelled: the payout was not made and never will be under this key (a later submission
    /// with it is refused).
    case cancelled
    /// Not cancelled, definitely: paid or collected already, or the partner does not cancel.
    case refused(reason: String)
    /// No answer: nothing is known to have changed.
    case unknown(reason: String)
}

/// What a partner can pay: where, in what, which products, up to how much.
public struct PartnerCapabilities: Hashable, Sendable {
    public var countries: Set<String>
    public var currencies: Set<String>
    public var products: Set<String>
    /// The most one payout may be, in minor units, by payout currency; none for a currency
    /// means no limit.
    public var maximumAmounts: [String: Int64]

    public init(countries: Set<String>, currencies: Set<String>, products: Set<String>,
                maximumAmounts: [String: Int64] = [:]) {
        self.countries = countries
        self.currencies = currencies
        self.products = products
        self.maximumAmounts = maximumAmounts
    }

    public func covers(_ instruction: PayoutInstruction) -> Bool {
        countries.contains(instruction.country) && currencies.contains(instruction.amount.currency.code)
            && products.contains(instruction.product)
            && instruction.amount.minorUnits <= maximumAmounts[instruction.amount.currency.code] ?? .max
    }
}

/// A partner the gateway pays out through: a mobile-money provider, an MFI's core banking, a
/// bank taking ISO 20022 files, or the simulator. Adapters translate; the dispatcher decides.
public protocol PartnerAdapter: Sendable {
    var id: String { get }
    var capabilities: PartnerCapabilities { get }
    /// Submits a payout. Must be safe to call again with the same key.
    func submit(_ instruction: PayoutInstruction) async -> PayoutOutcome
    /// Asks what became of this payout (the same instruction, under the same key, as was submitted).
    func status(_ instruction: PayoutInstruction) async -> PayoutOutcome
    /// Asks the partner to cancel this payout, where it allows it (a cash pickup not yet
    /// collected, say). Must be safe to call again. Partners that never cancel answer `.refused`.
    func cancel(_ instruction: PayoutInstruction) async -> CancelOutcome
    /// Reads a partner's callback about the payout with this key (its signature already checked):
    /// the outcome it reports, or nil if the body is not one this partner sends.
    func callbackOutcome(idempotencyKey: String, body: [UInt8]) -> PayoutOutcome?
    /// Whether the partner can take payouts now, asked of the partner itself (a heartbeat, an
    /// authenticated read, its folders), for operations.
    func checkHealth() async -> PartnerHealthCheck
}

/// What a partner's health check found.
public struct PartnerHealthCheck: Hashable, Sendable, Codable {
    public enum State: String, Hashable, Sendable, Codable {
        case up, degraded, down
    }

    public var state: State
    public var detail: String

    public init(_ state: State, _ detail: String) {
        self.state = state
        self.detail = String(detail.prefix(200))
    }
}

extension PartnerAdapter {
    /// By default a partner does not cancel payouts.
    public func cancel(_ instruction: PayoutInstruction) async -> CancelOutcome {
        .refused(reason: "\(id) does not take cancellations")
    }

    /// The gateway's own callback body, for partners without a format of their own:
    /// `{"status": "paid"|"rejected"|"pending", "reference": "…", "reason": "…"}`.
    public func callbackOutcome(idempotencyKey: String, body: [UInt8]) -> PayoutOutcome? {
        GenericCallback.outcome(body)
    }
}

/// The gateway's own callback body (see docs/partners.md).
public enum GenericCallback {
    public static func outcome(_ body: [UInt8]) -> PayoutOutcome? {
        guard let object = PartnerJSON.object(body), let status = object["status"] as? String else { return nil }
        switch status {
        case "paid":
            guard let reference = object["reference"] as? String, !reference.isEmpty, reference.utf8.count <= 64 else {
                return nil
            }
            return .paid(reference: reference)
        case "rejected": return .rejected(reason: String((object["reason"] as? String ?? "refused").prefix(200)))
        case "pending": return .pending
        default: return nil
        }
    }
}
