import Logging
import NIOCore
import NIOPosix
import NIOSSL
import RemitProtocol
import ServiceLifecycle
import Synchronization

/// The operator port: accepts mutual-TLS connections and runs a `Session` for each. On graceful
/// shutdown it stops accepting, lets every session answer what it has read, say `9002
/// SHUTTING_DOWN` and close, and after `shutdown_grace_ms` closes whatever is left.
public final class GatewayServer: Service, Sendable {
    let environment: SessionEnvironment
    let group: any EventLoopGroup
    private let tls: Mutex<ServerTLS>
    private let channels = Mutex([ObjectIdentifier: any Channel]())
    private let bound = Mutex<(any Channel)?>(nil)
    private let portValue = Mutex<Int?>(nil)

    init(environment: SessionEnvironment, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.environment = environment
        self.group = group
        let configuration = environment.configuration
        let first = try ServerTLS(configuration.server, file: configuration.file)
        environment.metrics.certificates(first.expiries)
        tls = Mutex(first)
    }

    /// The port bound, once listening (useful with port 0).
    public var port: Int? { portValue.withLock { $0 } }

    /// Swaps in a new configuration and certificates (SIGHUP), or neither if the certificates
    /// cannot be used. New connections use the new TLS context; open ones keep theirs.
    func reload(_ configuration: GatewayConfiguration) throws(ConfigurationError) {
        let next = try ServerTLS(configuration.server, file: configuration.file)
        environment.replace(configuration)
        tls.withLock { $0 = next }
        environment.metrics.certificates(next.expiries)
    }

    public func run() async throws {
        let server = environment.configuration.server
        let limits = environment.limits
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
        let listener: NIOAsyncChannel<NIOAsyncChannel<Result<Frame, ProtocolError>, Frame>, Never>
        do {
            listener = try await bootstrap.bind(host: server.host, port: server.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Read per connection, so that a reload applies to the next one.
                    let server = self.environment.configuration.server
                    try channel.syncOptions?.setOption(
                        .writeBufferWaterMark, value: .init(low: server.maxOutboundBytes / 2, high: server.maxOutboundBytes))
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(self.tls.withLock { $0 }.handler())
                    try sync.addHandler(ByteToMessageHandler(FrameDecoder(limits: limits)))
                    try sync.addHandler(MessageToByteHandler(FrameEncoder(limits: limits)))
                    try sync.addHandler(ConnectionTimeoutHandler(
                        handshake: .milliseconds(server.handshakeTimeoutMs), hello: .milliseconds(server.helloTimeoutMs),
                        idle: .milliseconds(server.idleTimeoutMs)))
                    try sync.addHandler(SlowReaderHandler(patience: .milliseconds(server.idleTimeoutMs)))
                    try sync.addHandler(DrainHandler())
                    return try NIOAsyncChannel<Result<Frame, ProtocolError>, Frame>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 16)))
                }
            }
        } catch {
            throw ListenFailure(key: "server.listen", address: "\(server.host):\(server.port)", underlying: error)
        }
        bound.withLock { $0 = listener.channel }
        portValue.withLock { $0 = listener.channel.localAddress?.port }
        environment.logger.info("listening for operators", metadata: [
            "address": "\(server.host):\(listener.channel.localAddress?.port ?? server.port)",
            "tls": "\(server.allowTLS12 ? "1.2+" : "1.3")",
        ])
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await listener.executeThenClose { inbound in
                    for try await connection in inbound {
                        let id = ObjectIdentifier(connection.channel)
                        let limit = self.environment.configuration.server.maxConnections
                        let over = channels.withLock { channels -> Bool in
                            guard channels.count < limit else { return true }
                            channels[id] = connection.channel
                            return false
                        }
                        if over {
                            connection.channel.close(promise: nil)
                            continue
                        }
                        group.addTask {
                            await Session(environment: self.environment, connection: connection).run()
                            _ = self.channels.withLock { $0.removeValue(forKey: id) }
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            self.drain(grace: .milliseconds(server.shutdownGraceMs))
        }
        environment.logger.info("operator port closed")
    }

    /// Stops accepting and asks every session to finish; closes what is still open after `grace`.
    func drain(grace: TimeAmount) {
        bound.withLock { $0 }?.close(promise: nil)
        let open = channels.withLock { Array($0.values) }
        environment.logger.info("draining sessions", metadata: ["open": "\(open.count)"])
        for channel in open { channel.pipeline.fireUserInboundEventTriggered(DrainHandler.Drain()) }
        group.next().scheduleTask(in: grace) {
            let left = self.channels.withLock { Array($0.values) }
            if !left.isEmpty {
                self.environment.logger.warning("closing sessions still open after the shutdown grace",
                                                metadata: ["open": "\(left.count)"])
            }
            for channel in left { channel.close(promise: nil) }
        }
    }
}
