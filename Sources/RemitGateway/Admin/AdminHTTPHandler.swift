import NIOCore
import NIOHTTP1

/// Answers the admin port's read-only endpoints: `/healthz` (the process runs), `/readyz` (the
/// operator port is listening and the ledger answers) and `/metrics` (Prometheus text). Requests
/// are small GETs; anything with a body or another method is refused.
final class AdminHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    struct Endpoints: Sendable {
        let ready: @Sendable () -> Bool
        let metrics: @Sendable () -> String
    }

    private let endpoints: Endpoints
    private var head: HTTPRequestHead?

    init(endpoints: Endpoints) { self.endpoints = endpoints }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let (status, body, type): (HTTPResponseStatus, String, String)
            switch (head.method, head.uri.split(separator: "?").first.map(String.init) ?? head.uri) {
            case (.GET, "/healthz"): (status, body, type) = (.ok, "ok\n", "text/plain")
            case (.GET, "/readyz"):
                (status, body, type) = endpoints.ready() ? (.ok, "ready\n", "text/plain")
                    : (.serviceUnavailable, "not ready\n", "text/plain")
            case (.GET, "/metrics"): (status, body, type) = (.ok, endpoints.metrics(), "text/plain; version=0.0.4")
            case (.GET, _): (status, body, type) = (.notFound, "not found\n", "text/plain")
            default: (status, body, type) = (.methodNotAllowed, "GET only\n", "text/plain")
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: type)
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
                          promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
