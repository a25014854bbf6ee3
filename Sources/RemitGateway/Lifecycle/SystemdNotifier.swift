#if canImport(Glibc)
import Glibc
#endif

/// systemd's readiness protocol without libsystemd: each notice is one datagram to the socket
/// named by `NOTIFY_SOCKET` (a path, or an abstract socket when it starts with `@`). Without
/// that variable (not under systemd) every call does nothing.
public struct SystemdNotifier: Sendable {
    let path: String?

    public init(environment: [String: String]) {
        path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The watchdog period systemd asks for (`WATCHDOG_USEC`), if any, in microseconds.
    public static func watchdogMicroseconds(_ environment: [String: String]) -> Int64? {
        environment["WATCHDOG_USEC"].flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ status: String) { send("STATUS=\(status)") }
    public func watchdog() { send("WATCHDOG=1") }
    public func stopping() { send("STOPPING=1\nSTATUS=stopping") }
    public func reloading(monotonicMicroseconds: UInt64) { send("RELOADING=1\nMONOTONIC_USEC=\(monotonicMicroseconds)") }

    @discardableResult
    public func send(_ message: String) -> Bool {
        guard let path else { return false }
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let sent = message.utf8CString.withUnsafeBufferPointer { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, text.baseAddress, text.count - 1, 0, $0, length)
                }
            }
        }
        return sent >= 0
        #else
        return false
        #endif
    }
}
