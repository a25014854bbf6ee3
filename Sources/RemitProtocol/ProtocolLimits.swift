/// The limits a decoder enforces (PROTOCOL.md section 10). A server announces its own in
/// `Welcome`; the defaults are the protocol's.
public struct ProtocolLimits: Sendable, Hashable {
    public var maxBodyLength: Int
    public var maxBatchTransfers: Int
    public var maxLegsPerTransfer: Int

    public init(maxBodyLength: Int = 4_194_304, maxBatchTransfers: Int = 8_189, maxLegsPerTransfer: Int = 8) {
        precondition(maxBodyLength > 0 && maxBodyLength <= Int(UInt32.max))
        precondition(maxBatchTransfers > 0 && maxBatchTransfers <= Int(UInt16.max))
        precondition(maxLegsPerTransfer > 0 && maxLegsPerTransfer < 0xFF)
        self.maxBodyLength = maxBodyLength
        self.maxBatchTransfers = maxBatchTransfers
        self.maxLegsPerTransfer = maxLegsPerTransfer
    }

    public static let `default` = ProtocolLimits()
}

/// Maximum lengths of string fields in bytes (PROTOCOL.md section 6).
public enum FieldLimit {
    public static let clientName = 64
    public static let operatorId = 32
    public static let serverName = 64
    public static let detail = 255
    public static let operatorReference = 35
    public static let name = 140
    public static let account = 34
    public static let address = 140
    public static let nationalId = 35
    public static let placeOfBirth = 35
    public static let institution = 16
    public static let partnerReference = 64
    public static let reason = 140
    /// Version 3: the ids of projects, associations and sponsors.
    public static let identifier = 34
    /// Version 3: titles, names and milestone descriptions of projects.
    public static let projectText = 140
    /// Version 3: a sponsor's send countries, comma-separated (50 of them).
    public static let sendCountries = 149
    /// E.164 allows at most 15 digits.
    public static let maxMSISDN: UInt64 = 999_999_999_999_999
}

extension FieldLimit {
    /// An *id* string is not empty and holds only letters, digits, `-`, `.` and `_`.
    static func checkIdentifier(_ text: String, _ field: FieldID) throws(ProtocolError) {
        guard !text.isEmpty else {
            throw ProtocolError(.invalidValue, field: field, detail: "\(field.name): empty")
        }
        for byte in text.utf8 where !(byte == 0x2D || byte == 0x2E || byte == 0x5F || (0x30...0x39).contains(byte)
                                        || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)) {
            throw ProtocolError(.invalidValue, field: field,
                                detail: "\(field.name): byte 0x\(String(byte, radix: 16)) is not a letter, digit, '-', '.' or '_'")
        }
    }
}

/// Version 3: the sizes of collective-remittance messages (PROTOCOL.md section 10).
public enum ProjectLimit {
    public static let milestones = 20
    public static let sponsors = 8
    /// Receipts in one `ProjectStatement`: ask again after the last one for more.
    public static let receiptsPerStatement = 256
    /// Every sponsor may match a contribution.
    public static let matchesPerReceipt = sponsors
}

extension FieldLimit {
    /// The first byte a string field refuses, or nil: for `ascii` fields any outside 0x21...0x7E;
    /// for the others a C0 control or DEL (single bytes) or a C1 control (U+0080...U+009F, which
    /// UTF-8 writes as C2 80...C2 9F; a continuation byte after C2 is nothing else). Read and
    /// written alike (`BodyReader.string`, `BodyWriter.string`), byte by byte: decoding Unicode
    /// scalars instead cost the encoder 4 %.
    @inline(__always)
    static func refusedByte(in bytes: some Sequence<UInt8>, ascii: Bool) -> UInt8? {
        var previous: UInt8 = 0
        for byte in bytes {
            if ascii ? (byte < 0x21 || byte > 0x7E) : (byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte >= 0x80 && byte <= 0x9F)) {
                return byte
            }
            previous = byte
        }
        return nil
    }

    /// The refusal of a string field for `byte` (`refusedByte`), as reader and writer give it.
    static func refusal(_ byte: UInt8, _ field: FieldID, ascii: Bool) -> ProtocolError {
        ascii
            ? ProtocolError(.invalidValue, field: field, detail: "\(field.name): byte 0x\(String(byte, radix: 16)) is not printable ASCII")
            : ProtocolError(.invalidValue, field: field, detail: "\(field.name): contains a control character")
    }
}
