import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RemitClient
import RemitProtocol
import XCTest

/// The real remitd, started on its demo defaults, driven by the real client over mutual TLS.
final class GatewayTests: XCTestCase {
    var daemon: Daemon!

    override func setUpWithError() throws {
        daemon = try Daemon.withPayoutsPaused()
    }

    override func tearDown() {
        daemon?.remove()
    }

    static func transfer(_ id: ID128 = .random(), amount: Int64 = 10_000, to country: String = "KE",
                         legs: [Leg] = [Leg(product: .mobileWallet, share: 10_000, account: "254712345678")],
                         senderName: String = "Maria Lopez", policy: LegFailurePolicy = .refundLeg) -> Transfer {
        Transfer(transferId: id, quoteId: nil, amount: amount, senderPhone: 12_025_550_143,
                 beneficiaryPhone: 254_712_345_678, senderDateOfBirth: 0, sendCurrency: CurrencyCode("USD")!,
                 payoutCurrency: CurrencyCode(country == "KE" ? "KES" : "PHP")!, sendCountry: CountryCode("US")!,
                 payoutCountry: CountryCode(country)!, amountMode: .send, purpose: .familySupport,
                 legFailurePolicy: policy, operatorReference: "REF-1", senderName: senderName,
                 senderAccount: "ACC-1001", senderAddress: "", senderNationalId: "", senderPlaceOfBirth: "",
                 beneficiaryName: "Grace Wanjiru", beneficiaryAccount: "254712345678", legs: legs)
    }

    func testAGoodCertificateGetsAWelcomeNamingItsOperator() async throws {
        let client = try await daemon.connect("ACME")
        XCTAssertEqual(client.welcome.operatorId, "ACME")
        XCTAssertEqual(client.welcome.version, 3, "the highest version both speak")
        XCTAssertEqual(client.welcome.maxBatchTransfers, 8_189)
        XCTAssertEqual(client.welcome.maxInFlightRequests, 256)
        let ack = try await client.heartbeat(sentAt: 42)
        XCTAssertEqual(ack.echoedSentAt, 42)
        try await client.close()
    }

    func testATransferIsAcceptedPricedAndReadBack() async throws {
        let client = try await daemon.connect()
        let id = ID128.random()
        let legs = [Leg(product: .mobileWallet, share: 7_000, account: "254712345678"),
                    Leg(product: .savingsDeposit, share: 3_000, institution: "KMFI", account: "SAV-001")]
        let results = try await client.submit([Self.transfer(id, amount: 25_000, legs: legs)])
        XCTAssertEqual(results.count, 1)
        let result = results[0]
        XCTAssertEqual(result.errorCode, .none, "\(result)")
        XCTAssertEqual(result.state, .accepted)
        XCTAssertFalse(result.replayed)
        // USD 250.00 at the mid 129.45 less the corridor's 1 % (128.1555) is KES 32,038.87 (rounded
        // down); the fee is 1.99 + 0.5 % = 3.24.
        XCTAssertEqual(result.sendAmount, 25_000)
        XCTAssertEqual(result.fee, 324)
        XCTAssertEqual(result.payoutAmount, 3_203_887)

        let status = try await client.transfer(id)
        XCTAssertEqual(status.state, .accepted)
        XCTAssertEqual(status.rate, 128_155_500_000)
        XCTAssertEqual(status.operatorReference, "REF-1")
        XCTAssertEqual(status.legs.map(\.payoutAmount), [2_242_721, 961_166])  // 70 % and 30 %, the remainder to the first
        XCTAssertEqual(status.legs.map(\.payoutAmount).reduce(0, +), status.payoutAmount)
        XCTAssertEqual(status.legs.map(\.state), [.pending, .pending])
        try await client.close()
        // At the default level no line per transfer: the ledger and the operator's events
        // record each one, and the hot path stays free of logging.
        XCTAssertFalse(daemon.stderr.contains("\(id)".lowercased()), daemon.stderr)
        for personal in ["Maria Lopez", "Grace Wanjiru", "ACC-1001", "254712345678", "SAV-001"] {
            XCTAssertFalse(daemon.stderr.contains(personal), personal)
        }
    }

