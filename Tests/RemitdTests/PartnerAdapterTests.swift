import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PartnerServers
import RemitClient
import RemitProtocol
import XCTest

/// Payouts through the real daemon to partners' real APIs: a mobile-money provider speaking the
/// GSMA Mobile Money API and an MFI's Fineract-shaped core banking on loopback, with signed
/// callbacks into the daemon's callback endpoint, and a bank taking ISO 20022 files.
final class PartnerAdapterTests: XCTestCase {
    var daemon: Daemon!
    var wallet: MobileMoneyServer!
    var mfi: CoreBankingServer!
    let walletSecret = Array("mpesa-callback-secret-0123456789abcdef".utf8)
    let mfiSecret = Array("kmfi-callback-secret-0123456789abcdef".utf8)

    override func setUp() async throws {
        wallet = try await MobileMoneyServer.start(secret: walletSecret)
        mfi = try await CoreBankingServer.start()
        mfi.openSavings("SAV-001")
        mfi.openSavings("SAV-CLOSED", active: false)
        mfi.openLoan("LOAN-77", outstanding: 100_000)
    }

    override func tearDown() async throws {
        daemon?.remove()
        await wallet?.stop()
        await mfi?.stop()
    }

    /// The demo with MPESA-KE on the GSMA server, a simulated AIRTEL-KE behind it, and KMFI on
    /// the core banking server; callbacks on a free port.
    func startDaemon(walletTimeoutMs: Int = 5_000, walletBaseURL: String? = nil, callbackSettings: String = "") throws {
        daemon = try Daemon()
        try String(decoding: walletSecret, as: UTF8.self).write(toFile: daemon.path("mpesa-callback.secret"), atomically: true,
                                                                encoding: .utf8)
        try String(decoding: mfiSecret, as: UTF8.self).write(toFile: daemon.path("kmfi-callback.secret"), atomically: true,
                                                             encoding: .utf8)
        try (mfi.password + "\n").write(toFile: daemon.path("kmfi.password"), atomically: true, encoding: .utf8)
        let callbackPort = try freePort()
        try daemon.editConfiguration { text in
            text.replacingOccurrences(of: """
                id = "MPESA-KE"
                adapter = "simulated"
                countries = ["KE"]
                currencies = ["KES"]
                products = ["mobileWallet"]
                priority = 1
                latency_ms = 150
                """, with: """
                id = "MPESA-KE"
                adapter = "mobile-wallet"
                base_url = "\(walletBaseURL ?? wallet.baseURL)"
                debit_account = "REMIT-GW-01"
                callback_secret_file = "mpesa-callback.secret"
                timeout_ms = \(walletTimeoutMs)
                countries = ["KE"]
                currencies = ["KES"]
                products = ["mobileWallet"]
                priority = 1

                [[partner]]
                id = "AIRTEL-KE"
                adapter = "simulated"
                countries = ["KE"]
                currencies = ["KES"]
                products = ["mobileWallet"]
                priority = 2
                latency_ms = 10
                """).replacingOccurrences(of: """
                id = "KMFI"
                adapter = "simulated"
                """, with: """
                id = "KMFI"
                adapter = "mfi-core-banking"
                base_url = "\(mfi.baseURL)"
                username = "\(mfi.username)"
                password_file = "kmfi.password"
                callback_secret_file = "kmfi-callback.secret"
                """).replacingOccurrences(of: "priority = 1\nlatency_ms = 300\n", with: "priority = 1\n")
                + "\n[callbacks]\nlisten = \"127.0.0.1:\(callbackPort)\"\n\(callbackSettings)\n[payouts]\nfirst_inquiry_ms = 100\npoll_interval_ms = 50\n"
        }
        daemon = try daemon.restart()
        XCTAssertEqual(daemon.callbackPort, callbackPort)
    }

    func key(_ id: ID128, _ leg: Int) -> String { "ACME-\(id)-\(leg)" }

