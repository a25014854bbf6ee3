import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The admin socket: a Unix socket, mode 0660, so that only the service's user and group can
/// send changes. A stale socket file from an earlier run is replaced; one that another process
/// still serves (a second remitd configured with the same path) is not: the start fails.
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
        if Self.answers(path) { throw AdminSocketInUse(path: path) }
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

    /// Whether a process accepts connections on the socket at `path` now (a stale file refuses them).
    static func answers(_ path: String) -> Bool {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }
}

/// Another process serves the admin socket's path: replacing its socket would leave that
/// process out of `remitctl`'s reach.
struct AdminSocketInUse: Error, CustomStringConvertible {
    let path: String
    var description: String { "another process serves the admin socket \(path): one remitd per admin socket; stop it or configure [admin] socket elsewhere" }
}
