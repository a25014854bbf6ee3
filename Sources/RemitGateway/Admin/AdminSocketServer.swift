import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The admin socket: a Unix socket, mode 0660, so that only the service's user and group can
/// send changes. A stale socket file from an earlier run is replaced.
final class AdminSocketServer: Service, Sendable {
    let path: String
    let executor: AdminExecutor
    let logger: Logger

    static let maxLine = 64 * 1_024

    init(path: String, executor: AdminExecutor, logger: Logger) {
        self.path = path
        self.executor = executor
        self.logger = logger
    }

    func run() async throws {
        let executor = self.executor
        unlink(path)
        // The socket is created with the process's umask; tighten it before it is bound.
        let previous = umask(0o117)
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(AdminLineDecoder(maxLength: AdminSocketServer.maxLine)))
                        try channel.pipeline.syncOperations.addHandler(AdminSocketHandler(executor: executor))
                    }
                }
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            umask(previous)
        } catch {
            umask(previous)
            throw error
        }
        chmod(path, 0o660)
        logger.info("admin socket listening", metadata: ["path": "\(path)"])
        await serve(until: channel)
        unlink(path)
    }
}
