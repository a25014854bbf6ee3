import Foundation
import RemitClient
import RemitProtocol
import XCTest

/// Abuse of the operator port, all at once against the real daemon, by one operator (ACME) while
/// another (BETA) sends transfers one at a time: more connections than allowed, requests above
/// the rate, another operator's transfers asked for and cancelled, a transfer id replayed and sent
/// again with other content. Each gets its documented answer, and BETA is served throughout. BETA's acknowledgement latency before and
/// during the abuse is printed, not asserted (docs/reliability.md has the measured figures).
final class AbuseTests: XCTestCase {
    var daemon: Daemon!

    override func setUpWithError() throws {
        daemon = try Daemon()
        try daemon.setServer("max_connections_per_operator = 8\n"
                             + "requests_per_second_per_operator = 100")
        daemon = try daemon.restart()
    }

    override func tearDown() {
        daemon?.remove()
    }

    func testAbuseIsRefusedWithItsDocumentedErrorsWhileAnotherOperatorIsServed() async throws {
        let beta = try await daemon.connect("BETA")
        let quiet = try await Self.paced(beta, seconds: 2)

        let daemon = self.daemon!
        async let served = Self.paced(beta, seconds: 4)
        async let flood = Self.flood(daemon, connections: 12)
        async let rate = Self.overTheRate(daemon)
        async let crossAndReplay = Self.crossOperatorAndReplay(daemon, beta: beta)
        let (busy, floodCodes, rateCodes, crossCodes) = try await (served, flood, rate, crossAndReplay)

        XCTAssertTrue(floodCodes.contains(.tooManyConnections), "\(floodCodes)")
        XCTAssertEqual(floodCodes.subtracting([.none, .tooManyConnections]), [], "\(floodCodes)")
        XCTAssertTrue(rateCodes.contains(.rateLimited), "\(rateCodes)")
        XCTAssertEqual(rateCodes.subtracting([.notFound, .rateLimited]), [], "\(rateCodes)")
        XCTAssertEqual(crossCodes, [.notFound, .notFound, .none, .idReused],
                       "another operator's transfer: unknown to ACME, read or cancelled; a replay: the same answer; other content: refused")

        XCTAssertFalse(busy.isEmpty)
        print("abuse: BETA one transfer at a time, ms: quiet \(Self.summary(quiet)); under abuse \(Self.summary(busy))")
        try await beta.close()
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
    }

    // MARK: the well-behaved operator

    /// One transfer at a time, about 40 a second (below the rate limit), for `seconds`; each
    /// acknowledgement's latency in milliseconds. Every transfer must be accepted.
    static func paced(_ client: RemitClient, seconds: Int) async throws -> [Double] {
        var latencies: [Double] = []
        let end = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < end {
            let started = ContinuousClock.now
            let result = try await client.submit([GatewayTests.transfer(amount: 10_000).inGBP])[0]
            let elapsed = ContinuousClock.now - started
            XCTAssertEqual(result.errorCode, .none)
            latencies.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1_000)
            try await Task.sleep(for: .milliseconds(25))
        }
        return latencies
    }

    static func summary(_ latencies: [Double]) -> String {
        let sorted = latencies.sorted()
        func at(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        return String(format: "%d transfers, p50 %.1f, p99 %.1f, max %.1f", sorted.count, at(0.5), at(0.99), sorted.last ?? 0)
    }

    // MARK: the abusers

    /// `connections` connections as ACME at once; each one's outcome.
    static func flood(_ daemon: Daemon, connections: Int) async -> Set<ErrorCode> {
        await withTaskGroup(of: (ErrorCode, RemitClient?).self) { group in
            for _ in 0..<connections {
                group.addTask {
                    do { return (.none, try await daemon.connect()) } catch RemitClientError.server(let error) {
                        return (error.code, nil)
                    } catch { return (.internalError, nil) }
                }
            }
            var codes: Set<ErrorCode> = []
            var open: [RemitClient] = []
            for await (code, client) in group {
                codes.insert(code)
                if let client { open.append(client) }
            }
            try? await Task.sleep(for: .seconds(1))
            for client in open { try? await client.close() }
            return codes
        }
    }

    /// Requests as fast as one connection can send them: above 100 a second, some are refused.
    static func overTheRate(_ daemon: Daemon) async throws -> Set<ErrorCode> {
        var client: RemitClient?
        for _ in 0..<50 where client == nil {
            client = try? await daemon.connect()
            if client == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        guard let client else { return [.tooManyConnections] }
        var codes: Set<ErrorCode> = []
        for _ in 0..<300 {
            do { _ = try await client.transfer(.random()) } catch RemitClientError.server(let error) { codes.insert(error.code) }
        }
        try? await client.close()
        return codes
    }

    /// ACME asks for and cancels one of BETA's transfers, then replays one of its own and sends
    /// its id again with other content.
    static func crossOperatorAndReplay(_ daemon: Daemon, beta: RemitClient) async throws -> [ErrorCode] {
        let betas = try await beta.submit([GatewayTests.transfer(amount: 20_000).inGBP])[0]
        var client: RemitClient?
        for _ in 0..<50 where client == nil {
            client = try? await daemon.connect()
            if client == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        guard let client else { return [.tooManyConnections] }
        defer { Task { try? await client.close() } }
        var codes: [ErrorCode] = []
        codes.append(try await Self.withRetry {
            do { _ = try await client.transfer(betas.transferId) } catch RemitClientError.server(let error) where error.code != .rateLimited {
                return error.code
            }
            return ErrorCode.none
        })
        codes.append(try await Self.withRetry {
            do { _ = try await client.cancel(betas.transferId) } catch RemitClientError.server(let error) where error.code != .rateLimited {
                return error.code
            }
            return ErrorCode.none
        })
        let own = GatewayTests.transfer(amount: 30_000)
        var answer = try await Self.withRetry { try await client.submit([own])[0] }
        answer = try await Self.withRetry { try await client.submit([own])[0] }
        codes.append(answer.errorCode)
        var other = own
        other.amount = 31_000
        let changed = other
        answer = try await Self.withRetry { try await client.submit([changed])[0] }
        codes.append(answer.errorCode)
        return codes
    }

    /// ACME's rate is being exhausted by the other abuser: wait out `rateLimited`.
    static func withRetry<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        while true {
            do { return try await body() } catch RemitClientError.server(let error) where error.code == .rateLimited {
                try await Task.sleep(for: .milliseconds(Int(max(error.retryAfterMs, 10))))
            }
        }
    }
}

extension Transfer {
    /// The same transfer sent in pounds from Great Britain: BETA's corridor (GB to KE).
    var inGBP: Transfer {
        var transfer = self
        transfer.sendCurrency = CurrencyCode("GBP")!
        transfer.sendCountry = CountryCode("GB")!
        return transfer
    }
}
