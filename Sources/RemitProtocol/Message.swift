import NIOCore

/// Any message of PROTOCOL.md section 6.
public enum Message: Hashable, Sendable {
    case hello(Hello)
    case welcome(Welcome)
    case heartbeat(Heartbeat)
    case heartbeatAck(HeartbeatAck)
    case error(ErrorMessage)
    case quoteRequest(QuoteRequest)
    case quote(Quote)
    case submitTransfers(SubmitTransfers)
    case submitTransfersResult(SubmitTransfersResult)
    case getTransfer(GetTransfer)
    case transferStatus(TransferStatus)
    case cancelTransfer(CancelTransfer)
    case subscribe(Subscribe)
    case subscribed(Subscribed)
    case event(Event)
    case eventAck(EventAck)
    case setStandingInstruction(SetStandingInstruction)
    case standingInstruction(StandingInstruction)
    case getStandingInstruction(GetStandingInstruction)
    case openProject(OpenProject)
    case projectStatement(ProjectStatement)
    case getProject(GetProject)
    case getContributionReceipt(GetContributionReceipt)
    case contributionReceipt(ContributionReceipt)

    public var type: MessageType { body.type }

    var body: any MessageBody {
        switch self {
        case .hello(let m): m
        case .welcome(let m): m
        case .heartbeat(let m): m
        case .heartbeatAck(let m): m
        case .error(let m): m
        case .quoteRequest(let m): m
        case .quote(let m): m
        case .submitTransfers(let m): m
        case .submitTransfersResult(let m): m
        case .getTransfer(let m): m
        case .transferStatus(let m): m
        case .cancelTransfer(let m): m
        case .subscribe(let m): m
        case .subscribed(let m): m
        case .event(let m): m
        case .eventAck(let m): m
        case .setStandingInstruction(let m): m
        case .standingInstruction(let m): m
        case .getStandingInstruction(let m): m
        case .openProject(let m): m
        case .projectStatement(let m): m
        case .getProject(let m): m
        case .getContributionReceipt(let m): m
        case .contributionReceipt(let m): m
        }
    }

    func encodeBody(_ writer: inout BodyWriter, limits: ProtocolLimits) throws(ProtocolError) {
        try body.encodeBody(&writer, limits: limits)
    }

    static func decodeBody(type: MessageType, _ r: inout BodyReader, limits: ProtocolLimits) throws(ProtocolError)
        -> Message
    {
        switch type {
        case .hello: .hello(try .decodeBody(&r, limits: limits))
        case .welcome: .welcome(try .decodeBody(&r, limits: limits))
        case .heartbeat: .heartbeat(try .decodeBody(&r, limits: limits))
        case .heartbeatAck: .heartbeatAck(try .decodeBody(&r, limits: limits))
        case .error: .error(try .decodeBody(&r, limits: limits))
        case .quoteRequest: .quoteRequest(try .decodeBody(&r, limits: limits))
        case .quote: .quote(try .decodeBody(&r, limits: limits))
        case .submitTransfers: .submitTransfers(try .decodeBody(&r, limits: limits))
        case .submitTransfersResult: .submitTransfersResult(try .decodeBody(&r, limits: limits))
        case .getTransfer: .getTransfer(try .decodeBody(&r, limits: limits))
        case .transferStatus: .transferStatus(try .decodeBody(&r, limits: limits))
        case .cancelTransfer: .cancelTransfer(try .decodeBody(&r, limits: limits))
        case .subscribe: .subscribe(try .decodeBody(&r, limits: limits))
        case .subscribed: .subscribed(try .decodeBody(&r, limits: limits))
        case .event: .event(try .decodeBody(&r, limits: limits))
        case .eventAck: .eventAck(try .decodeBody(&r, limits: limits))
        case .setStandingInstruction: .setStandingInstruction(try .decodeBody(&r, limits: limits))
        case .standingInstruction: .standingInstruction(try .decodeBody(&r, limits: limits))
        case .getStandingInstruction: .getStandingInstruction(try .decodeBody(&r, limits: limits))
        case .openProject: .openProject(try .decodeBody(&r, limits: limits))
        case .projectStatement: .projectStatement(try .decodeBody(&r, limits: limits))
        case .getProject: .getProject(try .decodeBody(&r, limits: limits))
        case .getContributionReceipt: .getContributionReceipt(try .decodeBody(&r, limits: limits))
        case .contributionReceipt: .contributionReceipt(try .decodeBody(&r, limits: limits))
        }
    }
}

extension MessageBody {
    var type: MessageType { Self.type }
}

/// A decoded frame: its protocol version, its request id and its message.
///
/// ```swift
/// var buffer = ByteBuffer()
/// try Frame(requestId: 1, message: .hello(Hello(clientName: "demo"))).encode(into: &buffer)
/// let frame = try Frame.decode(from: &buffer)   // the same frame, or nil if bytes are missing
/// ```
public struct Frame: Hashable, Sendable {
    /// The header's version: 1 for Hello, the negotiated version after Welcome.
    public var version: UInt8
    public var requestId: UInt64
    public var message: Message

