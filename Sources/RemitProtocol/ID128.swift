/// A 128-bit identifier: transfer ids (chosen by the client) and quote ids (chosen by the server).
///
/// On the wire it is 16 bytes in the order of its UUID text form; all-zero means "none".
///
/// ```swift
/// let id = ID128("0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07")!
/// id.description // "0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07"
/// ```
public struct ID128: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public static let zero = ID128(high: 0, low: 0)
    public var isZero: Bool { high == 0 && low == 0 }

    /// A random version-4 UUID.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> ID128 {
        let high = (generator.next() & ~UInt64(0xF000)) | 0x4000
        let low = (generator.next() & ~(UInt64(0xC) << 60)) | (UInt64(0x8) << 60)
        return ID128(high: high, low: low)
    }

    public static func random() -> ID128 {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// A version-7 UUID (RFC 9562): 48 bits of Unix milliseconds, then random bits, so that ids
    /// made later sort later. PROTOCOL.md (section 15) recommends them for transfer ids: they land
    /// together in the gateway's indexes.
    ///
    /// ```swift
    /// let id = ID128.version7(unixMilliseconds: UInt64(Date().timeIntervalSince1970 * 1_000))
    /// ```
    public static func version7<G: RandomNumberGenerator>(unixMilliseconds: UInt64, using generator: inout G) -> ID128 {
        let high = (unixMilliseconds & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | (generator.next() & 0xFFF)
        let low = 0x8000_0000_0000_0000 | (generator.next() & 0x3FFF_FFFF_FFFF_FFFF)
        return ID128(high: high, low: low)
    }

    public static func version7(unixMilliseconds: UInt64) -> ID128 {
        var generator = SystemRandomNumberGenerator()
        return version7(unixMilliseconds: unixMilliseconds, using: &generator)
    }

    /// Parses the UUID text form (36 characters with hyphens, or 32 hex digits).
    public init?(_ text: String) {
        var value: (UInt64, UInt64) = (0, 0)
        var digits = 0
        for (offset, byte) in text.utf8.enumerated() {
            if byte == UInt8(ascii: "-") {
                guard text.utf8.count == 36, [8, 13, 18, 23].contains(offset) else { return nil }
                continue
            }
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            if digits < 16 {
                value.0 = value.0 << 4 | UInt64(nibble)
            } else {
                value.1 = value.1 << 4 | UInt64(nibble)
            }
            digits += 1
        }
        guard digits == 32, text.utf8.count == 32 || text.utf8.count == 36 else { return nil }
        self.init(high: value.0, low: value.1)
    }

    public var description: String {
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for index in 0..<32 {
            if index == 8 || index == 12 || index == 16 || index == 20 { out.append(UInt8(ascii: "-")) }
            let word = index < 16 ? high : low
            let shift = UInt64(60 - 4 * (index % 16))
            out.append(hex[Int((word >> shift) & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func < (lhs: ID128, rhs: ID128) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}

extension ID128: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = ID128(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a UUID: \(text)")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
