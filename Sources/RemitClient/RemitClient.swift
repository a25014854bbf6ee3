import NIOCore
import NIOPosix
import NIOSSL
import RemitProtocol
import Synchronization

/// An operator's connection to a Remit Gateway: mutual TLS, Hello/Welcome, then quote, submit,
/// status, cancel, events, (version 2) standing instructions and (version 3) collective
/// remittances, all of which may be in flight at once.
///
/// ```swift
/// let client = try await RemitClient.connect(configuration)
/// let results = try await client.submit([transfer])
/// if results[0].errorCode == .none { /* durable: accepted */ }
/// try await client.close()
/// ```
///
/// A call that fails with `.connectionClosed` or `.timeout` may or may not have been carried out;
/// resending the same transfers with the same ids is always safe (PROTOCOL.md section 8).
public final class RemitClient: Sendable {
    public let welcome: Welcome
    /// The negotiated protocol version (`welcome.version`): every frame after Welcome carries it.
    public var version: UInt8 { welcome.version }
    private let channel: any Channel
    private let closeCause: CloseCause
    /// Request ids are taken here, on the caller's task, so frames are encoded (and limit errors
    /// thrown) before anything is queued on the connection. Hello used id 1.
    private let requestIds = Atomic<UInt64>(2)

    private init(channel: any Channel, closeCause: CloseCause, welcome: Welcome) {
        self.channel = channel
        self.closeCause = closeCause
        self.welcome = welcome
    }