    /// At `--log-level debug` each recorded transfer is logged, by its id and never with the
    /// people's names or accounts, through to its payout.
    func testDebugLogsCarryTransferIdsAndNoPersonalData() async throws {
        let verbose = try Daemon(arguments: ["--demo", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                                             "--log-level", "debug"])
        defer { verbose.remove() }
        let client = try await verbose.connect()
        let id = ID128.random()
        let legs = [Leg(product: .mobileWallet, share: 7_000, account: "254712345678"),
                    Leg(product: .savingsDeposit, share: 3_000, institution: "KMFI", account: "SAV-001")]
        let results = try await client.submit([Self.transfer(id, amount: 25_000, legs: legs)])
        XCTAssertEqual(results.first?.state, .accepted)
        try await client.close()
        let deadline = Date().addingTimeInterval(10)
        while !verbose.stderr.contains("\(id)".lowercased()) && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        XCTAssertTrue(verbose.stderr.contains("\(id)".lowercased()), verbose.stderr)
        for personal in ["Maria Lopez", "Grace Wanjiru", "ACC-1001", "254712345678", "SAV-001"] {
            XCTAssertFalse(verbose.stderr.contains(personal), personal)
        }
    }

    func testResubmittingReplaysAndOtherContentIsRefused() async throws {
        let client = try await daemon.connect()
        let id = ID128.random()
        let first = try await client.submit([Self.transfer(id)])[0]
        let again = try await client.submit([Self.transfer(id)])[0]
        XCTAssertEqual(again.errorCode, .none)
        XCTAssertTrue(again.replayed)
        XCTAssertEqual(again.recordedAt, first.recordedAt)
        XCTAssertEqual(again.payoutAmount, first.payoutAmount)
        let other = try await client.submit([Self.transfer(id, amount: 20_000)])[0]
        XCTAssertEqual(other.errorCode, .idReused)
        // A rejected id stays rejected, even when the second try would be valid.
        let badId = ID128.random()
        let rejected = try await client.submit([Self.transfer(badId, senderName: "")])[0]
        XCTAssertEqual(rejected.errorCode, .originatorDataRequired)
        XCTAssertEqual(rejected.fieldId, .senderName)
        XCTAssertEqual(rejected.state, .rejected)
        let replayedRejection = try await client.submit([Self.transfer(badId, senderName: "")])[0]
        XCTAssertTrue(replayedRejection.replayed)
        XCTAssertEqual(replayedRejection.errorCode, .originatorDataRequired)
        try await client.close()
    }

    func testABatchAnswersEachTransferInOrder() async throws {
        let client = try await daemon.connect()
        let duplicate = ID128.random()
        let batch = [
            Self.transfer(duplicate),
            Self.transfer(amount: 50),  // below the corridor's USD 1.00 minimum
            Self.transfer(duplicate),
            Self.transfer(to: "PH", legs: [Leg(product: .savingsDeposit, share: 10_000, account: "X")]),
            Self.transfer(legs: [Leg(product: .mobileWallet, share: 6_000, account: "254712345678")]),
            Self.transfer(),
        ]
        let results = try await client.submit(batch)
        XCTAssertEqual(results.map(\.transferId), batch.map(\.transferId))
        XCTAssertEqual(results.map(\.errorCode), [.none, .amountBelowMinimum, .duplicateInBatch, .productNotAllowed,
                                                  .legSharesNotWhole, .none])
        try await client.close()
    }

    func testAnOperatorNeverSeesOrCancelsAnothersTransfers() async throws {
        let acme = try await daemon.connect("ACME")
        let beta = try await daemon.connect("BETA")
        XCTAssertEqual(beta.welcome.operatorId, "BETA")
        let id = ID128.random()
        _ = try await acme.submit([Self.transfer(id)])
        do {
            _ = try await beta.transfer(id)
            XCTFail("BETA read ACME's transfer")
        } catch RemitClientError.server(let error) {
            XCTAssertEqual(error.code, .notFound)
        }
        do {
            _ = try await beta.cancel(id)
            XCTFail("BETA cancelled ACME's transfer")
        } catch RemitClientError.server(let error) {
            XCTAssertEqual(error.code, .notFound)
        }
        // The same id is BETA's own to use; it does not collide with ACME's.
        let betaResult = try await beta.submit([Self.transfer(id)])[0]
        XCTAssertEqual(betaResult.errorCode, .notPermitted)  // BETA's prefund is in GBP: it cannot send USD
        XCTAssertFalse(betaResult.replayed)
        let status = try await acme.transfer(id)
        XCTAssertEqual(status.state, .accepted)
        try await acme.close()
        try await beta.close()
    }

    func testCancellingReturnsTheMoneyAndIsAnsweredTheSameTwice() async throws {
        let client = try await daemon.connect()
        let id = ID128.random()
        _ = try await client.submit([Self.transfer(id)])
        let cancelled = try await client.cancel(id, reason: "sender asked")
        XCTAssertEqual(cancelled.state, .cancelled)
        XCTAssertEqual(cancelled.legs.map(\.state), [.cancelled])
        let again = try await client.cancel(id)
        XCTAssertEqual(again.state, .cancelled)
        do {
            _ = try await client.cancel(.random())
            XCTFail("cancelled an unknown transfer")
        } catch RemitClientError.server(let error) {
            XCTAssertEqual(error.code, .notFound)
        }
        try await client.close()
    }

