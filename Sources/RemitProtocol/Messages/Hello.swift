/// The first frame of every connection: the protocol versions the client speaks.
///
/// ```swift
/// Hello(minVersion: 1, maxVersion: 1, clientName: "acme-remit-java/2.3.1")
/// ```
public struct Hello: MessageBody {
    static let type = MessageType.hello
    static let blockLength = 4

    public var minVersion: UInt8
    public var maxVersion: UInt8
    public var clientName: String

    public init(minVersion: UInt8 = 1, maxVersion: UInt8 = 1, clientName: String) {
        self.minVersion = minVersion
        self.maxVersion = maxVersion
        self.clientName = clientName
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        try Hello.checkRange(minVersion, maxVersion)
        w.u16(UInt16(Self.blockLength))
        w.u8(minVersion)
        w.u8(maxVersion)
        w.u16(0)
        try w.string(clientName, .clientName, max: FieldLimit.clientName)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> Hello {
        var b = try r.block(minimum: blockLength)
        let minVersion = try b.u8(.minVersion)
        let maxVersion = try b.u8(.maxVersion)
        try b.reserved16()
        try checkRange(minVersion, maxVersion)
        return Hello(minVersion: minVersion, maxVersion: maxVersion,
                     clientName: try r.string(.clientName, max: FieldLimit.clientName))
    }

    static func checkRange(_ minVersion: UInt8, _ maxVersion: UInt8) throws(ProtocolError) {
        guard minVersion >= 1 else {
            throw ProtocolError(.invalidValue, field: .minVersion, detail: "minVersion: must be at least 1")
        }
        guard maxVersion >= minVersion else {
            throw ProtocolError(.invalidValue, field: .maxVersion, detail: "maxVersion: below minVersion")
        }
    }
}

/// The server's answer to Hello: the version both speak, the limits in force, and who the
/// client is according to its certificate.
public struct Welcome: MessageBody {
    static let type = MessageType.welcome
    static let blockLength = 40

    public var version: UInt8
    public var maxLegsPerTransfer: UInt16
    public var maxBodyLength: UInt32
    public var maxBatchTransfers: UInt16
    public var maxInFlightRequests: UInt16
    public var heartbeatIntervalMs: UInt32
    public var idleTimeoutMs: UInt32
    public var eventWindow: UInt16
    public var serverTime: Int64
    public var sessionId: UInt64
    public var operatorId: String
    public var serverName: String

    public init(
        version: UInt8 = 1, maxLegsPerTransfer: UInt16 = 8, maxBodyLength: UInt32 = 4_194_304,
        maxBatchTransfers: UInt16 = 8_189, maxInFlightRequests: UInt16 = 256, heartbeatIntervalMs: UInt32 = 10_000,
        idleTimeoutMs: UInt32 = 30_000, eventWindow: UInt16 = 4_096, serverTime: Int64, sessionId: UInt64,
        operatorId: String, serverName: String
    ) {
        self.version = version
        self.maxLegsPerTransfer = maxLegsPerTransfer
        self.maxBodyLength = maxBodyLength
        self.maxBatchTransfers = maxBatchTransfers
        self.maxInFlightRequests = maxInFlightRequests
        self.heartbeatIntervalMs = heartbeatIntervalMs
        self.idleTimeoutMs = idleTimeoutMs
        self.eventWindow = eventWindow
        self.serverTime = serverTime
        self.sessionId = sessionId
        self.operatorId = operatorId
        self.serverName = serverName
    }

    /// The limits this Welcome announces, for the client's own encoder and decoder.
    public var limits: ProtocolLimits {
        ProtocolLimits(maxBodyLength: Int(maxBodyLength), maxBatchTransfers: Int(maxBatchTransfers),
                       maxLegsPerTransfer: Int(maxLegsPerTransfer))
    }

    func encodeBody(_ w: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        w.u16(UInt16(Self.blockLength))
        w.u8(version)
        w.u8(0)
        w.u16(maxLegsPerTransfer)
        w.u32(maxBodyLength)
        w.u16(maxBatchTransfers)
        w.u16(maxInFlightRequests)
        w.u32(heartbeatIntervalMs)
        w.u32(idleTimeoutMs)
        w.u16(eventWindow)
        w.u16(0)
        w.i64(serverTime)
        w.u64(sessionId)
        try w.string(operatorId, .none, max: FieldLimit.operatorId, ascii: true)
        try w.string(serverName, .none, max: FieldLimit.serverName)
    }

    static func decodeBody(_ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError) -> Welcome {
        var b = try r.block(minimum: blockLength)
        let version = try b.u8(.version)
        try b.reserved8()
        let maxLegs = try b.u16(.none)
        let maxBody = try b.u32(.none)
        let maxBatch = try b.u16(.none)
        let maxInFlight = try b.u16(.none)
        let heartbeat = try b.u32(.none)
        let idle = try b.u32(.none)
        let window = try b.u16(.none)
        try b.reserved16()
        let serverTime = try b.i64(.none)
        let sessionId = try b.u64(.none)
        return Welcome(
            version: version, maxLegsPerTransfer: maxLegs, maxBodyLength: maxBody, maxBatchTransfers: maxBatch,
            maxInFlightRequests: maxInFlight, heartbeatIntervalMs: heartbeat, idleTimeoutMs: idle,
            eventWindow: window, serverTime: serverTime, sessionId: sessionId,
            operatorId: try r.string(.none, max: FieldLimit.operatorId, ascii: true),
            serverName: try r.string(.none, max: FieldLimit.serverName))
    }
}
