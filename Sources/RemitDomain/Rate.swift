/// An exchange rate as an exact decimal with nine places: units of the payout currency per one
/// unit of the send currency, both in major units (1 USD = 129.45 KES is `Rate(nanos:
/// 129_450_000_000)`), as PROTOCOL.md's `rate` type carries it.
///
/// ```swift
/// let rate = try Rate("129.45")           // Rate(nanos: 129_450_000_000)
/// rate.text                               // "129.450000000"
/// ```
public struct Rate: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let scale: Int64 = 1_000_000_000
    public let nanos: Int64

    public init(nanos: Int64) {
        precondition(nanos > 0, "a rate is positive")
        self.nanos = nanos
    }

    /// Parses a plain decimal ("129.45"): digits, at most one point, at most nine decimals, above zero.
    public init(_ text: String) throws(RateError) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw .notADecimal(text)
        }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), parts.count == 1 || !fraction.isEmpty else {
            throw .notADecimal(text)
        }
        guard fraction.count <= 9 else { throw .tooManyDecimals(text) }
        guard whole.count <= 9, let units = Int64(whole),
              let decimals = Int64(fraction + String(repeating: "0", count: 9 - fraction.count))
        else { throw .outOfRange(text) }
        let nanos = units * Rate.scale + decimals
        guard nanos > 0 else { throw .outOfRange(text) }
        self.nanos = nanos
    }

    public var text: String {
        let fraction = String(nanos % Rate.scale)
        return "\(nanos / Rate.scale)." + String(repeating: "0", count: 9 - fraction.count) + fraction
    }

    public var description: String { text }

    public static func < (lhs: Rate, rhs: Rate) -> Bool { lhs.nanos < rhs.nanos }
}

public enum RateError: Error, Hashable, Sendable, CustomStringConvertible {
    case notADecimal(String)
    case tooManyDecimals(String)
    case outOfRange(String)

    public var description: String {
        switch self {
        case .notADecimal(let text): "\"\(text)\" is not a decimal number such as 129.45"
        case .tooManyDecimals(let text): "\"\(text)\" has more than 9 decimals"
        case .outOfRange(let text): "\"\(text)\" must be above 0 and below 1,000,000,000"
        }
    }
}
