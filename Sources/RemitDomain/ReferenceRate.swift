/// A mid-market reference rate for a currency pair, with when it was observed. Quotes are priced
/// from it with the corridor's margin, and refused when it is older than the corridor allows.
///
/// ```swift
/// let mid = ReferenceRate(base: usd, quote: kes, mid: try Rate("129.45"), asOf: now)
/// let customer = mid.mid.lessMargin(basisPoints: 150)   // 127.508250000
/// ```
public struct ReferenceRate: Hashable, Sendable {
    public var base: Currency
    public var quote: Currency
    public var mid: Rate
    /// Milliseconds since the epoch.
    public var asOf: Int64

    public init(base: Currency, quote: Currency, mid: Rate, asOf: Int64) {
        self.base = base
        self.quote = quote
        self.mid = mid
        self.asOf = asOf
    }
}

extension Rate {
    /// The rate less a margin in basis points, rounded down to the rate's nine decimals: the
    /// customer never gets more than the margin says. Nil if nothing would be left.
    public func lessMargin(basisPoints: Int64) -> Rate? {
        precondition(basisPoints >= 0 && basisPoints < 10_000)
        let product = UInt64(nanos).multipliedFullWidth(by: UInt64(10_000 - basisPoints))
        let value = UInt64(10_000).dividingFullWidth(product).quotient
        return value > 0 && value <= UInt64(Int64.max) ? Rate(nanos: Int64(value)) : nil
    }

    /// `(reference − self) / reference` in parts per million, rounded to the nearest: what the
    /// sender loses to the rate against the mid-market rate (PROTOCOL.md `rateMargin`).
    public func marginPPM(against reference: Rate) -> Int32 {
        let difference = reference.nanos - nanos  // may be negative: a rate better than the mid
        // Beyond ±100 % (1,000,000 ppm) the figure means nothing more; clamp before dividing.
        if difference.magnitude / UInt64(reference.nanos) >= 2_000 { return difference > 0 ? .max : .min }
        let scaled = Int64(1_000_000).multipliedFullWidth(by: difference)
        let (quotient, remainder) = reference.nanos.dividingFullWidth(scaled)
        let rounded = remainder * 2 >= reference.nanos ? quotient + 1 : (remainder * 2 <= -reference.nanos ? quotient - 1 : quotient)
        return Int32(clamping: rounded)
    }
}

/// The World Bank's Remittance Prices Worldwide measure: fee plus the margin's cost, as parts
/// per million of the send amount. The SDG 10.c target is below 3 % (30,000 ppm).
public enum TotalCost {
    public static func ppm(send: Int64, fee: Int64, marginPPM: Int32) -> Int32 {
        guard send > 0 else { return 0 }
        // A fee above 2,000 times the amount is off any scale; clamp before dividing.
        guard fee / send < 2_000 else { return .max }
        // (fee × 10^6 + send × margin) / send, in 128 bits.
        let feePart = fee.multipliedFullWidth(by: 1_000_000)
        let marginPart = send.multipliedFullWidth(by: Int64(marginPPM))
        let (low, carry) = feePart.low.addingReportingOverflow(marginPart.low)
        let high = feePart.high &+ marginPart.high &+ (carry ? 1 : 0)
        let (quotient, _) = send.dividingFullWidth((high: high, low: low))
        return Int32(clamping: quotient)
    }
}
