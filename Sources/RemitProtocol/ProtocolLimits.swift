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
    /// E.164 allows at most 15 digits.
    public static let maxMSISDN: UInt64 = 999_999_999_999_999
}
