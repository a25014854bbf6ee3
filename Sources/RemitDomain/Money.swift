/// An exact amount: a count of minor units of one currency. Never floating point.
///
/// Arithmetic is checked: overflow and mixing currencies are errors, never a wrapped or
/// converted value.
///
/// ```swift
/// let usd = try Currency("USD")
/// let total = try Money(10_000, usd).adding(Money(299, usd))   // USD 102.99
/// total.formatted                                              // "102.99"
/// ```
public struct Money: Hashable, Sendable, CustomStringConvertible {
    public let minorUnits: Int64
    public let currency: Currency

    public init(_ minorUnits: Int64, _ currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(0, currency) }

    public func adding(_ other: Money) throws(MoneyError) -> Money {
        try sameCurrency(other)
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard !overflow else { throw .overflow }
        return Money(sum, currency)
    }

    public func subtracting(_ other: Money) throws(MoneyError) -> Money {
        try sameCurrency(other)
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        guard !overflow else { throw .overflow }
        return Money(difference, currency)
    }

    public func negated() throws(MoneyError) -> Money {
        guard minorUnits != .min else { throw .overflow }
        return Money(-minorUnits, currency)
    }

    private func sameCurrency(_ other: Money) throws(MoneyError) {
        guard currency == other.currency else { throw .currencyMismatch(currency.code, other.currency.code) }
    }

    /// The amount in major units with the currency's decimals, without the code: "-102.99".
    public var formatted: String {
        let magnitude = minorUnits.magnitude
        guard currency.exponent > 0 else { return (minorUnits < 0 ? "-" : "") + String(magnitude) }
        var divisor: UInt64 = 1
        for _ in 0..<currency.exponent { divisor *= 10 }
        var fraction = String(magnitude % divisor)
        fraction = String(repeating: "0", count: currency.exponent - fraction.count) + fraction
        return (minorUnits < 0 ? "-" : "") + String(magnitude / divisor) + "." + fraction
    }

    public var description: String { "\(currency.code) \(formatted)" }
}

public enum MoneyError: Error, Hashable, Sendable {
    case unknownCurrency(String)
    case currencyMismatch(String, String)
    case overflow
}
