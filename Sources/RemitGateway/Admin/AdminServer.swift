import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The admin HTTP endpoint on loopback: health, readiness and metrics for Prometheus and
/// systemd. Changes never go through here; they go through the admin socket.
final class AdminServer: Service, Sendable {
    let host: String
    let port: Int
    let endpoints: AdminHTTPHandler.Endpoints
    let logger: Logger
    private let boundPort = Mutex<Int?>(nil)

    init(host: String, port: Int, endpoints: AdminHTTPHandler.Endpoints, logger: Logger) {
        self.host = host
        self.port = port
        self.endpoints = endpoints
        self.logger = logger
    }

    var listeningPort: Int? { boundPort.withLock { $0 } }

    func run() async throws {
        let endpoints = self.endpoints
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Bounded: a request head above 8 KiB is refused by the parser.
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(AdminHTTPHandler(endpoints: endpoints))
                }
            }
        let channel: any Channel
        do { channel = try await bootstrap.bind(host: host, port: port).get() } catch {
            throw ListenFailure(key: "admin.listen", address: "\(host):\(port)", underlying: error)
        }
        boundPort.withLock { $0 = channel.localAddress?.port }
        logger.info("admin endpoint listening", metadata: ["address": "\(host):\(channel.localAddress?.port ?? port)"])
        await serve(until: channel)
    }
}
