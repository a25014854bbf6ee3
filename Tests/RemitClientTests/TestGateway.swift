import NIOCore
import NIOPosix
import NIOSSL
import RemitProtocol

/// A peer that speaks the Remit protocol over mutual TLS on loopback, with the same frame
/// handlers the gateway uses, and answers from a script: enough to drive every path of the
/// client (pipelined answers out of order, errors, silence, events, a dropped connection).
final class TestGateway: Sendable {
    let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    static let noon: Int64 = 1_795_435_200_000

    /// `tls12Ciphers`: a TLS 1.2-only server offering just these suites.
    static func start(certificates: TestCertificates, tls12Ciphers: String? = nil) async throws -> TestGateway {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.path("server.pem")).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.path("server.key"), format: .pem)))
        tls.minimumTLSVersion = .tlsv13
        if let tls12Ciphers {
            tls.minimumTLSVersion = .tlsv12
            tls.maximumTLSVersion = .tlsv12
            tls.cipherSuites = tls12Ciphers
        }
        tls.certificateVerification = .noHostnameVerification
        tls.trustRoots = .file(certificates.path("ca.pem"))
        tls.applicationProtocols = [TransportSecurity.alpn]
        let context = try NIOSSLContext(configuration: tls)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(NIOSSLServerHandler(context: context))
                    try sync.addHandler(ByteToMessageHandler(FrameDecoder()))
                    try sync.addHandler(MessageToByteHandler(FrameEncoder()))
                    try sync.addHandler(ScriptedSessionHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestGateway(channel: channel)
    }

    private init(channel: any Channel) { self.channel = channel }

    func stop() async throws { try await channel.close() }
}

/// The script. Quotes are answered after 100 ms and everything else at once, so pipelined
/// requests come back out of order. A CancelTransfer whose reason is "silence" gets no answer,
/// and one whose reason is "hang up" closes the connection.
final class ScriptedSessionHandler: ChannelInboundHandler {
    typealias InboundIn = Result<Frame, ProtocolError>
    typealias OutboundOut = Frame

    private var accepted: [ID128: Transfer] = [:]
    private var sequence: UInt64 = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .success(let frame) = unwrapInboundIn(data) else {
            if case .failure(let error) = unwrapInboundIn(data) {
                send(context, Frame(requestId: error.requestId, message: .error(error.message)))
            }
            return
        }
        let id = frame.requestId
        switch frame.message {
        case .hello:
            send(context, Frame(requestId: id, message: .welcome(Welcome(
                serverTime: TestGateway.noon, sessionId: 1, operatorId: "ACME", serverName: "test gateway"))))
        case .heartbeat(let heartbeat):
            send(context, Frame(requestId: id, message: .heartbeatAck(HeartbeatAck(
                echoedSentAt: heartbeat.sentAt, serverTime: TestGateway.noon))))
        case .quoteRequest(let request):
            let quote = Quote(
                quoteId: ID128(high: 9, low: 9), sendAmount: request.amount, fee: 299, payoutAmount: request.amount * 128,
                rate: 128_000_000_000, referenceRate: 129_000_000_000, createdAt: TestGateway.noon,
                expiresAt: TestGateway.noon + 60_000, rateMargin: 7_752, totalCost: 37_670,
                sendCurrency: request.sendCurrency, payoutCurrency: request.payoutCurrency,
                sendCountry: request.sendCountry, payoutCountry: request.payoutCountry, amountMode: request.amountMode,
                legs: request.legs.map { QuotedLeg(product: $0.product, share: $0.share,
                                                   payoutAmount: request.amount * 128 * Int64($0.share) / 10_000) })
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(100)) {
                self.send(context, Frame(requestId: id, message: .quote(quote)))
            }
        case .submitTransfers(let submit):
            let results = submit.transfers.map { transfer -> TransferResult in
                if let previous = accepted[transfer.transferId] {
                    return previous == transfer
                        ? TransferResult(transferId: transfer.transferId, sendAmount: transfer.amount, fee: 299,
                                         recordedAt: TestGateway.noon, state: .accepted, replayed: true)
                        : TransferResult(transferId: transfer.transferId, recordedAt: TestGateway.noon,
                                         errorCode: .idReused, state: .rejected)
                }
                accepted[transfer.transferId] = transfer
                return TransferResult(transferId: transfer.transferId, sendAmount: transfer.amount, fee: 299,
                                      recordedAt: TestGateway.noon, state: .accepted)
            }
            send(context, Frame(requestId: id, message: .submitTransfersResult(SubmitTransfersResult(results: results))))
        case .getTransfer(let get):
            guard let transfer = accepted[get.transferId] else {
                send(context, Frame(requestId: id, message: .error(ErrorMessage(
                    code: .notFound, fieldId: .transferId, detail: "no transfer \(get.transferId)"))))
                return
            }
            send(context, Frame(requestId: id, message: .transferStatus(status(transfer, .accepted))))
        case .cancelTransfer(let cancel):
            if cancel.reason == "silence" { return }
            if cancel.reason == "hang up" {
                context.close(promise: nil)
                return
            }
            guard let transfer = accepted[cancel.transferId] else { return }
            send(context, Frame(requestId: id, message: .transferStatus(status(transfer, .cancelled))))
        case .subscribe(let subscribe):
            send(context, Frame(requestId: id, message: .subscribed(Subscribed(oldestSequence: 1,
                                                                                latestSequence: sequence))))
            for transfer in accepted.values.sorted(by: { $0.transferId < $1.transferId }) {
                sequence += 1
                guard sequence > subscribe.afterSequence else { continue }
                send(context, Frame(requestId: 0, message: .event(Event(
                    sequence: sequence, transferId: transfer.transferId, occurredAt: TestGateway.noon,
                    change: .transfer(.accepted)))))
            }
        case .eventAck:
            return
        default:
            send(context, Frame(requestId: id, message: .error(ErrorMessage(
                code: .unexpectedMessage, detail: "\(frame.message.type.name) is not a request"))))
        }
    }

    private func status(_ transfer: Transfer, _ state: TransferState) -> TransferStatus {
        TransferStatus(transferId: transfer.transferId, sendAmount: transfer.amount, fee: 299, payoutAmount: 0, rate: 0,
                       createdAt: TestGateway.noon, updatedAt: TestGateway.noon, lastEventSequence: 0, state: state,
                       sendCurrency: transfer.sendCurrency, payoutCurrency: transfer.payoutCurrency,
                       sendCountry: transfer.sendCountry, payoutCountry: transfer.payoutCountry, legs: [])
    }

    private func send(_ context: ChannelHandlerContext, _ frame: Frame) {
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }
}
