import NIOCore
import NIOSSL
import RemitClient
import RemitProtocol
import XCTest

final class RemitClientTests: XCTestCase {
    var certificates: TestCertificates!
    var gateway: TestGateway!

    override func setUp() async throws {
        certificates = try TestCertificates.make()
        gateway = try await TestGateway.start(certificates: certificates)
    }

    override func tearDown() async throws {
        try await gateway.stop()
        certificates.remove()
    }

    func configuration(certificate: String = "acme", trust: String = "ca.pem",
                       requestTimeout: TimeAmount = .seconds(10)) -> RemitClientConfiguration {
        RemitClientConfiguration(
            host: "127.0.0.1", port: gateway.port, serverHostname: "localhost",
            certificateChainPath: certificates.path("\(certificate).pem"),
            privateKeyPath: certificates.path("\(certificate).key"), trustRootsPath: certificates.path(trust),
            clientName: "remit-client-tests/1", requestTimeout: requestTimeout)
    }

    func transfer(_ low: UInt64, amount: Int64 = 10_000) -> Transfer {
        Transfer(transferId: ID128(high: 0xACE, low: low), amount: amount, sendCurrency: CurrencyCode("USD")!,
                 payoutCurrency: CurrencyCode("KES")!, sendCountry: CountryCode("US")!,
                 payoutCountry: CountryCode("KE")!, senderName: "Maria Otieno", beneficiaryName: "Grace Wanjiru",
                 legs: [Leg(product: .mobileWallet, share: 10_000, account: "254712345678")])
    }

    func testConnectsOverMutualTLSAndReceivesWelcome() async throws {
        let client = try await RemitClient.connect(configuration())
        XCTAssertEqual(client.welcome.operatorId, "ACME")
        XCTAssertEqual(client.welcome.version, 1)
        XCTAssertEqual(client.welcome.maxBatchTransfers, 8_189)
        let ack = try await client.heartbeat(sentAt: 42)
        XCTAssertEqual(ack.echoedSentAt, 42)
        try await client.close()
    }

    /// Nothing listening: the connect fails with the socket's error, and nothing is left waiting.
    func testAGatewayThatIsNotThereIsAnErrorNotACrash() async throws {
        // The port is read while the gateway listens: a closed channel has no address.
        let configuration = configuration()
        try await gateway.stop()
        do {
            _ = try await RemitClient.connect(configuration)
            XCTFail("connected to a stopped gateway")
        } catch {
            XCTAssertTrue("\(error)".contains("refused"), "\(error)")
        }
        gateway = try await TestGateway.start(certificates: certificates)
    }

    func testPipelinedRequestsAreMatchedToTheirAnswersInAnyOrder() async throws {
        let client = try await RemitClient.connect(configuration())
        _ = try await client.submit([transfer(1)])
        let request = QuoteRequest(amount: 10_000, sendCurrency: CurrencyCode("USD")!,
                                   payoutCurrency: CurrencyCode("KES")!, sendCountry: CountryCode("US")!,
                                   payoutCountry: CountryCode("KE")!, amountMode: .send,
                                   legs: [QuoteLeg(product: .mobileWallet, share: 10_000)])
        // The quote is answered 100 ms late; the status requests sent after it come back first.
        async let quote = client.quote(request)
        async let statuses = withThrowingTaskGroup(of: TransferStatus.self) { group in
            for _ in 0..<20 { group.addTask { try await client.transfer(ID128(high: 0xACE, low: 1)) } }
            return try await group.reduce(into: [TransferStatus]()) { $0.append($1) }
        }
        let (q, s) = try await (quote, statuses)
        XCTAssertEqual(q.sendAmount, 10_000)
        XCTAssertEqual(q.payoutAmount, 1_280_000)
        XCTAssertEqual(s.count, 20)
        XCTAssertTrue(s.allSatisfy { $0.transferId == ID128(high: 0xACE, low: 1) && $0.state == .accepted })
        try await client.close()
    }

    func testSubmitReturnsOneResultPerTransferAndReplays() async throws {
        let client = try await RemitClient.connect(configuration())
        let batch = (1...50).map { transfer($0) }
        let first = try await client.submit(batch)
        XCTAssertEqual(first.map(\.transferId), batch.map(\.transferId))
        XCTAssertTrue(first.allSatisfy { $0.errorCode == .none && $0.state == .accepted && !$0.replayed })
        let again = try await client.submit(batch)
        XCTAssertTrue(again.allSatisfy { $0.replayed })
        let changed = try await client.submit([transfer(1, amount: 20_000)])
        XCTAssertEqual(changed[0].errorCode, .idReused)
        try await client.close()
    }

    func testServerErrorsSurfaceWithTheirCode() async throws {
        let client = try await RemitClient.connect(configuration())
        do {
            _ = try await client.transfer(ID128(high: 1, low: 1))
            XCTFail("expected NOT_FOUND")
        } catch RemitClientError.server(let error) {
            XCTAssertEqual(error.code, .notFound)
            XCTAssertEqual(error.fieldId, .transferId)
        }
        // The connection is still good after an error answer.
        _ = try await client.heartbeat(sentAt: 1)
        try await client.close()
    }

