import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import RemitLedger
import RemitPayout
import ServiceLifecycle
import Synchronization

/// The endpoint partners send asynchronous results to: `PUT` or `POST /callbacks/{partner}/{key}`,
/// signed (`CallbackSignature`). A verified result goes through the dispatcher, exactly as a
/// direct answer would, and is committed to the ledger before the partner gets its `200`; a
/// duplicate gets `200` too and changes nothing. Everything is bounded: the body, the time a
/// client may take to send its request, the connections at once.
///
/// | status | when |
/// |---|---|
/// | 200 | recorded now, or already recorded (`{"result": "applied"}` / `"already known"`) |
/// | 202 | a pending status: nothing to record |
/// | 400 | a body this partner does not send |
/// | 401 | no signature, a wrong one, or a timestamp outside the window |
/// | 403 | the payout was not sent to this partner |
/// | 404 | no such partner (or none that signs callbacks), or no such payout |
/// | 405, 413 | another method; a body above the limit |
/// | 409 | the leg is settled the other way: nothing changed, operations must look |
/// | 503 | the leg is being handled right now, the ledger cannot commit now, or the gateway is stopping: send again (`Retry-After`) |
final class CallbackServer: Service, Sendable {
    struct Partner: Sendable {
        let adapter: any PartnerAdapter
        let secret: [UInt8]
    }

    let settings: GatewayConfiguration.Callbacks
    let partners: [String: Partner]
    let dispatcher: PayoutDispatcher
    let metrics: GatewayMetrics
    let logger: Logger
    /// Unix seconds.
    let clock: @Sendable () -> Int64
    private let boundPort = Mutex<Int?>(nil)
    private let open = Atomic<Int>(0)


    init(settings: GatewayConfiguration.Callbacks, partners: [String: Partner], dispatcher: PayoutDispatcher,
         metrics: GatewayMetrics, logger: Logger,
         clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.settings = settings
        self.partners = partners
        self.dispatcher = dispatcher
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
    }

    var listeningPort: Int? { boundPort.withLock { $0 } }

    func run() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Request heads above 8 KiB are refused by the parser.
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        boundPort.withLock { $0 = server.channel.localAddress?.port }
        logger.info("callback endpoint listening", metadata: [
            "address": "\(settings.host):\(server.channel.localAddress?.port ?? settings.port)",
            "partners": "\(partners.keys.sorted())",
        ])
        await withGracefulShutdownHandler {
            try? await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        guard self.open.add(1, ordering: .relaxed).newValue <= self.settings.maxConnections else {
                            self.open.subtract(1, ordering: .relaxed)
                            try? await connection.channel.close()
                            continue
                        }
                        group.addTask {
                            defer { self.open.subtract(1, ordering: .relaxed) }
                            await self.serveWithDeadline(connection)
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
        logger.info("callback endpoint stopped")
    }

    /// A client that has not sent its whole request in time is cut off.
    private func serveWithDeadline(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.serve(connection) }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(self.settings.requestTimeoutMs))
                if !Task.isCancelled { connection.channel.close(promise: nil) }
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            var tooLarge = false
            for try await part in inbound {
                switch part {
                case .head(let h):
                    head = h
                case .body(var buffer):
                    if body.count + buffer.readableBytes > settings.maxBodyBytes {
                        tooLarge = true
                    } else {
                        body += buffer.readBytes(length: buffer.readableBytes) ?? []
                    }
                case .end:
                    guard let h = head else { return }
                    let (status, object, extra) = tooLarge
                        ? (413, ["error": "the body is larger than \(settings.maxBodyBytes) bytes"], [])
                        : await answer(h, body)
                    let payload = Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: "application/json")
                    headers.add(name: "Content-Length", value: String(payload.count))
                    headers.add(name: "Connection", value: "close")
                    for (name, value) in extra { headers.add(name: name, value: value) }
                    try await outbound.write(.head(HTTPResponseHead(version: h.version, status: .init(statusCode: status),
                                                                    headers: headers)))
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: payload))))
                    try await outbound.write(.end(nil))
                    return
                }
            }
        }
    }

    /// The status, the JSON body and any extra headers for one callback.
    func answer(_ head: HTTPRequestHead, _ body: [UInt8]) async -> (Int, [String: String], [(String, String)]) {
        let path = String(head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, parts[1] == "callbacks" else {
            return (404, ["error": "not a callback path: /callbacks/{partner}/{payout key}"], [])
        }
        let partnerId = String(parts[2]), keyText = String(parts[3])
        guard head.method == .PUT || head.method == .POST else {
            return (405, ["error": "PUT or POST only"], [("Allow", "PUT, POST")])
        }
        guard let partner = partners[partnerId] else {
            return (404, ["error": "no partner \(partnerId) takes callbacks here"], [])
        }
        let verdict = CallbackSignature.verify(
            secret: partner.secret, timestamp: head.headers.first(name: "X-Remit-Timestamp"),
            signature: head.headers.first(name: "X-Remit-Signature"), method: head.method.rawValue, path: path, body: body,
            now: clock(), windowSeconds: settings.windowSeconds)
        guard verdict == .valid else {
            metrics.callback(partnerId, "unauthenticated")
            logger.warning("callback refused: signature", metadata: ["partner": "\(partnerId)", "verdict": "\(verdict)"])
            let reason: String
            switch verdict {
            case .missing: reason = "X-Remit-Timestamp and X-Remit-Signature are required"
            case .malformed: reason = "X-Remit-Signature must be sha256=<64 hex digits> and X-Remit-Timestamp Unix seconds"
            case .outsideWindow(let skew): reason = "the timestamp is \(skew) s from now, outside the \(settings.windowSeconds) s window"
            default: reason = "the signature does not match"
            }
            return (401, ["error": reason], [])
        }
        guard let key = PayoutKey(keyText) else {
            metrics.callback(partnerId, "unknown payout")
            return (404, ["error": "no payout has the key \(keyText)"], [])
        }
        guard let outcome = partner.adapter.callbackOutcome(idempotencyKey: keyText, body: body) else {
            metrics.callback(partnerId, "not understood")
            return (400, ["error": "the body is not a result this partner sends"], [])
        }
        let result = await dispatcher.deliver(partner: partnerId, key: key, outcome: outcome)
        switch result {
        case .applied:
            metrics.callback(partnerId, "applied")
            return (200, ["result": "applied"], [])
        case .alreadyKnown:
            metrics.callback(partnerId, "duplicate")
            return (200, ["result": "already known"], [])
        case .noted:
            metrics.callback(partnerId, "pending")
            return (202, ["result": "pending noted"], [])
        case .retryLater:
            metrics.callback(partnerId, "retry")
            return (503, ["error": "not recorded now; send again"], [("Retry-After", "1")])
        case .unknownPayout:
            metrics.callback(partnerId, "unknown payout")
            return (404, ["error": "no payout has the key \(keyText)"], [])
        case .wrongPartner:
            metrics.callback(partnerId, "wrong partner")
            return (403, ["error": "the payout was not sent to \(partnerId)"], [])
        case .conflict(let detail):
            metrics.callback(partnerId, "conflict")
            return (409, ["error": "not recorded: \(detail); operations have been alerted"], [])
        }
    }
}
