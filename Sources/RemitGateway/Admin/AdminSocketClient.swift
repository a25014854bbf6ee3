import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Sends one request to a running remitd's admin socket and waits for its answer, as
/// `remitctl operators fund` does.
///
/// ```swift
/// let response = try AdminSocketClient(path: ".remit-demo/admin.sock")
///     .send(AdminRequest(command: "fund", operator: "ACME", amount: "1000.00", reference: "wire 42"))
/// ```
public struct AdminSocketClient: Sendable {
    public let path: String
    public var timeoutSeconds: Int

    public init(path: String, timeoutSeconds: Int = 30) {
        self.path = path
        self.timeoutSeconds = timeoutSeconds
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public func send(_ request: AdminRequest) throws -> AdminResponse {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot create a socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Failure(description: "the socket path is longer than 107 bytes: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            throw Failure(description: "cannot connect to \(path): \(String(cString: strerror(errno))) (is remitd running?)")
        }
        var line = try JSONEncoder().encode(request)
        line.append(UInt8(ascii: "\n"))
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else { throw Failure(description: "the request could not be sent") }
        var answer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4_096)
        while !answer.contains(UInt8(ascii: "\n")) {
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { throw Failure(description: "remitd closed the admin connection without an answer") }
            answer.append(contentsOf: chunk[..<count])
            guard answer.count <= 1 << 20 else { throw Failure(description: "an answer longer than 1 MiB") }
        }
        return try JSONDecoder().decode(AdminResponse.self, from: Data(answer.prefix { $0 != UInt8(ascii: "\n") }))
    }
}
