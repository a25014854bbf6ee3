import Foundation
import NIOCore
import RemitClient
import RemitGateway
import RemitProtocol
import X509
import XCTest

/// Reloading, revocation, suspension and the limits of a session, on the real daemon.
final class OperationsTests: XCTestCase {
    var daemon: Daemon!

    override func setUpWithError() throws {
        daemon = try Daemon.withPayoutsPaused()
    }

    override func tearDown() {
        daemon?.remove()
    }

    func demoCA() throws -> CertificateAuthority {
        try CertificateAuthority.load(certificatePEM: String(contentsOfFile: daemon.path("ca.pem"), encoding: .utf8),
                                      privateKeyPEM: String(contentsOfFile: daemon.path("ca.key"), encoding: .utf8))
    }

    func serial(_ pemPath: String) throws -> [UInt8] {
        Array(try Certificate(pemEncoded: String(contentsOfFile: pemPath, encoding: .utf8)).serialNumber.bytes)
    }

    func testARevokedCertificateIsRefusedAfterReloadAndOpenConnectionsStay() async throws {
        let open = try await daemon.connect("ACME")
        let crl = try demoCA().revocationList(revoking: [try serial(daemon.path("operators/ACME.pem"))])
        try crl.write(toFile: daemon.path("operators.crl"), atomically: true, encoding: .utf8)
        try daemon.setServer("crl = \"operators.crl\"")
        XCTAssertTrue(try daemon.reload(), daemon.stderr)
        do {
            _ = try await daemon.connect("ACME")
            XCTFail("a revoked certificate connected")
        } catch {}
        // BETA is not revoked; ACME's open connection was not dropped.
        let beta = try await daemon.connect("BETA")
        try await beta.close()
        _ = try await open.heartbeat(sentAt: 1)
        try await open.close()
    }

    func testABadReloadKeepsTheRunningConfiguration() async throws {
        try daemon.setServer("idle_timeout_ms = 5")
        XCTAssertFalse(try daemon.reload())
        XCTAssertTrue(daemon.stderr.contains("server.idle_timeout_ms"), daemon.stderr)
        let client = try await daemon.connect()
        XCTAssertEqual(client.welcome.idleTimeoutMs, 30_000)
        try await client.close()
    }

    func testASuspendedOperatorIsRefusedAtHello() async throws {
        try daemon.editConfiguration {
            $0.replacingOccurrences(of: "id = \"BETA\"\ncurrency = \"GBP\"", with: "id = \"BETA\"\ncurrency = \"GBP\"\nsuspended = true")
        }
        XCTAssertTrue(try daemon.reload())
        do {
            _ = try await daemon.connect("BETA")
            XCTFail("a suspended operator connected")
        } catch RemitClientError.server(let error) {
            XCTAssertEqual(error.code, .operatorSuspended)
        }
    }

    func testConnectionsPerOperatorAreLimited() async throws {
        try daemon.setServer("max_connections_per_operator = 2")
        XCTAssertTrue(try daemon.reload())
        let first = try await daemon.connect(), second = try await daemon.connect()
        do {
            _ = try await daemon.connect()
            XCTFail("a third connection was accepted")
        } catch RemitClientError.server(let error) {
            XCTAssertEqual(error.code, .tooManyConnections)
            XCTAssertGreaterThan(error.retryAfterMs, 0)
        }
        // Another operator has its own allowance; a closed connection frees a slot.
        let beta = try await daemon.connect("BETA")
        try await first.close()
        var third: RemitClient?
        for _ in 0..<50 where third == nil {
            third = try? await daemon.connect()
            if third == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        XCTAssertNotNil(third)
        for client in [second, beta, third].compactMap({ $0 }) { try await client.close() }
    }

    func testRequestsAboveTheRateAreRefusedWithARetryTime() async throws {
        try daemon.setServer("requests_per_second_per_operator = 5")
        XCTAssertTrue(try daemon.reload())
        let client = try await daemon.connect()
        var limited: ErrorMessage?
        for _ in 0..<20 {
            do { _ = try await client.transfer(.random()) } catch RemitClientError.server(let error) where error.code == .rateLimited {
                limited = error
                break
            } catch {}
        }
        let error = try XCTUnwrap(limited)
        XCTAssertGreaterThan(error.retryAfterMs, 0)
        XCTAssertLessThanOrEqual(error.retryAfterMs, 1_000)
        try await client.close()
    }

    func testASilentClientIsTimedOut() async throws {
        try daemon.setServer("idle_timeout_ms = 1000\nheartbeat_interval_ms = 500")
        daemon = try daemon.restart()
        let client = try await daemon.connect()
        XCTAssertEqual(client.welcome.idleTimeoutMs, 1_000)
        try await Task.sleep(for: .milliseconds(2_500))
        do {
            _ = try await client.heartbeat(sentAt: 1)
            XCTFail("the idle connection was still open")
        } catch {
            XCTAssertTrue("\(error)".contains("9005") || "\(error)".contains("closed"), "\(error)")
        }
    }

    func testEventsStopAtTheWindowUntilAcknowledged() async throws {
        try daemon.setServer("event_window = 2")
        daemon = try daemon.restart()
        let client = try await daemon.connect()
        XCTAssertEqual(client.welcome.eventWindow, 2)
        let (_, events) = try await client.subscribe(after: 0)
        _ = try await client.submit((0..<5).map { _ in GatewayTests.transfer() })
        var iterator = events.makeAsyncIterator()
        var sequences: [UInt64] = []
        for _ in 0..<2 { sequences.append(try await iterator.next()!.sequence) }
        XCTAssertEqual(sequences, [1, 2])
        try await client.acknowledge(through: 2)
        for _ in 0..<2 { sequences.append(try await iterator.next()!.sequence) }
        try await client.acknowledge(through: 4)
        sequences.append(try await iterator.next()!.sequence)
        XCTAssertEqual(sequences, [1, 2, 3, 4, 5])
        try await client.close()
    }

    func testManyPipelinedRequestsAreAllAnswered() async throws {
        try daemon.setServer("max_in_flight_requests = 4")
        daemon = try daemon.restart()
        let client = try await daemon.connect()
        XCTAssertEqual(client.welcome.maxInFlightRequests, 4)
        // 200 requests at once on one connection: the gateway takes 4 at a time and stops reading
        // the rest until it has answered; nothing is refused and nothing is lost.
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<200 {
                group.addTask { try await client.submit([GatewayTests.transfer()]).count }
            }
            return try await group.reduce(0, +)
        }
        XCTAssertEqual(results, 200)
        try await client.close()
    }
}