    /// Connects, completes the TLS handshake and the Hello/Welcome exchange.
    public static func connect(
        _ configuration: RemitClientConfiguration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RemitClient {
        let tls = try configuration.makeTLSConfiguration()
        let context = try NIOSSLContext(configuration: tls)
        let requestTimeout = configuration.requestTimeout
        let loop = group.next()
        let handshake = loop.makePromise(of: Void.self)
        let closeCause = CloseCause()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(NIOSSLClientHandler(context: context, serverHostname: configuration.serverHostname))
                    try sync.addHandler(ByteToMessageHandler(FrameDecoder()))
                    try sync.addHandler(ClientConnectionHandler(
                        requestTimeout: requestTimeout, handshake: handshake, closeCause: closeCause))
                }
            }
            .connect(host: configuration.host, port: configuration.port).get()
        } catch {
            // No channel, so no handler will ever complete the handshake promise.
            handshake.fail(error)
            throw error
        }
        do {
            // Hello goes out only after the handshake, so a refused handshake is reported as
            // itself rather than as a write on a closing channel.
            try await handshake.futureResult.get()
            let offered = configuration.versions
            let hello = Hello(minVersion: offered.lowerBound, maxVersion: offered.upperBound,
                              clientName: configuration.clientName)
            guard case .welcome(let welcome) = try await request(channel, closeCause, version: FrameHeader.helloVersion,
                                                                 requestId: 1, .hello(hello)) else {
                throw RemitClientError.protocolViolation("Hello was not answered by Welcome")
            }
            guard offered.contains(welcome.version) else {
                throw RemitClientError.protocolViolation("the gateway chose version \(welcome.version), not offered")
            }
            return RemitClient(channel: channel, closeCause: closeCause, welcome: welcome)
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Encodes on the calling task (a `ProtocolError` here means nothing was sent), then waits
    /// for the answer with the same request id.
    private static func request(_ channel: any Channel, _ closeCause: CloseCause, version: UInt8, requestId: UInt64,
                                _ message: Message,
                                events: AsyncThrowingStream<Event, any Error>.Continuation? = nil) async throws -> Message {
        var frame = channel.allocator.buffer(capacity: 256)
        try Frame(version: version, requestId: requestId, message: message).encode(into: &frame)
        let answer = channel.eventLoop.makePromise(of: Message.self)
        let written = channel.eventLoop.makePromise(of: Void.self)
        // A write on a closed channel never reaches the handler, so nothing else would fail this
        // answer: fail it with the cause the handler recorded once the channel has closed. (A
        // promise completed twice keeps its first result.)
        written.futureResult.whenFailure { error in
            guard RemitClientError.isClosed(error) else { return answer.fail(error) }
            channel.closeFuture.whenComplete { _ in answer.fail(closeCause.error) }
        }
        channel.writeAndFlush(ClientRequest(requestId: requestId, frame: frame, answer: answer, events: events),
                              promise: written)
        return try await answer.futureResult.get()
    }

    private func nextRequestId() -> UInt64 {
        requestIds.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    private func request(_ message: Message) async throws -> Message {
        guard message.type.version <= version else {
            throw RemitClientError.needsVersion(message.type.version, negotiated: version)
        }
        return try await Self.request(channel, closeCause, version: version, requestId: nextRequestId(), message)
    }

    private static func unexpected(_ message: Message, _ request: String) -> RemitClientError {
        .protocolViolation("\(request) was answered by \(message.type.name)")
    }

    /// The terms of a remittance before the sender commits.
    public func quote(_ request: QuoteRequest) async throws -> Quote {
        let answer = try await self.request(.quoteRequest(request))
        guard case .quote(let quote) = answer else { throw Self.unexpected(answer, "QuoteRequest") }
        return quote
    }

    /// Submits a batch; one result per transfer, in order. A result with `errorCode == .none` is
    /// durable in the gateway's ledger. A transfer that applies a standing instruction needs a
    /// version-2 connection.
    public func submit(_ transfers: [Transfer]) async throws -> [TransferResult] {
        if version < 2, transfers.contains(where: \.applyStandingInstruction) {
            throw RemitClientError.needsVersion(2, negotiated: version)
        }
        let answer = try await request(.submitTransfers(SubmitTransfers(transfers: transfers)))
        guard case .submitTransfersResult(let result) = answer else { throw Self.unexpected(answer, "SubmitTransfers") }
        guard result.results.map(\.transferId) == transfers.map(\.transferId) else {
            throw RemitClientError.protocolViolation("results do not match the submitted transfers one for one")
        }
        return result.results
    }

    /// A transfer's state, amounts and legs.
    public func transfer(_ transferId: ID128) async throws -> TransferStatus {
        let answer = try await request(.getTransfer(GetTransfer(transferId: transferId)))
        guard case .transferStatus(let status) = answer else { throw Self.unexpected(answer, "GetTransfer") }
        return status
    }

    /// Cancels a transfer not yet dispatched.
    public func cancel(_ transferId: ID128, reason: String = "") async throws -> TransferStatus {
        let answer = try await request(.cancelTransfer(CancelTransfer(transferId: transferId, reason: reason)))
        guard case .transferStatus(let status) = answer else { throw Self.unexpected(answer, "CancelTransfer") }
        return status
    }

    /// Registers, replaces or (no legs) deletes a beneficiary's standing instruction (version 2);
    /// answers the instruction as now stored.
    public func setStandingInstruction(_ instruction: SetStandingInstruction) async throws -> StandingInstruction {
        let answer = try await request(.setStandingInstruction(instruction))
        guard case .standingInstruction(let stored) = answer else { throw Self.unexpected(answer, "SetStandingInstruction") }
        return stored
    }

    /// A beneficiary's standing instruction (version 2); no legs and revision 0 if never set.
    public func standingInstruction(beneficiaryAccount: String) async throws -> StandingInstruction {
        let answer = try await request(.getStandingInstruction(GetStandingInstruction(beneficiaryAccount: beneficiaryAccount)))
        guard case .standingInstruction(let stored) = answer else { throw Self.unexpected(answer, "GetStandingInstruction") }
        return stored
    }

    /// Opens a hometown association's project, registering the association with its first one
    /// (version 3); answers the project as it stands. Repeating the same request is safe.
    public func openProject(_ request: OpenProject) async throws -> ProjectStatement {
        let answer = try await self.request(.openProject(request))
        guard case .projectStatement(let statement) = answer else { throw Self.unexpected(answer, "OpenProject") }
        return statement
    }

    /// A project's statement with up to `ProjectLimit.receiptsPerStatement` receipts numbered
    /// after `afterReceipt` (version 3).
    public func project(_ projectId: String, afterReceipt: UInt64 = 0) async throws -> ProjectStatement {
        let answer = try await request(.getProject(GetProject(projectId: projectId, afterReceipt: afterReceipt)))
        guard case .projectStatement(let statement) = answer else { throw Self.unexpected(answer, "GetProject") }
        return statement
    }

    /// A project's statement with every receipt, asking again after the last one until all have
    /// come (version 3); `maxReceipts` bounds what is kept in memory.
    public func projectWithAllReceipts(_ projectId: String, maxReceipts: Int = 100_000) async throws -> ProjectStatement {
        var statement = try await project(projectId)
        while let last = statement.receipts.last, last.number < UInt64(statement.contributions),
              statement.receipts.count < maxReceipts {
            let next = try await project(projectId, afterReceipt: last.number)
            guard !next.receipts.isEmpty else { break }
            statement.receipts += next.receipts
        }
        return statement
    }

    /// The receipt of the contribution that leg `legIndex` of one of this operator's transfers
    /// made (version 3); `3003 NOT_FOUND` until the leg is paid into the project.
    public func contributionReceipt(transferId: ID128, legIndex: UInt8 = 0) async throws -> ContributionReceipt {
        let answer = try await request(.getContributionReceipt(GetContributionReceipt(transferId: transferId, legIndex: legIndex)))
        guard case .contributionReceipt(let receipt) = answer else { throw Self.unexpected(answer, "GetContributionReceipt") }
        return receipt
    }

    /// Round trip to the gateway; keeps an idle connection open.
    public func heartbeat(sentAt: Int64) async throws -> HeartbeatAck {
        let answer = try await request(.heartbeat(Heartbeat(sentAt: sentAt)))
        guard case .heartbeatAck(let ack) = answer else { throw Self.unexpected(answer, "Heartbeat") }
        return ack
    }

    /// Starts this connection's event stream after `afterSequence`. Events arrive in sequence
    /// order; call `acknowledge(through:)` as they are processed, or the gateway stops sending
    /// after `welcome.eventWindow` of them. The stream ends with an error when the connection does.
    public func subscribe(after afterSequence: UInt64) async throws
        -> (subscribed: Subscribed, events: AsyncThrowingStream<Event, any Error>)
    {
        let (events, continuation) = AsyncThrowingStream<Event, any Error>.makeStream()
        let answer = try await Self.request(channel, closeCause, version: version, requestId: nextRequestId(),
                                            .subscribe(Subscribe(afterSequence: afterSequence)), events: continuation)
        guard case .subscribed(let subscribed) = answer else {
            continuation.finish()
            throw Self.unexpected(answer, "Subscribe")
        }
        return (subscribed, events)
    }

    /// Tells the gateway every event through `sequence` has been processed.
    public func acknowledge(through sequence: UInt64) async throws {
        var frame = channel.allocator.buffer(capacity: 32)
        try Frame(version: version, requestId: 0, message: .eventAck(EventAck(throughSequence: sequence))).encode(into: &frame)
        do {
            try await channel.writeAndFlush(ClientRequest(requestId: 0, frame: frame, answer: nil, events: nil))
        } catch {
            throw RemitClientError.isClosed(error) ? closeCause.error : error
        }
    }

    public func close() async throws {
        do {
            try await channel.close()
        } catch ChannelError.alreadyClosed {
            return
        }
    }
}
