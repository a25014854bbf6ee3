import Foundation
import NIOCore
import RemitProtocol
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// remitd speaks systemd's notify protocol on its own: EXTEND_TIMEOUT_USEC while the ledger
/// opens, READY=1 once it listens, WATCHDOG=1 at half the watchdog period, STOPPING=1 on SIGTERM. The test is the socket systemd would be.
final class SystemdTests: XCTestCase {
    func testReadyWatchdogAndStoppingReachTheNotifySocket() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer {
            close(fd)
            unlink(path)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let daemon = try Daemon(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"])
        defer { daemon.remove() }
        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4_096)
            let count = recv(fd, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
        }
        var messages: [String] = []
        while let message = receive() {
            messages.append(message)
            if messages.contains(where: { $0.contains("READY=1") }) && messages.contains("WATCHDOG=1") { break }
        }
        // While the ledger opens (and migrates), systemd is asked for more time; then READY=1.
        XCTAssertTrue(messages.first?.hasPrefix("EXTEND_TIMEOUT_USEC=60000000\nSTATUS=opening the ledger") == true, "\(messages)")
        XCTAssertTrue(messages.first { $0.hasPrefix("READY=1") }?.hasPrefix("READY=1\nSTATUS=serving operators on port \(daemon.port)") == true,
                      "\(messages)")
        XCTAssertTrue(messages.contains("WATCHDOG=1"), "\(messages)")
        XCTAssertEqual(daemon.stop(), 0)
        var stopping = false
        while let message = receive() {
            if message.hasPrefix("STOPPING=1") {
                stopping = true
                break
            }
        }
        XCTAssertTrue(stopping)
    }
}

final class HelloTimeoutTests: XCTestCase {
    func testAConnectionThatNeverSaysHelloGetsTimeoutAndIsClosed() throws {
        let daemon = try Daemon()
        defer { daemon.remove() }
        try daemon.setServer("hello_timeout_ms = 300")
        XCTAssertTrue(try daemon.reload())
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else { throw XCTSkip("no openssl") }
        let result = try runProgram("/usr/bin/openssl", [
            "s_client", "-quiet", "-connect", "127.0.0.1:\(daemon.port)", "-CAfile", daemon.path("ca.pem"),
            "-cert", daemon.path("operators/ACME.pem"), "-key", daemon.path("operators/ACME.key"),
        ], holdOpen: 2, timeout: 5)
        let start = try XCTUnwrap(result.out.firstRange(of: Data([0x52, 0x4D]))?.lowerBound, result.err)
        var buffer = ByteBuffer(bytes: result.out[start...])
        let frame = try XCTUnwrap(try Frame.decode(from: &buffer, limits: .default))
        guard case .error(let error) = frame.message else { return XCTFail("\(frame)") }
        XCTAssertEqual(error.code, .timeout)
        XCTAssertEqual(frame.requestId, 0)
    }
}

/// SIGTERM while a batch is in flight: the gateway either answers it (and then every transfer
/// in it is in the ledger) or never read it (and then none is); either way it exits 0.
final class ShutdownTests: XCTestCase {
    func testABatchInFlightAtSIGTERMIsAnsweredOrNotRecordedAtAll() async throws {
        var daemon = try Daemon.withPayoutsPaused()
        defer { daemon.remove() }
        let client = try await daemon.connect()
        let batch = (0..<2_000).map { _ in GatewayTests.transfer() }
        let pid = daemon.process.processIdentifier
        async let answer = client.submit(batch)
        try await Task.sleep(for: .milliseconds(5))
        kill(pid, SIGTERM)
        let results = try? await answer
        XCTAssertEqual(daemon.stop(), 0, daemon.stderr)
        // Well inside the 10 s grace: the session drained, it was not cut off.
        XCTAssertFalse(daemon.stderr.contains("closing sessions still open"), daemon.stderr)
        daemon = try daemon.restart()
        let reader = try await daemon.connect()
        var found = 0
        for transfer in batch.prefix(50) + batch.suffix(50) {
            if (try? await reader.transfer(transfer.transferId)) != nil { found += 1 }
        }
        if let results {
            XCTAssertEqual(results.count, batch.count)
            XCTAssertTrue(results.allSatisfy { $0.errorCode == .none })
            XCTAssertEqual(found, 100, "answered, so every transfer must be in the ledger")
        } else {
            XCTAssertEqual(found, 0, "not answered, so none may have been recorded")
        }
        try await reader.close()
    }
}
