/// The `type` field of a frame header (PROTOCOL.md section 6).
public enum MessageType: UInt16, CaseIterable, Sendable, Codable {
    case hello = 0x0001
    case welcome = 0x0002
    case heartbeat = 0x0003
    case heartbeatAck = 0x0004
    case error = 0x0005
    case quoteRequest = 0x0010
    case quote = 0x0011
    case submitTransfers = 0x0020
    case submitTransfersResult = 0x0021
    case getTransfer = 0x0030
    case transferStatus = 0x0031
    case cancelTransfer = 0x0032
    case subscribe = 0x0040
    case subscribed = 0x0041
    case event = 0x0042
    case eventAck = 0x0043
    case setStandingInstruction = 0x0050
    case standingInstruction = 0x0051
    case getStandingInstruction = 0x0052
    case openProject = 0x0060
    case projectStatement = 0x0061
    case getProject = 0x0062
    case getContributionReceipt = 0x0063
    case contributionReceipt = 0x0064

    /// The protocol version that introduced the type: a frame of an earlier version may not
    /// carry it (`1005 UNKNOWN_MESSAGE_TYPE`).
    public var version: UInt8 {
        switch self {
        case .setStandingInstruction, .standingInstruction, .getStandingInstruction: 2
        case .openProject, .projectStatement, .getProject, .getContributionReceipt, .contributionReceipt: 3
        default: 1
        }
    }

    /// The name PROTOCOL.md and the vectors use (`SubmitTransfers`).
    public var name: String { Self.names[self]! }

    // Made once: the gateway names every request's type in its metrics.
    private static let names = Dictionary(uniqueKeysWithValues: allCases.map { type in
        let text = String(describing: type)
        return (type, text.prefix(1).uppercased() + text.dropFirst())
    })

    public init?(name: String) {
        guard let value = MessageType.allCases.first(where: { $0.name == name }) else { return nil }
        self = value
    }

    /// Sent by the client (true) or by the server (false).
    public var isFromClient: Bool {
        switch self {
        case .hello, .heartbeat, .quoteRequest, .submitTransfers, .getTransfer, .cancelTransfer, .subscribe, .eventAck,
             .setStandingInstruction, .getStandingInstruction, .openProject, .getProject, .getContributionReceipt:
            return true
        case .welcome, .heartbeatAck, .error, .quote, .submitTransfersResult, .transferStatus, .subscribed, .event,
             .standingInstruction, .projectStatement, .contributionReceipt:
            return false
        }
    }

    /// Frames that belong to no request carry request id 0 (section 3).
    var requestIdRule: RequestIdRule {
        switch self {
        case .event, .eventAck: return .zero
        case .error: return .any
        default: return .nonZero
        }
    }

    enum RequestIdRule { case zero, nonZero, any }
}
