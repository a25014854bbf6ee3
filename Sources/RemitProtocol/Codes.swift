/// An ISO 4217 alphabetic currency code as it travels: three ASCII capitals.
///
/// Whether the code names a real, active currency is the domain's question, not the codec's.
///
/// ```swift
/// let usd = CurrencyCode("USD")!
/// ```
public struct CurrencyCode: Hashable, Sendable, CustomStringConvertible {
    /// The three letters, first letter in the lowest byte.
    public let packed: UInt32

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 3, bytes.allSatisfy(CurrencyCode.isCapital) else { return nil }
        packed = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16
    }

    init?(bytes b0: UInt8, _ b1: UInt8, _ b2: UInt8) {
        guard CurrencyCode.isCapital(b0), CurrencyCode.isCapital(b1), CurrencyCode.isCapital(b2) else { return nil }
        packed = UInt32(b0) | UInt32(b1) << 8 | UInt32(b2) << 16
    }

    var bytes: (UInt8, UInt8, UInt8) {
        (UInt8(packed & 0xFF), UInt8((packed >> 8) & 0xFF), UInt8((packed >> 16) & 0xFF))
    }

    public var description: String {
        let b = bytes
        return String(decoding: [b.0, b.1, b.2], as: UTF8.self)
    }

    static func isCapital(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
}

/// An ISO 3166-1 alpha-2 country code as it travels: two ASCII capitals.
///
/// ```swift
/// let kenya = CountryCode("KE")!
/// ```
public struct CountryCode: Hashable, Sendable, CustomStringConvertible {
    public let packed: UInt16

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 2, let code = CountryCode(bytes: bytes[0], bytes[1]) else { return nil }
        self = code
    }

    init?(bytes b0: UInt8, _ b1: UInt8) {
        guard CurrencyCode.isCapital(b0), CurrencyCode.isCapital(b1) else { return nil }
        packed = UInt16(b0) | UInt16(b1) << 8
    }

    var bytes: (UInt8, UInt8) { (UInt8(packed & 0xFF), UInt8(packed >> 8)) }

    public var description: String {
        let b = bytes
        return String(decoding: [b.0, b.1], as: UTF8.self)
    }
}

extension CurrencyCode: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let code = CurrencyCode(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a currency code: \(text)")
        }
        self = code
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension CountryCode: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let code = CountryCode(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a country code: \(text)")
        }
        self = code
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
