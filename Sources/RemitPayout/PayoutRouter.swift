import RemitDomain

/// A partner as the router sees it: its adapter, its place in line, and whether it may be used.
public struct RoutedPartner: Sendable {
    public var adapter: any PartnerAdapter
    /// Lower goes first among partners that can pay a leg.
    public var priority: Int
    public var enabled: Bool
    public var maxConcurrency: Int
    public var timeoutMs: Int64
    /// What a payout costs the gateway at this partner: a fixed part per payout currency (minor
    /// units) plus basis points of the payout; among partners of one priority the cheaper goes first.
    public var costFixed: [String: Int64]
    public var costBasisPoints: Int64

    public init(adapter: any PartnerAdapter, priority: Int, enabled: Bool = true, maxConcurrency: Int = 16,
                timeoutMs: Int64 = 10_000, costFixed: [String: Int64] = [:], costBasisPoints: Int64 = 0) {
        self.adapter = adapter
        self.priority = priority
        self.enabled = enabled
        self.maxConcurrency = maxConcurrency
        self.timeoutMs = timeoutMs
        self.costFixed = costFixed
        self.costBasisPoints = costBasisPoints
    }

    public var id: String { adapter.id }

    /// The cost of paying `amount` here, in its minor units (128-bit: never overflows).
    public func cost(of amount: Money) -> Int64 {
        let variable = Int128(amount.minorUnits) * Int128(costBasisPoints) / 10_000
        return Int64(clamping: Int128(costFixed[amount.currency.code] ?? 0) + variable)
    }
}

/// Chooses partners for a leg: those enabled whose capabilities cover it (and the one it names,
/// if it names an institution), in priority order, the cheaper first for the leg's amount within
/// a priority, then by id for a stable order.
public struct PayoutRouter: Sendable {
    public let partners: [RoutedPartner]
    public let switches: PartnerSwitches

    public init(partners: [RoutedPartner], switches: PartnerSwitches = PartnerSwitches()) {
        self.partners = partners.sorted { ($0.priority, $0.id) < ($1.priority, $1.id) }
        self.switches = switches
    }

    public func candidates(for instruction: PayoutInstruction, institution: String) -> [RoutedPartner] {
        partners.filter {
            $0.enabled && switches.isEnabled($0.id) && $0.adapter.capabilities.covers(instruction)
                && (institution.isEmpty || institution == $0.id)
        }.map { ($0, $0.cost(of: instruction.amount)) }
            .sorted { ($0.0.priority, $0.1, $0.0.id) < ($1.0.priority, $1.1, $1.0.id) }
            .map(\.0)
    }

    /// The partner to try after `current` refused definitely, if any.
    public func next(after current: String, for instruction: PayoutInstruction, institution: String) -> RoutedPartner? {
        let list = candidates(for: instruction, institution: institution)
        guard let position = list.firstIndex(where: { $0.id == current }) else { return nil }
        return list.dropFirst(position + 1).first
    }

    public func partner(_ id: String) -> RoutedPartner? { partners.first { $0.id == id } }
}
