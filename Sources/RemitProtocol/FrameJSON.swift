/// The JSON form of a frame used by `Protocol/vectors/` and by tools that print messages:
/// `{"type": "SubmitTransfers", "requestId": 7, "message": {...}}`, field names as in PROTOCOL.md;
/// `"version": 2` appears for a frame of a version other than 1.
extension Frame: Codable {
    private enum CodingKeys: String, CodingKey { case version, type, requestId, message }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .type)
        guard let type = MessageType(name: name) else {
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown message type \(name)")
        }
        let requestId = try c.decode(UInt64.self, forKey: .requestId)
        let version = try c.decodeIfPresent(UInt8.self, forKey: .version) ?? 1
        let message: Message
        switch type {
        case .hello: message = .hello(try c.decode(Hello.self, forKey: .message))
        case .welcome: message = .welcome(try c.decode(Welcome.self, forKey: .message))
        case .heartbeat: message = .heartbeat(try c.decode(Heartbeat.self, forKey: .message))
        case .heartbeatAck: message = .heartbeatAck(try c.decode(HeartbeatAck.self, forKey: .message))
        case .error: message = .error(try c.decode(ErrorMessage.self, forKey: .message))
        case .quoteRequest: message = .quoteRequest(try c.decode(QuoteRequest.self, forKey: .message))
        case .quote: message = .quote(try c.decode(Quote.self, forKey: .message))
        case .submitTransfers: message = .submitTransfers(try c.decode(SubmitTransfers.self, forKey: .message))
        case .submitTransfersResult:
            message = .submitTransfersResult(try c.decode(SubmitTransfersResult.self, forKey: .message))
        case .getTransfer: message = .getTransfer(try c.decode(GetTransfer.self, forKey: .message))
        case .transferStatus: message = .transferStatus(try c.decode(TransferStatus.self, forKey: .message))
        case .cancelTransfer: message = .cancelTransfer(try c.decode(CancelTransfer.self, forKey: .message))
        case .subscribe: message = .subscribe(try c.decode(Subscribe.self, forKey: .message))
        case .subscribed: message = .subscribed(try c.decode(Subscribed.self, forKey: .message))
        case .event: message = .event(try c.decode(Event.self, forKey: .message))
        case .eventAck: message = .eventAck(try c.decode(EventAck.self, forKey: .message))
        case .setStandingInstruction:
            message = .setStandingInstruction(try c.decode(SetStandingInstruction.self, forKey: .message))
        case .standingInstruction: message = .standingInstruction(try c.decode(StandingInstruction.self, forKey: .message))
        case .getStandingInstruction:
            message = .getStandingInstruction(try c.decode(GetStandingInstruction.self, forKey: .message))
        case .openProject: message = .openProject(try c.decode(OpenProject.self, forKey: .message))
        case .projectStatement: message = .projectStatement(try c.decode(ProjectStatement.self, forKey: .message))
        case .getProject: message = .getProject(try c.decode(GetProject.self, forKey: .message))
        case .getContributionReceipt:
            message = .getContributionReceipt(try c.decode(GetContributionReceipt.self, forKey: .message))
        case .contributionReceipt: message = .contributionReceipt(try c.decode(ContributionReceipt.self, forKey: .message))
        }
        self.init(version: version, requestId: requestId, message: message)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if version != 1 { try c.encode(version, forKey: .version) }
        try c.encode(message.type.name, forKey: .type)
        try c.encode(requestId, forKey: .requestId)
        try c.encode(message.body, forKey: .message)
    }
}
