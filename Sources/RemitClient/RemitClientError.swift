import NIOCore
import RemitProtocol

/// Why a client call failed.
public enum RemitClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The gateway answered with an Error: act on `code` (its `retry` says whether to resend).
    case server(ErrorMessage)
    /// The gateway sent something this client cannot accept; the connection is closed.
    case protocolViolation(String)
    /// The connection closed before the answer came. The request may or may not have been
    /// carried out: resend it with the same transfer ids.
    case connectionClosed
    /// No answer within the request timeout; as for `connectionClosed`, resend with the same ids.
    case timeout
    /// The request needs a protocol version the connection did not negotiate; nothing was sent.
    case needsVersion(UInt8, negotiated: UInt8)

    /// A write refused because the channel is closed or closing, however NIO words it.
    static func isClosed(_ error: any Error) -> Bool {
        switch error as? ChannelError {
        case .ioOnClosedChannel?, .alreadyClosed?, .eof?: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .server(let error): "server error \(error.code): \(error.detail)"
        case .protocolViolation(let why): "protocol violation: \(why)"
        case .connectionClosed: "connection closed"
        case .timeout: "timed out waiting for the answer"
        case .needsVersion(let needed, let negotiated):
            "this needs protocol version \(needed); the gateway speaks \(negotiated) on this connection"
        }
    }
}