    public init(version: UInt8 = FrameHeader.helloVersion, requestId: UInt64, message: Message) {
        self.version = version
        self.requestId = requestId
        self.message = message
    }

    /// Appends header and body to `buffer`. Throws, writing nothing, when the message breaks a
    /// rule a receiver would enforce.
    public func encode(into buffer: inout ByteBuffer, limits: ProtocolLimits = .default) throws(ProtocolError) {
        try Frame.checkRequestId(requestId, message.type)
        guard FrameHeader.versions.contains(version) else {
            throw ProtocolError(.unsupportedVersion, field: .version, detail: "version: \(version) is not spoken here")
        }
        guard message.type.version <= version else {
            throw ProtocolError(.unknownMessageType, field: .type,
                                detail: "type: \(message.type.name) needs version \(message.type.version), the frame is \(version)")
        }
        let headerStart = buffer.writerIndex
        buffer.writeRepeatingByte(0, count: FrameHeader.length)
        var writer = BodyWriter(buffer, version: version)
        buffer = ByteBuffer()  // hand the storage to the writer: no copy on write
        do {
            try message.encodeBody(&writer, limits: limits)
        } catch {
            buffer = writer.buffer
            buffer.moveWriterIndex(to: headerStart)
            throw error
        }
        buffer = writer.buffer
        let bodyStart = headerStart + FrameHeader.length
        let bodyLength = buffer.writerIndex - bodyStart
        guard bodyLength <= limits.maxBodyLength else {
            buffer.moveWriterIndex(to: headerStart)
            throw ProtocolError(.frameTooLarge, field: .bodyLength,
                                detail: "bodyLength: \(bodyLength) bytes, at most \(limits.maxBodyLength)")
        }
        let crc = buffer.withUnsafeReadableBytes { bytes in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[(bodyStart - buffer.readerIndex)...]))
        }
        let header = FrameHeader(version: version, flags: 0, type: message.type.rawValue,
                                 requestId: requestId, bodyLength: UInt32(bodyLength), bodyCrc32c: crc)
        var headerBytes = ByteBuffer()
        header.write(into: &headerBytes)
        buffer.setBuffer(headerBytes, at: headerStart)
    }

    /// Decodes one frame from the front of `buffer`: nil (consuming nothing) until the whole
    /// frame has arrived. A frame error throws with `closesConnection`; a message error throws
    /// after consuming the frame, so the connection can go on.
    public static func decode(from buffer: inout ByteBuffer, limits: ProtocolLimits = .default) throws(ProtocolError)
        -> Frame?
    {
        guard let header = try FrameHeader.peek(buffer, limits: limits) else { return nil }
        let frameLength = FrameHeader.length + Int(header.bodyLength)
        guard buffer.readableBytes >= frameLength else { return nil }
        buffer.moveReaderIndex(forwardBy: FrameHeader.length)
        let body = buffer.readSlice(length: Int(header.bodyLength))!
        let crc = body.withUnsafeReadableBytes { CRC32C.checksum($0) }
        guard crc == header.bodyCrc32c else {
            throw ProtocolError(.checksumMismatch, field: .bodyCrc32c,
                                detail: "bodyCrc32c: the body's CRC-32C is 0x\(String(crc, radix: 16))",
                                closesConnection: true, requestId: header.requestId)
        }
        do {
            return try decodeBody(header: header, body: body, limits: limits)
        } catch {
            var failure = error
            failure.requestId = header.requestId
            throw failure
        }
    }

    /// Decodes the body of a frame whose header and checksum were already checked.
    static func decodeBody(header: FrameHeader, body: ByteBuffer, limits: ProtocolLimits) throws(ProtocolError)
        -> Frame
    {
        // A type a later version added is unknown in an earlier one.
        guard let type = MessageType(rawValue: header.type), type.version <= header.version else {
            throw ProtocolError(.unknownMessageType, field: .type,
                                detail: "type: 0x\(String(header.type, radix: 16)) is not a version-\(header.version) message type")
        }
        try checkRequestId(header.requestId, type)
        var reader = BodyReader(body, version: header.version)
        let message = try Message.decodeBody(type: type, &reader, limits: limits)
        try reader.end()
        return Frame(version: header.version, requestId: header.requestId, message: message)
    }

    static func checkRequestId(_ requestId: UInt64, _ type: MessageType) throws(ProtocolError) {
        switch type.requestIdRule {
        case .zero where requestId != 0:
            throw ProtocolError(.invalidValue, field: .requestId, detail: "requestId: must be 0 for \(type.name)")
        case .nonZero where requestId == 0:
            throw ProtocolError(.invalidValue, field: .requestId, detail: "requestId: must not be 0 for \(type.name)")
        default:
            return
        }
    }
}