    func testA702010SplitAcrossAWalletASavingsAccountAndALoanRepayment() async throws {
        try startDaemon()
        let client = try await daemon.connect()
        let id = ID128.random()
        let legs = [Leg(product: .mobileWallet, share: 7_000, account: "254712345678"),
                    Leg(product: .savingsDeposit, share: 2_000, institution: "KMFI", account: "SAV-001"),
                    Leg(product: .loanRepayment, share: 1_000, institution: "KMFI", account: "LOAN-77")]
        let result = try await client.submit([GatewayTests.transfer(id, amount: 50_000, legs: legs)])[0]
        XCTAssertEqual(result.errorCode, .none)
        let status = try await final(id, client)
        XCTAssertEqual(status.state, .paid, "\(status)")
        XCTAssertEqual(status.legs.map(\.state), [.paid, .paid, .paid])
        XCTAssertEqual(status.legs.map(\.institution), ["MPESA-KE", "KMFI", "KMFI"])
        XCTAssertTrue(status.legs[0].partnerReference.hasPrefix("MM"), status.legs[0].partnerReference)
        XCTAssertTrue(status.legs[1].partnerReference.hasPrefix("SAV-"), status.legs[1].partnerReference)
        XCTAssertTrue(status.legs[2].partnerReference.hasPrefix("LOAN-"), status.legs[2].partnerReference)
        // Each partner applied each leg once, for exactly the leg's amount.
        XCTAssertEqual(wallet.paidCounts, [key(id, 0): 1])
        XCTAssertEqual(mfi.appliedCounts, [key(id, 1): 1, key(id, 2): 1])
        let amounts = status.legs.map { Decimal($0.payoutAmount) / 100 }
        XCTAssertEqual(wallet.transactions.first.flatMap { Decimal(string: $0.amount) }, amounts[0])
        // The parties' names travel with the payout (FATF Recommendation 16).
        XCTAssertEqual(wallet.transactions.first?.senderName, "Maria Lopez")
        XCTAssertEqual(wallet.transactions.first?.recipientName, "Grace Wanjiru")
        XCTAssertEqual(mfi.balance("SAV-001"), amounts[1])
        XCTAssertEqual(mfi.outstanding("LOAN-77"), 100_000 - amounts[2])
        try await client.close()
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
    }

    /// The provider pays, then never answers: the leg is in doubt; its callback (sent twice)
    /// settles it, once; inquiries in between find it pending.
    func testATimeoutThenAPaidCallbackPaysOnce() async throws {
        wallet.answerByCallback(delayMs: 600, duplicate: true)
        wallet.inject(.payThenStall)
        try startDaemon(walletTimeoutMs: 200)
        let client = try await daemon.connect()
        let id = ID128.random()
        _ = try await client.submit([GatewayTests.transfer(id)])
        let status = try await final(id, client)
        XCTAssertEqual(status.state, .paid, "\(status)")
        XCTAssertEqual(status.legs[0].institution, "MPESA-KE")
        XCTAssertTrue(daemon.stderr.contains("payout in doubt"), daemon.stderr)
        XCTAssertEqual(wallet.paidCounts, [key(id, 0): 1])
        // Both callbacks were accepted (the second as a duplicate), or the first met the leg mid-inquiry.
        for _ in 0..<100 where wallet.callbackAnswers.count < 2 { try await Task.sleep(for: .milliseconds(50)) }
        XCTAssertEqual(wallet.callbackAnswers.count, 2)
        XCTAssertTrue(wallet.callbackAnswers.allSatisfy { $0 == 200 || $0 == 503 }, "\(wallet.callbackAnswers)")
        let metrics = try await metricsText()
        XCTAssertTrue(metrics.contains("remit_callbacks_total{partner=\"MPESA-KE\""), metrics)
        try await client.close()
    }

