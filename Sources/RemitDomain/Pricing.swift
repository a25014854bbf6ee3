/// A fee: a fixed part plus basis points of the send amount, by tier of send amount, kept
/// between a minimum and a maximum.
///
/// ```swift
/// // 2.99 up to 499.99; from 500.00, 0.99 plus 0.8 %; never more than 25.00.
/// let fee = FeeSchedule(tiers: [.init(from: 0, fixed: 299), .init(from: 50_000, fixed: 99, basisPoints: 80)],
///                       maximum: 2_500)
/// fee.fee(on: 100_000)   // 899
/// ```
public struct FeeSchedule: Hashable, Sendable {
    /// The fee for send amounts from `from` (minor units of the send currency) up to the next
    /// tier's `from`.
    public struct Tier: Hashable, Sendable {
        public var from: Int64
        public var fixed: Int64
        public var basisPoints: Int64

        public init(from: Int64, fixed: Int64, basisPoints: Int64 = 0) {
            precondition(from >= 0 && fixed >= 0 && basisPoints >= 0 && basisPoints <= 10_000)
            self.from = from
            self.fixed = fixed
            self.basisPoints = basisPoints
        }
    }

    /// Ascending by `from`; the first starts at zero.
    public let tiers: [Tier]
    public let minimum: Int64
    public let maximum: Int64

    public static let maxTiers = 32

    public init(tiers: [Tier], minimum: Int64 = 0, maximum: Int64 = .max) {
        precondition(!tiers.isEmpty && tiers.count <= Self.maxTiers && tiers[0].from == 0)
        precondition(zip(tiers, tiers.dropFirst()).allSatisfy { $0.from < $1.from })
        precondition(minimum >= 0 && minimum <= maximum)
        self.tiers = tiers
        self.minimum = minimum
        self.maximum = maximum
    }

    /// One tier for every amount.
    public init(fixed: Int64, basisPoints: Int64 = 0, minimum: Int64 = 0, maximum: Int64 = .max) {
        self.init(tiers: [Tier(from: 0, fixed: fixed, basisPoints: basisPoints)], minimum: minimum, maximum: maximum)
    }

    /// The tier that applies to `send` minor units.
    public func tier(for send: Int64) -> Tier {
        tiers.last { $0.from <= send } ?? tiers[0]
    }

    /// The fee on `send` minor units; the basis-point part is rounded down to a minor unit.
    public func fee(on send: Int64) -> Int64? {
        let tier = tier(for: send)
        let (product, overflow) = send.multipliedReportingOverflow(by: tier.basisPoints)
        guard !overflow else { return nil }
        let (total, overflow2) = tier.fixed.addingReportingOverflow(product / 10_000)
        guard !overflow2 else { return nil }
        return min(max(total, minimum), maximum)
    }
}

/// Exact currency conversion at a `Rate`, in minor units, with 128-bit intermediates so that no
/// amount that fits in Int64 overflows on the way.
public enum Conversion {
    /// Payout minor units for `send` minor units, rounded down: the sender never receives a
    /// fraction of a minor unit more than the rate gives.
    public static func payout(send: Int64, rate: Rate, from: Currency, to: Currency) -> Int64? {
        guard send >= 0 else { return nil }
        // send × rate × 10^payoutExp / (10^9 × 10^sendExp)
        let numerator = UInt64(send).multipliedFullWidth(by: UInt64(rate.nanos))
        return scaleAndDivide(numerator, multiplier: pow10(to.exponent), divisor: UInt64(Rate.scale) * pow10(from.exponent),
                              roundUp: false)
    }

    /// Send minor units that pay out at least `payout`, rounded up.
    public static func send(forPayout payout: Int64, rate: Rate, from: Currency, to: Currency) -> Int64? {
        sendValue(payout, rate: rate, from: from, to: to, roundUp: true)
    }

    /// What `payout` is worth in send minor units at `rate`, rounded down.
    public static func value(ofPayout payout: Int64, rate: Rate, from: Currency, to: Currency) -> Int64? {
        sendValue(payout, rate: rate, from: from, to: to, roundUp: false)
    }

    private static func sendValue(_ payout: Int64, rate: Rate, from: Currency, to: Currency, roundUp: Bool) -> Int64? {
        guard payout >= 0 else { return nil }
        // payout × 10^9 × 10^sendExp / (rate × 10^payoutExp)
        let numerator = UInt64(payout).multipliedFullWidth(by: UInt64(Rate.scale))
        let (divisor, overflow) = UInt64(rate.nanos).multipliedReportingOverflow(by: pow10(to.exponent))
        guard !overflow else { return nil }
        return scaleAndDivide(numerator, multiplier: pow10(from.exponent), divisor: divisor, roundUp: roundUp)
    }

    private static func pow10(_ exponent: Int) -> UInt64 {
        var value: UInt64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// (numerator × multiplier) / divisor with a 128-bit numerator; nil if the result exceeds Int64.
    private static func scaleAndDivide(_ numerator: (high: UInt64, low: UInt64), multiplier: UInt64, divisor: UInt64,
                                       roundUp: Bool) -> Int64? {
        // Multiply the 128-bit numerator by a small multiplier (≤ 10^3), checking for overflow.
        let low = numerator.low.multipliedFullWidth(by: multiplier)
        let (high, highOverflow) = numerator.high.multipliedReportingOverflow(by: multiplier)
        let (sumHigh, carryOverflow) = high.addingReportingOverflow(low.high)
        guard !highOverflow, !carryOverflow, sumHigh < divisor else { return nil }
        let (quotient, remainder) = divisor.dividingFullWidth((sumHigh, low.low))
        guard quotient < UInt64(Int64.max) else { return nil }
        return Int64(quotient) + (roundUp && remainder > 0 ? 1 : 0)
    }
}

/// Splits a payout across legs by share (basis points of 10,000): each leg rounded down to a
/// minor unit, the remainder added to the first leg, so the legs always add up to the payout.
public enum LegSplit {
    public static func amounts(payout: Int64, shares: [UInt16]) -> [Int64] {
        precondition(!shares.isEmpty && shares.reduce(0, { $0 + Int($1) }) == 10_000 && payout >= 0)
        // 128-bit products: payout × share fits in 64 bits only below 1.8 × 10^15 minor units.
        var amounts = shares.map { share in
            Int64(UInt64(10_000).dividingFullWidth(UInt64(payout).multipliedFullWidth(by: UInt64(share))).quotient)
        }
        amounts[0] += payout - amounts.reduce(0, +)
        return amounts
    }
}
