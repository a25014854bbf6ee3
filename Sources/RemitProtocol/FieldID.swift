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
    // Version 3: collective remittances.
    public static let projectId = FieldID(rawValue: 100)
    public static let associationId = FieldID(rawValue: 101)
    public static let associationName = FieldID(rawValue: 102)
    public static let title = FieldID(rawValue: 103)
    public static let target = FieldID(rawValue: 104)
    public static let currency = FieldID(rawValue: 105)
    public static let country = FieldID(rawValue: 106)
    public static let deadline = FieldID(rawValue: 107)
    public static let refundPolicy = FieldID(rawValue: 108)
    public static let institution = FieldID(rawValue: 109)
    public static let account = FieldID(rawValue: 110)
    public static let milestones = FieldID(rawValue: 111)
    public static let description = FieldID(rawValue: 112)
    public static let afterReceipt = FieldID(rawValue: 113)
    public static let legIndex = FieldID(rawValue: 114)
    public static let sponsors = FieldID(rawValue: 115)
    public static let receipts = FieldID(rawValue: 116)
    public static let matches = FieldID(rawValue: 117)
    public static let state = FieldID(rawValue: 118)
    public static let sponsorId = FieldID(rawValue: 119)
    public static let name = FieldID(rawValue: 120)
    public static let contributorName = FieldID(rawValue: 121)
    public static let sendCountries = FieldID(rawValue: 122)

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
        100: "projectId", 101: "associationId", 102: "associationName", 103: "title", 104: "target",
        105: "currency", 106: "country", 107: "deadline", 108: "refundPolicy", 109: "institution",
        110: "account", 111: "milestones", 112: "description", 113: "afterReceipt", 114: "legIndex",
        115: "sponsors", 116: "receipts", 117: "matches", 118: "state", 119: "sponsorId", 120: "name",
        121: "contributorName", 122: "sendCountries",
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