    /// The daemon dies after the provider paid and before the answer reached the ledger; after
    /// the restart the leg is sent again under the same correlation id, the provider answers from
    /// its record, and the leg is paid: once.
    func testACrashBetweenThePartnerCallAndTheLedgerCommitPaysOnce() async throws {
        wallet.inject(.payThenAnswerLate(5_000))
        try startDaemon(walletTimeoutMs: 10_000)
        let id = ID128.random()
        do {
            let client = try await daemon.connect()
            let result = try await client.submit([GatewayTests.transfer(id)])[0]
            XCTAssertEqual(result.errorCode, .none)
            try? await client.close()
        }
        for _ in 0..<200 where wallet.paidCounts[key(id, 0)] == nil { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertEqual(wallet.paidCounts[key(id, 0)], 1, "the provider paid")
        daemon.crash()
        daemon = try daemon.restart()
        let client = try await daemon.connect()
        let status = try await final(id, client)
        XCTAssertEqual(status.state, .paid, "\(status)")
        XCTAssertEqual(wallet.paidCounts, [key(id, 0): 1])
        XCTAssertEqual(wallet.calls.filter { $0 == "POST /transactions/type/inttransfer" }.count, 2, "sent again after the crash")
        try await client.close()
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
    }

    /// The provider is down (connections refused): busy, its circuit opens, and every leg goes to
    /// the next wallet partner; nothing is paid twice.
    func testAPartnerDownOpensItsCircuitAndTheNextPartnerPays() async throws {
        let port = wallet.port
        await wallet.stop()
        try startDaemon(walletBaseURL: "http://127.0.0.1:\(port)")
        let client = try await daemon.connect()
        let ids = (0..<6).map { _ in ID128.random() }
        let results = try await client.submit(ids.map { GatewayTests.transfer($0) })
        XCTAssertTrue(results.allSatisfy { $0.errorCode == .none })
        for id in ids {
            let status = try await final(id, client, seconds: 60)
            XCTAssertEqual(status.state, .paid, "\(status)")
            XCTAssertEqual(status.legs[0].institution, "AIRTEL-KE")
        }
        XCTAssertTrue(daemon.stderr.contains("partner circuit opened"), daemon.stderr)
        try await client.close()
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
        wallet = nil
    }

    func testAnMFIRefusalRefundsItsLegAndTheWalletLegIsPaid() async throws {
        try startDaemon()
        let client = try await daemon.connect()
        let id = ID128.random()
        let legs = [Leg(product: .mobileWallet, share: 8_000, account: "254712345678"),
                    Leg(product: .savingsDeposit, share: 2_000, institution: "KMFI", account: "SAV-CLOSED")]
        _ = try await client.submit([GatewayTests.transfer(id, legs: legs)])
        let status = try await final(id, client)
        XCTAssertEqual(status.state, .partiallyPaid, "\(status)")
        XCTAssertEqual(status.legs.map(\.state), [.paid, .refunded])
        XCTAssertEqual(status.legs[1].errorCode, .partnerRejected)
        XCTAssertTrue(mfi.appliedCounts.isEmpty)
        try await client.close()
    }

    /// The sender chose REDIRECT_TO_FIRST_LEG: the savings account is closed, so that leg's money
    /// goes to the wallet too, as a payout of its own, and the remittance is paid in full.
    func testARefusedLegIsRedirectedToTheFirstLegsWallet() async throws {
        try startDaemon()
        let client = try await daemon.connect()
        let id = ID128.random()
        let legs = [Leg(product: .mobileWallet, share: 7_000, account: "254712345678"),
                    Leg(product: .savingsDeposit, share: 3_000, institution: "KMFI", account: "SAV-CLOSED")]
        _ = try await client.submit([GatewayTests.transfer(id, legs: legs, policy: .redirectToFirstLeg)])
        let status = try await final(id, client)
        XCTAssertEqual(status.state, .paid, "\(status)")
        XCTAssertEqual(status.legs.map(\.state), [.paid, .redirected])
        XCTAssertEqual(status.legs[1].institution, "MPESA-KE")
        XCTAssertTrue(status.legs[1].partnerReference.hasPrefix("MM"), status.legs[1].partnerReference)
        XCTAssertEqual(wallet.paidCounts, [key(id, 0): 1, key(id, 1) + "r": 1])
        let redirected = try XCTUnwrap(wallet.transactions.first { $0.key == key(id, 1) + "r" })
        XCTAssertEqual(redirected.msisdn, "+254712345678")
        XCTAssertEqual(Decimal(string: redirected.amount), Decimal(status.legs[1].payoutAmount) / 100)
        XCTAssertTrue(mfi.appliedCounts.isEmpty)
        try await client.close()
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
    }

    /// A bank that takes ISO 20022 files: the leg goes out in a pain.001 batch file, and the
    /// bank's pain.002 report, dropped in the inbox, pays it.
    func testABankPaysFromAPain001FileAndReportsInAPain002() async throws {
        daemon = try Daemon()
        let outbox = daemon.path("bank/outbox"), inbox = daemon.path("bank/inbox")
        try daemon.editConfiguration { text in
            text.replacingOccurrences(of: "\"educationFund\", \"projectContribution\"]",
                                      with: "\"educationFund\", \"projectContribution\", \"accountCredit\"]")
                + """

                [[partner]]
                id = "BANK-KE"
                adapter = "iso20022-files"
                outbox_folder = "bank/outbox"
                inbox_folder = "bank/inbox"
                debtor_name = "Remit Gateway Ltd"
                debtor_account = "KE00REMIT0000001"
                debtor_bic = "BANKKENAXXX"
                batch_window_ms = 100
                countries = ["KE"]
                currencies = ["KES"]
                products = ["accountCredit"]

                [payouts]
                first_inquiry_ms = 100
                max_inquiry_delay_ms = 200
                poll_interval_ms = 50

                """
        }
        daemon = try daemon.restart()
        let client = try await daemon.connect()
        let id = ID128.random()
        _ = try await client.submit([GatewayTests.transfer(id, legs: [Leg(product: .accountCredit, share: 10_000,
                                                                          institution: "BANK-KE", account: "0012345678")])])
        var files: [String] = []
        for _ in 0..<200 {
            files = ((try? FileManager.default.contentsOfDirectory(atPath: outbox)) ?? []).filter { $0.hasPrefix("pain.001.") }
            if !files.isEmpty { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        XCTAssertEqual(files.count, 1)
        let xml = try String(contentsOfFile: "\(outbox)/\(files[0])", encoding: .utf8)
        let hex = id.description.replacingOccurrences(of: "-", with: "")
        XCTAssertTrue(xml.contains("<EndToEndId>\(hex)-0</EndToEndId>"), xml)
        let messageId = String(xml[xml.range(of: "<MsgId>")!.upperBound..<xml.range(of: "</MsgId>")!.lowerBound])
        let pending = try await client.transfer(id)
        XCTAssertEqual(pending.state, .dispatched, "pending until the bank reports")
        try """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
            <GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2026-11-23T17:00:00Z</CreDtTm></GrpHdr>
            <OrgnlGrpInfAndSts><OrgnlMsgId>\(messageId)</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId></OrgnlGrpInfAndSts>
            <OrgnlPmtInfAndSts><OrgnlPmtInfId>\(messageId)-1</OrgnlPmtInfId>
            <TxInfAndSts><OrgnlEndToEndId>\(hex)-0</OrgnlEndToEndId><TxSts>ACSC</TxSts><AcctSvcrRef>KCB-889100</AcctSvcrRef></TxInfAndSts>
            </OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>
            """.write(toFile: "\(inbox)/report-1.xml", atomically: true, encoding: .utf8)
        let status = try await final(id, client)
        XCTAssertEqual(status.state, .paid, "\(status)")
        XCTAssertEqual(status.legs[0].partnerReference, "KCB-889100")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(inbox)/processed/report-1.xml"))
        try await client.close()
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
    }

    /// The simulator answers "pending" and calls back, twice: the transfer is paid by the first
    /// callback long before any inquiry, and the second is a duplicate that changes nothing.
    func testTheSimulatorsDuplicateCallbacksPayOnce() async throws {
        daemon = try Daemon()
        try String(decoding: walletSecret, as: UTF8.self).write(toFile: daemon.path("sim.secret"), atomically: true,
                                                                encoding: .utf8)
        let callbackPort = try freePort()
        try daemon.setWalletPartner(
            "latency_ms = 50\npending_bps = 10000\nduplicate_callback_bps = 10000\ncallback_secret_file = \"sim.secret\"",
            sections: "\n[callbacks]\nlisten = \"127.0.0.1:\(callbackPort)\"\n\n[payouts]\nfirst_inquiry_ms = 60000\n")
        daemon = try daemon.restart()
        let client = try await daemon.connect()
        let id = ID128.random()
        _ = try await client.submit([GatewayTests.transfer(id)])
        let status = try await final(id, client, seconds: 20)
        XCTAssertEqual(status.state, .paid, "\(status)")
        var metrics = ""
        for _ in 0..<100 {
            metrics = try await metricsText()
            if metrics.contains("result=\"duplicate\"") || metrics.contains("result=\"retry\"") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertTrue(metrics.contains("remit_callbacks_total{partner=\"MPESA-KE\",result=\"applied\"} 1"), metrics)
        try await client.close()
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
    }

    func testPartnersAreAskedForTheirHealth() async throws {
        try startDaemon()
        let healthy = try daemon.remitctl(["partners", "health"])
        XCTAssertEqual(healthy.status, 0, healthy.err)
        XCTAssertTrue(healthy.out.contains("MPESA-KE   mobile-wallet     up"), healthy.out)
        XCTAssertTrue(healthy.out.contains("KMFI       mfi-core-banking  up"), healthy.out)
        await wallet.stop()
        let down = try daemon.remitctl(["partners", "health", "--json"])
        XCTAssertEqual(down.status, 1, down.out)
        let object = try JSONSerialization.jsonObject(with: Data(down.out.utf8)) as! [String: Any]
        let partners = object["partners"] as! [[String: Any]]
        XCTAssertEqual(partners.first { $0["id"] as? String == "MPESA-KE" }?["health"] as? String, "down")
        XCTAssertEqual(partners.first { $0["id"] as? String == "KMFI" }?["health"] as? String, "up")
        wallet = nil
    }

    /// What the callback endpoint refuses, and that a refusal changes nothing.
    func testCallbacksAreSignedInTimeForTheirOwnPayoutsAndIdempotent() async throws {
        try startDaemon()
        let client = try await daemon.connect()
        let id = ID128.random()
        _ = try await client.submit([GatewayTests.transfer(id)])
        let paid = try await final(id, client)
        XCTAssertEqual(paid.state, .paid)
        let base = "http://127.0.0.1:\(daemon.callbackPort)/callbacks"
        let signer = CallbackSigner(secret: walletSecret)
        let completed = Array("""
            {"transactionStatus":"completed","transactionReference":"\(paid.legs[0].partnerReference)"}
            """.utf8)
        let failed = Array(#"{"errorCategory":"businessRule","errorCode":"accountNotFound"}"#.utf8)
        let url = "\(base)/MPESA-KE/\(key(id, 0))"
        let now = Int64(Date().timeIntervalSince1970)
        let cases: [(String, Int?, String)] = [
            ("a duplicate", await signer.send(to: url, body: completed), "200"),
            ("no valid signature", await signer.send(to: url, body: completed, signature: "sha256=" + String(repeating: "0", count: 64)), "401"),
            ("a malformed signature", await signer.send(to: url, body: completed, signature: "md5=abc"), "401"),
            ("an old timestamp", await signer.send(to: url, body: completed, timestamp: now - 3_600), "401"),
            ("a future timestamp", await signer.send(to: url, body: completed, timestamp: now + 3_600), "401"),
            ("another partner's secret", await CallbackSigner(secret: mfiSecret).send(to: url, body: completed), "401"),
            ("an unknown partner", await signer.send(to: "\(base)/NOPE/\(key(id, 0))", body: completed), "404"),
            ("an unknown payout", await signer.send(to: "\(base)/MPESA-KE/\(key(.random(), 0))", body: completed), "404"),
            ("not a key", await signer.send(to: "\(base)/MPESA-KE/nonsense", body: completed), "404"),
            ("a body it does not send", await signer.send(to: url, body: Array("{}".utf8)), "400"),
            ("the leg sent to another partner", await CallbackSigner(secret: mfiSecret).send(
                to: "\(base)/KMFI/\(key(id, 0))", body: Array(#"{"status":"paid","reference":"X"}"#.utf8)), "403"),
            ("refused after paid", await signer.send(to: url, body: failed), "409"),
            ("pending after paid", await signer.send(to: url, body: Array(#"{"transactionStatus":"pending"}"#.utf8)), "202"),
            ("too large", await signer.send(to: url, body: Array(repeating: UInt8(ascii: " "), count: 70_000) + completed), "413"),
        ]
        for (what, status, expected) in cases {
            XCTAssertEqual(status.map(String.init), expected, what)
        }
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "GET"
        let (_, response) = try await URLSession.shared.data(for: request)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 405)
        // Nothing moved: the transfer is paid once, as it was.
        let after = try await client.transfer(id)
        XCTAssertEqual(after.state, .paid)
        XCTAssertEqual(after.legs[0].partnerReference, paid.legs[0].partnerReference)
        XCTAssertTrue(daemon.stderr.contains("partner reports a paid leg refused"), daemon.stderr)
        try await client.close()
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
    }

    /// A client that never finishes its request is cut off; connections beyond the limit are
    /// closed as they arrive; the endpoint serves again once they are gone.
    func testTheCallbackEndpointsTimeAndConnectionLimits() async throws {
        try startDaemon(callbackSettings: "request_timeout_ms = 2000\nmax_connections = 2\n")
        let port = daemon.callbackPort
        // Three connections, each sending half a request. The server takes them in whatever
        // order its event loops hand them over: one of them is over the limit.
        let connections = try (0..<3).map { _ in try RawConnection(port: port) }
        for connection in connections { try connection.send("PUT /callbacks/MPESA-KE/x HTTP/1.1\r\nHost: gateway\r\n") }
        // Well within the 2 s request timeout, exactly one is closed, unanswered: the limit did it.
        let early = connections.map { $0.readUntilClosed(seconds: 0.4) }
        XCTAssertEqual(early.filter { $0 == "" }.count, 1, "\(early)")
        XCTAssertEqual(early.filter { $0 == "(open)" }.count, 2, "\(early)")
        // The other two are cut off when their time is up, unanswered.
        for (connection, first) in zip(connections, early) where first == "(open)" {
            XCTAssertEqual(connection.readUntilClosed(seconds: 6), "", "cut off, unanswered")
        }
        // The server counts a connection gone once its close has run on its event loop, a moment
        // after the client sees it closed: a new one may still be over the limit for that moment.
        var answer = ""
        for _ in 0..<20 where !answer.hasPrefix("HTTP/1.1 401") {
            let fresh = try RawConnection(port: port)
            try fresh.send("PUT /callbacks/MPESA-KE/x HTTP/1.1\r\nHost: gateway\r\nContent-Length: 0\r\n\r\n")
            answer = fresh.readUntilClosed(seconds: 3)
            if !answer.hasPrefix("HTTP/1.1 401") { try await Task.sleep(for: .milliseconds(100)) }
        }
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 401"), answer)
    }

    func metricsText() async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(daemon.adminPort)/metrics")!)
        return String(decoding: data, as: UTF8.self)
    }
}

/// A port nothing listens on now (bound, read, released).
func freePort() throws -> Int {
    let (fd, port) = try boundLoopbackSocket()
    close(fd)
    return port
}

/// A TCP socket bound to a free loopback port, and the port; the caller closes it.
func boundLoopbackSocket() throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw DaemonError("socket failed") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else {
        close(fd)
        throw DaemonError("bind failed")
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// A plain TCP connection, for clients that misbehave.
final class RawConnection {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, connected == 0 else { throw DaemonError("cannot connect to port \(port)") }
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(fd, bytes, bytes.count, 0) == bytes.count else { throw DaemonError("send failed") }
    }

    /// What arrives until the peer closes, or "(open)" if it is still open after `seconds`.
    func readUntilClosed(seconds: Double) -> String {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4_096)
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return String(decoding: received, as: UTF8.self) }
            received += buffer.prefix(count)
        }
        return "(open)"
    }
}
