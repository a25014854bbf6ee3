/// The field an error names (PROTOCOL.md section 7, "Field ids"), so that an integration engineer
/// sees `senderName` rather than "bad request".
public struct FieldID: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let none = FieldID(rawValue: 0)
    public static let magic = FieldID(rawValue: 1)
    public static let version = FieldID(rawValue: 2)
    public static let flags = FieldID(rawValue: 3)
    public static let type = FieldID(rawValue: 4)
    public static let reserved = FieldID(rawValue: 5)
    public static let requestId = FieldID(rawValue: 6)
    public static let bodyLength = FieldID(rawValue: 7)
    public static let bodyCrc32c = FieldID(rawValue: 8)
    public static let blockLength = FieldID(rawValue: 9)
    public static let amount = FieldID(rawValue: 10)
    public static let sendCurrency = FieldID(rawValue: 11)
    public static let payoutCurrency = FieldID(rawValue: 12)
    public static let sendCountry = FieldID(rawValue: 13)
    public static let payoutCountry = FieldID(rawValue: 14)
    public static let amountMode = FieldID(rawValue: 15)
    public static let quoteId = FieldID(rawValue: 16)
    public static let transferId = FieldID(rawValue: 17)
    public static let purpose = FieldID(rawValue: 18)
    public static let legFailurePolicy = FieldID(rawValue: 19)
    public static let operatorReference = FieldID(rawValue: 20)
    /// Transfer `options` (version 2).
    public static let options = FieldID(rawValue: 21)
    /// A standing instruction's `reference` (version 2).
    public static let instructionReference = FieldID(rawValue: 22)
    public static let senderName = FieldID(rawValue: 30)
    public static let senderAccount = FieldID(rawValue: 31)
    public static let senderAddress = FieldID(rawValue: 32)
    public static let senderNationalId = FieldID(rawValue: 33)
    public static let senderDateOfBirth = FieldID(rawValue: 34)
    public static let senderPlaceOfBirth = FieldID(rawValue: 35)
    public static let senderPhone = FieldID(rawValue: 36)
    public static let beneficiaryName = FieldID(rawValue: 40)
    public static let beneficiaryAccount = FieldID(rawValue: 41)
    public static let beneficiaryPhone = FieldID(rawValue: 42)
    public static let legs = FieldID(rawValue: 50)
    public static let legProduct = FieldID(rawValue: 51)
    public static let legShare = FieldID(rawValue: 52)
    public static let legInstitution = FieldID(rawValue: 53)
    public static let legAccount = FieldID(rawValue: 54)
    public static let transfers = FieldID(rawValue: 60)
    public static let minVersion = FieldID(rawValue: 70)
    public static let maxVersion = FieldID(rawValue: 71)
    public static let clientName = FieldID(rawValue: 72)
    public static let sequence = FieldID(rawValue: 80)
    public static let reason = FieldID(rawValue: 81)
    public static let sentAt = FieldID(rawValue: 82)
    public static let body = FieldID(rawValue: 90)

    public static let names: [UInt16: String] = [
        0: "none", 1: "magic", 2: "version", 3: "flags", 4: "type", 5: "reserved", 6: "requestId",
        7: "bodyLength", 8: "bodyCrc32c", 9: "blockLength", 10: "amount", 11: "sendCurrency",
        12: "payoutCurrency", 13: "sendCountry", 14: "payoutCountry", 15: "amountMode", 16: "quoteId",
        17: "transferId", 18: "purpose", 19: "legFailurePolicy", 20: "operatorReference",
        21: "options", 22: "instructionReference",
        30: "senderName", 31: "senderAccount", 32: "senderAddress", 33: "senderNationalId",
        34: "senderDateOfBirth", 35: "senderPlaceOfBirth", 36: "senderPhone", 40: "beneficiaryName",
        41: "beneficiaryAccount", 42: "beneficiaryPhone", 50: "legs", 51: "product", 52: "share",
        53: "institution", 54: "account", 60: "transfers", 70: "minVersion", 71: "maxVersion",
        72: "clientName", 80: "sequence", 81: "reason", 82: "sentAt", 90: "body",
    ]

    public var isKnown: Bool { FieldID.names[rawValue] != nil }
    public var name: String { FieldID.names[rawValue] ?? "field\(rawValue)" }
    public var description: String { name }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(UInt16.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