    func testASubscriberGetsEveryEventAndResumesWhereItLeftOff() async throws {
        let client = try await daemon.connect()
        let ids = (0..<3).map { _ in ID128.random() }
        _ = try await client.submit([Self.transfer(ids[0]), Self.transfer(ids[1])])
        let (subscribed, events) = try await client.subscribe(after: 0)
        XCTAssertEqual(subscribed.latestSequence, 2)
        var iterator = events.makeAsyncIterator()
        var seen: [Event] = []
        for _ in 0..<2 { if let event = try await iterator.next() { seen.append(event) } }
        // A change committed after subscribing is pushed as it commits.
        _ = try await client.cancel(ids[0])
        for _ in 0..<2 { if let event = try await iterator.next() { seen.append(event) } }
        XCTAssertEqual(seen.map(\.sequence), [1, 2, 3, 4])
        XCTAssertEqual(seen[0].change, .transfer(.accepted))
        XCTAssertEqual(seen[2].transferId, ids[0])
        XCTAssertEqual(seen[2].change, .transfer(.cancelled))
        XCTAssertEqual(seen[3].change, .leg(index: 0, state: .cancelled))
        try await client.acknowledge(through: 2)
        try await client.close()

        // Reconnect and resume after 2: events 3 and 4 again, then the new one, nothing missed.
        let second = try await daemon.connect()
        _ = try await second.submit([Self.transfer(ids[2])])
        let (_, resumed) = try await second.subscribe(after: 2)
        var again = resumed.makeAsyncIterator()
        var sequences: [UInt64] = []
        for _ in 0..<3 { if let event = try await again.next() { sequences.append(event.sequence) } }
        XCTAssertEqual(sequences, [3, 4, 5])
        try await second.close()
    }

    func testSIGTERMAnswersWhatIsInFlightAndExitsZero() async throws {
        let client = try await daemon.connect()
        _ = try await client.submit([Self.transfer()])
        XCTAssertEqual(daemon.stop(), 0, daemon.stderr)
        XCTAssertTrue(daemon.stderr.contains("stopped"), daemon.stderr)
    }

    func testTheAdminPortServesHealthReadinessAndMetrics() async throws {
        let client = try await daemon.connect()
        // Twice: the second request and transfer count in the series the first made.
        _ = try await client.submit([Self.transfer()])
        _ = try await client.submit([Self.transfer()])
        for (path, expected) in [("/healthz", "ok"), ("/readyz", "ready"), ("/metrics", "remit_transfers_total{state=\"accepted\"} 2"),
                                 ("/metrics", "remit_ledger_commit_seconds_bucket"), ("/metrics", "remit_transfers_in_doubt 0"),
                                 ("/metrics", "remit_requests_total{type=\"SubmitTransfers\",code=\"0\"} 2"),
                                 ("/metrics", "remit_connections 1"), ("/metrics", "remit_ledger_checkpoints_total"),
                                 ("/metrics", "remit_ledger_checkpoint_failures_total 0")] {
            let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(daemon.adminPort)\(path)")!)
            XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200, path)
            XCTAssertTrue(String(decoding: data, as: UTF8.self).contains(expected), path)
        }
        // The WAL holds the two commits: its size is not 0.
        let (metrics, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(daemon.adminPort)/metrics")!)
        let wal = String(decoding: metrics, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("remit_ledger_wal_bytes ") }
        XCTAssertGreaterThan(Double(wal?.split(separator: " ").last ?? "") ?? 0, 0, wal.map(String.init) ?? "no remit_ledger_wal_bytes")
        try await client.close()
    }
}

/// remitd refuses a bad configuration before it binds anything, naming the file, line and key.
final class ConfigurationErrorTests: XCTestCase {
    func testABadConfigurationExits78NamingTheKey() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("remitd-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("remitd.toml").path
        try "[server]\ncertificate = \"s.pem\"\nprivate_key = \"s.key\"\noperator_ca = \"ca.pem\"\nidle_timeout_ms = 5\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        guard FileManager.default.isExecutableFile(atPath: Daemon.binary.path) else { throw XCTSkip("remitd not built") }
        let result = try runProgram(Daemon.binary.path, ["--config", file], holdOpen: 0)
        XCTAssertEqual(result.status, 78)
        XCTAssertTrue(result.err.contains("remitd.toml:5: server.idle_timeout_ms: must be between 1000 and 3600000, not 5"),
                      result.err)
    }
}