    func testABatchOverTheLimitFailsLocallyAndTheConnectionGoesOn() async throws {
        let client = try await RemitClient.connect(configuration())
        let tooMany = (0..<8_190).map { transfer(UInt64($0)) }
        do {
            _ = try await client.submit(tooMany)
            XCTFail("8190 transfers encoded")
        } catch let error as ProtocolError {
            XCTAssertEqual(error.code, .tooManyEntries)
        }
        _ = try await client.heartbeat(sentAt: 2)
        try await client.close()
    }

    func testEventsArriveInOrderAfterTheGivenSequence() async throws {
        let client = try await RemitClient.connect(configuration())
        _ = try await client.submit((1...5).map { transfer($0) })
        let (subscribed, events) = try await client.subscribe(after: 2)
        XCTAssertEqual(subscribed.oldestSequence, 1)
        var received = [UInt64]()
        for try await event in events {
            received.append(event.sequence)
            if received.count == 3 { break }
        }
        XCTAssertEqual(received, [3, 4, 5])
        try await client.acknowledge(through: 5)
        try await client.close()
    }

    func testAnUnansweredRequestTimesOut() async throws {
        let client = try await RemitClient.connect(configuration(requestTimeout: .milliseconds(200)))
        _ = try await client.submit([transfer(1)])
        do {
            _ = try await client.cancel(ID128(high: 0xACE, low: 1), reason: "silence")
            XCTFail("expected a timeout")
        } catch RemitClientError.timeout {}
        _ = try await client.heartbeat(sentAt: 3)
        try await client.close()
    }

    func testPendingRequestsFailWhenTheConnectionDrops() async throws {
        let client = try await RemitClient.connect(configuration())
        async let waiting = client.quote(QuoteRequest(
            amount: 1, sendCurrency: CurrencyCode("USD")!, payoutCurrency: CurrencyCode("KES")!,
            sendCountry: CountryCode("US")!, payoutCountry: CountryCode("KE")!, amountMode: .send,
            legs: [QuoteLeg(product: .mobileWallet, share: 10_000)]))
        do {
            _ = try await client.cancel(ID128(high: 0xACE, low: 1), reason: "hang up")
            XCTFail("expected the connection to close")
        } catch RemitClientError.connectionClosed {}
        do {
            _ = try await waiting
            XCTFail("expected the connection to close")
        } catch RemitClientError.connectionClosed {}
        do {
            _ = try await client.heartbeat(sentAt: 4)
            XCTFail("a closed client sent a request")
        } catch RemitClientError.connectionClosed {}
    }

    func testRequestsAfterCloseFailAtOnce() async throws {
        let client = try await RemitClient.connect(configuration())
        try await client.close()
        try await client.close()  // closing twice is harmless
        do {
            _ = try await client.heartbeat(sentAt: 5)
            XCTFail("a closed client sent a request")
        } catch RemitClientError.connectionClosed {}
        do {
            try await client.acknowledge(through: 1)
            XCTFail("a closed client sent an ack")
        } catch RemitClientError.connectionClosed {}
    }

    func testACertificateFromAnotherCAIsRefused() async throws {
        do {
            let client = try await RemitClient.connect(configuration(certificate: "intruder"))
            try await client.close()
            XCTFail("a certificate from another CA got a Welcome")
        } catch let error as BoringSSLError {
            // Under TLS 1.3 the gateway's alert arrives after the client's handshake completes.
            XCTAssertTrue("\(error)".contains("TLSV1_ALERT_UNKNOWN_CA"), "\(error)")
        }
    }

    func testAGatewayCertificateFromAnUntrustedCAIsRefused() async throws {
        do {
            let client = try await RemitClient.connect(configuration(trust: "other-ca.pem"))
            try await client.close()
            XCTFail("trusted a gateway signed by an unknown CA")
        } catch let error as NIOSSLError {
            guard case .handshakeFailed = error else { return XCTFail("\(error)") }
        }
    }

    func testTLS12IsRefusedUnlessAllowed() async throws {
        let old = try await TestGateway.start(certificates: certificates,
                                              tls12Ciphers: TransportSecurity.tls12CipherSuites)
        var configuration = configuration()
        configuration.port = old.port
        do {
            let client = try await RemitClient.connect(configuration)
            try await client.close()
            XCTFail("a TLS 1.3 client connected to a TLS 1.2 gateway")
        } catch {}
        configuration.allowTLS12 = true
        let client = try await RemitClient.connect(configuration)
        XCTAssertEqual(client.welcome.operatorId, "ACME")
        try await client.close()
        try await old.stop()
    }

    func testTLS12WithoutAnAEADCipherIsRefused() async throws {
        let cbc = try await TestGateway.start(certificates: certificates,
                                              tls12Ciphers: "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA")
        var configuration = configuration()
        configuration.port = cbc.port
        configuration.allowTLS12 = true
        do {
            let client = try await RemitClient.connect(configuration)
            try await client.close()
            XCTFail("connected with a CBC cipher suite")
        } catch let error as NIOSSLError {
            guard case .handshakeFailed = error else { return XCTFail("\(error)") }
        }
        try await cbc.stop()
    }
}
