@testable import RemitGateway
import RemitDomain
import RemitLedger
import XCTest

final class ConfigurationTests: XCTestCase {
    let demo = DemoEnvironment.configuration(listen: "127.0.0.1:7443", adminListen: "127.0.0.1:7480")

    func testTheDemoConfigurationReadsWithItsDefaults() throws {
        let configuration = try GatewayConfiguration.parse(demo, file: "/etc/remitd/remitd.toml")
        XCTAssertEqual(configuration.server.port, 7443)
        XCTAssertEqual(configuration.server.certificate, "/etc/remitd/server.pem")
        XCTAssertFalse(configuration.server.allowTLS12)
        XCTAssertEqual(configuration.server.idleTimeoutMs, 30_000)
        XCTAssertEqual(configuration.server.maxInFlightRequests, 256)
        XCTAssertEqual(configuration.admin.port, 7480)
        XCTAssertEqual(configuration.ledger.path, "/etc/remitd/ledger.sqlite")
        XCTAssertEqual(configuration.operators.map(\.id), ["ACME", "BETA"])
        XCTAssertEqual(configuration.operatorFor(certificateName: "BETA")?.currency.code, "GBP")
        let kenya = try XCTUnwrap(configuration.corridors.first)
        XCTAssertEqual(kenya.fx, .reference(marginBps: 100, maxAgeMs: 86_400_000))
        XCTAssertEqual(kenya.fee, FeeSchedule(fixed: 199, basisPoints: 50))
        XCTAssertEqual(kenya.maximum, 1_000_000)
        let bounded = try GatewayConfiguration.parse(demo.replacingOccurrences(
            of: "fee_fixed = \"1.99\"", with: "fee_fixed = \"1.99\"\nfee_minimum = \"3.00\"\nfee_maximum = \"25.00\""),
                                                     file: "x.toml").corridors[0].fee
        XCTAssertEqual(bounded.fee(on: 10_000), 300)
        XCTAssertEqual(bounded.fee(on: 1_000_000), 2_500)
    }

    func testErrorsNameTheFileTheKeyAndTheProblem() {
        let cases: [(String, String)] = [
            ("lsten = \"127.0.0.1:7443\"", "remitd.toml:10: server.lsten: unknown key"),
            ("tls_minimum = \"1.1\"", "server.tls_minimum: must be \"1.3\" or \"1.2\""),
            ("idle_timeout_ms = 0", "server.idle_timeout_ms: must be between 1000 and 3600000, not 0"),
            ("heartbeat_interval_ms = 40000", "server.heartbeat_interval_ms: must be shorter than idle_timeout_ms"),
        ]
        for (line, expected) in cases {
            let text = demo.replacingOccurrences(of: "name = \"remitd demo\"", with: "name = \"remitd demo\"\n\(line)")
            XCTAssertThrowsError(try GatewayConfiguration.parse(text, file: "remitd.toml"), line) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
        let replaced: [(String, String, String)] = [
            ("currency = \"GBP\"", "currency = \"GBX\"", "operator[1].currency: \"GBX\" is not an ISO 4217 currency code"),
            ("id = \"BETA\"", "id = \"ACME\"", "operator[1].id: ACME is configured twice"),
            ("margin_bps = 100", "rate = \"-1\"", "corridor[0].rate"),
            ("margin_bps = 100", "rate = 129", "corridor[0].rate: must be a string"),
            ("margin_bps = 100", "rate = \"129.45\"\nmargin_bps = 100", "corridor[0].margin_bps: give either rate"),
            ("margin_bps = 100\n", "", "corridor[0].margin_bps: is required"),
            ("margin_bps = 100", "margin_bps = 6000", "corridor[0].margin_bps: must be between -1 and 5000"),
            ("payout_country = \"KE\"", "payout_country = \"XK\"", "corridor[0].payout_country: \"XK\" is not an ISO 3166-1"),
            ("\"mobileWallet\", \"savingsDeposit\", \"loanRepayment\"", "\"mobileWalet\"", "unknown product \"mobileWalet\""),
            ("maximum = \"10000.00\"", "maximum = \"10000.001\"", "corridor[0].maximum: \"10000.001\" is not an amount in USD"),
            ("listen = \"127.0.0.1:7480\"", "listen = \"0.0.0.0:7480\"", "admin.listen: the admin endpoint listens on loopback only"),
            ("certificate = \"server.pem\"\n", "", "server.certificate: is required"),
            ("[ledger]", "[ledgr]", "ledgr: unknown section or key"),
        ]
        for (old, new, expected) in replaced {
            let text = demo.replacingOccurrences(of: old, with: new)
            XCTAssertNotEqual(text, demo, old)
            XCTAssertThrowsError(try GatewayConfiguration.parse(text, file: "remitd.toml"), new) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }

    func testOperatorLimits() throws {
        let text = demo.replacingOccurrences(of: "id = \"ACME\"\ncurrency = \"USD\"", with: """
            id = "ACME"
            currency = "USD"
            max_transaction = "5000.00"
            max_daily = "250000.00"
            sender_daily_count = 5
            sender_30d_amount = "10000.00"
            beneficiary_daily_count = 10
            """)
        let acme = try XCTUnwrap(try GatewayConfiguration.parse(text, file: "x.toml").operators.first)
        XCTAssertEqual(acme.maxTransaction, 500_000)
        XCTAssertEqual(acme.limits, VolumeLimits(senderDaily: .init(count: 5), senderMonthly: .init(amount: 1_000_000),
                                                 beneficiaryDaily: .init(count: 10), operatorDaily: 25_000_000))
        XCTAssertThrowsError(try GatewayConfiguration.parse(text.replacingOccurrences(of: "sender_daily_count = 5",
                                                                                       with: "sender_daily_count = 0"),
                                                            file: "x.toml")) { error in
            XCTAssertTrue("\(error)".contains("operator[0].sender_daily_count: must be between 1 and 1000000"), "\(error)")
        }
    }

    func testFeeTiersByAmount() throws {
        let tiers = """
            fee_maximum = "40.00"

            [[corridor.fee_tier]]
            from = "0"
            fee_fixed = "2.99"

            [[corridor.fee_tier]]
            from = "500.00"
            fee_fixed = "0.99"
            fee_bps = 80
            """
        let text = demo.replacingOccurrences(of: "fee_fixed = \"1.99\"\nfee_bps = 50", with: tiers)
        let configuration = try GatewayConfiguration.parse(text, file: "x.toml")
        XCTAssertEqual(configuration.corridors[0].fee,
                       FeeSchedule(tiers: [.init(from: 0, fixed: 299), .init(from: 50_000, fixed: 99, basisPoints: 80)],
                                   maximum: 4_000))
        XCTAssertEqual(configuration.corridors[1].fee, FeeSchedule(fixed: 249), "the next corridor has its own fee")
        let cases: [(String, String, String)] = [
            ("from = \"0\"", "from = \"1.00\"", "corridor[0].fee_tier[0].from: the first tier must start from \"0\""),
            ("from = \"500.00\"", "from = \"0\"", "corridor[0].fee_tier[1].from: tiers must be in ascending order"),
            ("fee_bps = 80", "fee_bps = 80\nfee_percent = 1", "corridor[0].fee_tier[1].fee_percent: unknown key"),
            ("fee_maximum = \"40.00\"", "fee_fixed = \"1.00\"", "corridor[0].fee_fixed: give the fee in [[corridor.fee_tier]]"),
            ("from = \"500.00\"", "from = \"500.001\"", "corridor[0].fee_tier[1].from: \"500.001\" is not an amount in USD"),
        ]
        for (old, new, expected) in cases {
            let bad = text.replacingOccurrences(of: old, with: new)
            XCTAssertNotEqual(bad, text, old)
            XCTAssertThrowsError(try GatewayConfiguration.parse(bad, file: "x.toml"), new) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
        XCTAssertThrowsError(try GatewayConfiguration.parse("[[corridor.fee_tier]]\nfrom = \"0\"\n", file: "x.toml")) { error in
            XCTAssertTrue("\(error)".contains("must follow a [[corridor]] section"), "\(error)")
        }
    }

    func testHTTPPartnersAndCallbacks() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "a-partner-secret-of-at-least-32-bytes\n".write(to: folder.appendingPathComponent("cb.secret"), atomically: true,
                                                           encoding: .utf8)
        try "short".write(to: folder.appendingPathComponent("short.secret"), atomically: true, encoding: .utf8)
        try "pw\n".write(to: folder.appendingPathComponent("pw"), atomically: true, encoding: .utf8)
        let wallet = """
            id = "MPESA-KE"
            adapter = "mobile-wallet"
            base_url = "https://mm.example/v1.2"
            debit_account = "REMIT-01"
            callback_secret_file = "cb.secret"
            """
        let mfi = """
            id = "KMFI"
            adapter = "mfi-core-banking"
            base_url = "https://mfi.example/fineract-provider/api/v1"
            username = "remit"
            password_file = "pw"
            """
        let base = demo.replacingOccurrences(of: "id = \"MPESA-KE\"\nadapter = \"simulated\"", with: wallet)
            .replacingOccurrences(of: "id = \"KMFI\"\nadapter = \"simulated\"", with: mfi)
            .replacingOccurrences(of: "priority = 1\nlatency_ms = 150\n\n[[partner]]\nid = \"KMFI\"",
                                  with: "priority = 1\n\n[[partner]]\nid = \"KMFI\"")
            .replacingOccurrences(of: "priority = 1\nlatency_ms = 300\n", with: "priority = 1\n")
            + "\n[callbacks]\nlisten = \"0.0.0.0:7490\"\npublic_url = \"https://gw.example/callbacks\"\n"
        let file = folder.appendingPathComponent("remitd.toml").path
        let configuration = try GatewayConfiguration.parse(base, file: file)
        let mpesa = try XCTUnwrap(configuration.partners.first { $0.id == "MPESA-KE" })
        XCTAssertEqual(mpesa.adapter, "mobile-wallet")
        XCTAssertEqual(mpesa.http?.debitAccount, "REMIT-01")
        XCTAssertEqual(mpesa.callbackSecret, Array("a-partner-secret-of-at-least-32-bytes".utf8), "without its newline")
        XCTAssertEqual(configuration.partners.first { $0.id == "KMFI" }?.http?.password, "pw")
        XCTAssertEqual(configuration.callbacks?.port, 7490)
        XCTAssertEqual(configuration.callbacks?.publicURL, "https://gw.example/callbacks")
        XCTAssertEqual(configuration.callbacks?.windowSeconds, 300)
        let cases: [(String, String, String)] = [
            ("adapter = \"mobile-wallet\"", "adapter = \"swift\"", "unknown adapter \"swift\""),
            ("base_url = \"https://mm.example/v1.2\"", "base_url = \"ftp://mm.example\"", "partner[0].base_url: \"ftp://mm.example\" is not"),
            ("debit_account = \"REMIT-01\"\n", "", "partner[0].debit_account: is required"),
            ("callback_secret_file = \"cb.secret\"", "callback_secret_file = \"short.secret\"", "at least 32 bytes"),
            ("callback_secret_file = \"cb.secret\"", "callback_secret_file = \"none.secret\"", "none.secret cannot be read"),
            ("password_file = \"pw\"\n", "", "partner[1].password_file: is required"),
            ("debit_account = \"REMIT-01\"", "debit_account = \"REMIT-01\"\nlatency_ms = 5", "partner[0].latency_ms: unknown key"),
            ("public_url = \"https://gw.example/callbacks\"", "public_url = \"gw.example\"", "callbacks.public_url"),
            ("listen = \"0.0.0.0:7490\"", "listen = \"0.0.0.0:7490\"\nwindow_seconds = 5", "callbacks.window_seconds: must be between 10"),
            ("adapter = \"mobile-wallet\"\nbase_url = \"https://mm.example/v1.2\"\ndebit_account = \"REMIT-01\"",
             "adapter = \"iso20022-files\"\ninbox_folder = \"in\"\ndebtor_name = \"R\"\ndebtor_account = \"1\"",
             "partner[0].outbox_folder: is required"),
            ("adapter = \"mobile-wallet\"\nbase_url = \"https://mm.example/v1.2\"\ndebit_account = \"REMIT-01\"",
             "adapter = \"iso20022-files\"\noutbox_folder = \"o\"\ninbox_folder = \"in\"\ndebtor_name = \"R\"\ndebtor_account = \"1\"\ndebtor_bic = \"bad\"",
             "partner[0].debtor_bic: \"bad\" is not a BIC"),
        ]
        for (old, new, expected) in cases {
            let bad = base.replacingOccurrences(of: old, with: new)
            XCTAssertNotEqual(bad, base, old)
            XCTAssertThrowsError(try GatewayConfiguration.parse(bad, file: file), new) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error) should say \(expected)")
            }
        }
    }

    /// A partner's statements: camt by default, or its CSV export through a column mapping.
    func testStatementMappings() throws {
        let marker = "id = \"MPESA-KE\"\n"
        func parse(_ lines: String) throws -> GatewayConfiguration {
            try GatewayConfiguration.parse(demo.replacingOccurrences(of: marker, with: marker + lines + "\n"), file: "remitd.toml")
        }
        XCTAssertEqual(try parse("").partners[0].statement, .camt)
        let csv = try parse("""
            statement_format = "csv"
            statement_delimiter = ";"
            statement_amount = "Amount"
            statement_currency_code = "KES"
            statement_end_to_end_id = "Originator Conversation ID"
            statement_date = "Completion Time"
            statement_date_format = "DD/MM/YYYY"
            statement_direction = "Type"
            statement_debit_values = ["Payout", "b2c"]
            statement_credit_values = ["Top-up"]
            """).partners[0].statement
        guard case .csv(let mapping) = csv else { return XCTFail("\(csv)") }
        XCTAssertEqual(mapping.delimiter, UInt8(ascii: ";"))
        XCTAssertEqual(mapping.amount, "Amount")
        XCTAssertEqual(mapping.currency, .fixed("KES"))
        XCTAssertEqual(mapping.endToEndId, "Originator Conversation ID")
        XCTAssertEqual(mapping.dateFormat, .dayMonthYear)
        XCTAssertEqual(mapping.debitValues, ["PAYOUT", "B2C"])
        XCTAssertEqual(mapping.creditValues, ["TOP-UP"])
        XCTAssertEqual(mapping.reversalValues, ["REVERSED", "REVERSAL", "RETURNED", "RETURN"], "the default")
        let refused: [(String, String)] = [
            ("statement_format = \"pdf\"", "partner[0].statement_format: must be \"camt\" or \"csv\""),
            ("statement_amount = \"Amount\"", "partner[0].statement_amount: is for statement_format = \"csv\""),
            ("statement_format = \"csv\"", "partner[0].statement_amount: is required"),
            ("statement_format = \"csv\"\nstatement_amount = \"A\"", "the mapping needs statement_end_to_end_id"),
            ("statement_format = \"csv\"\nstatement_amount = \"A\"\nstatement_reference = \"R\"\nstatement_delimiter = \":\"",
             "partner[0].statement_delimiter: must be one of"),
            ("statement_format = \"csv\"\nstatement_amount = \"A\"\nstatement_reference = \"R\"\nstatement_currency = \"C\"\nstatement_currency_code = \"KES\"",
             "statement_currency_code: give statement_currency (a column) or statement_currency_code, not both"),
            ("statement_format = \"csv\"\nstatement_amount = \"A\"\nstatement_reference = \"R\"\nstatement_date_format = \"YY-MM-DD\"",
             "statement_date_format: must be one of YYYY-MM-DD, DD/MM/YYYY"),
            ("statement_format = \"csv\"\nstatement_amount = \"A\"\nstatement_reference = \"R\"\nstatement_credit_values = [\"D\"]",
             "statement_credit_values: a value cannot mean both"),
            ("statement_format = \"csv\"\nstatement_amount = \"\"", "statement_amount: must be a column name of 1 to 128 bytes"),
        ]
        for (lines, expected) in refused {
            XCTAssertThrowsError(try parse(lines), lines) { error in XCTAssertTrue("\(error)".contains(expected), "\(error)") }
        }
    }

    /// The config fuzz target's seeds read whole, so that the fuzzer starts from files that reach
    /// every section; read by remitd, the core-banking one stops at its missing password file.
    func testCredentialsComeFromSystemdsFolder() throws {
        let text = demo.replacingOccurrences(of: "private_key = \"server.key\"", with: "private_key = \"credential:server.key\"")
        XCTAssertNotEqual(text, demo)
        let environment = ["CREDENTIALS_DIRECTORY": "/run/credentials/remitd.service"]
        let configuration = try GatewayConfiguration.parse(text, file: "/etc/remitd/remitd.toml", environment: environment)
        XCTAssertEqual(configuration.server.privateKey, "/run/credentials/remitd.service/server.key")
        XCTAssertEqual(configuration.server.certificate, "/etc/remitd/server.pem")
        // Outside systemd the daemon says what is missing; a tool that reads no secrets goes on.
        XCTAssertThrowsError(try GatewayConfiguration.parse(text, file: "/etc/remitd/remitd.toml", environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("\"credential:server.key\" needs $CREDENTIALS_DIRECTORY"), "\(error)")
        }
        XCTAssertEqual(try GatewayConfiguration.parse(text, file: "/etc/remitd/remitd.toml", secrets: .skip, environment: [:])
            .server.privateKey, "credential:server.key")
        for bad in ["credential:", "credential:../server.key", "credential:keys/server.key", "credential:.."] {
            let refused = demo.replacingOccurrences(of: "private_key = \"server.key\"", with: "private_key = \"\(bad)\"")
            XCTAssertThrowsError(try GatewayConfiguration.parse(refused, file: "remitd.toml", environment: environment), bad) { error in
                XCTAssertTrue("\(error)".contains("a credential is named by a file name"), "\(error)")
            }
        }
        // A partner's secret file read from the credentials folder.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("credentials-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "key-from-systemd\n".write(to: folder.appendingPathComponent("mpesa-api-key"), atomically: true, encoding: .utf8)
        let example = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../deploy/remitd.toml"), encoding: .utf8)
        let installed = try GatewayConfiguration.parse(example, file: "/etc/remitd/remitd.toml",
                                                       environment: ["CREDENTIALS_DIRECTORY": folder.path])
        XCTAssertEqual(installed.partners.first?.http?.apiKey, "key-from-systemd")
        XCTAssertEqual(installed.server.privateKey, folder.appendingPathComponent("server.key").path)
        XCTAssertEqual(installed.ledger.path, "/var/lib/remitd/ledger.sqlite")
        XCTAssertEqual(installed.admin.socket, "/var/lib/remitd/admin.sock")
    }

    func testTheFuzzSeedsRead() throws {
        let seeds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz/seeds/config")
        let full = try String(contentsOf: seeds.appendingPathComponent("full.toml"), encoding: .utf8)
        let configuration = try GatewayConfiguration.parse(full, file: "/nonexistent-remit-fuzz/remitd.toml")
        XCTAssertEqual(configuration.partners.map(\.adapter), ["simulated", "mobile-wallet", "iso20022-files"])
        XCTAssertNotNil(configuration.callbacks)
        let coreBanking = try String(contentsOf: seeds.appendingPathComponent("core-banking.toml"), encoding: .utf8)
        XCTAssertThrowsError(try GatewayConfiguration.parse(coreBanking, file: "/nonexistent-remit-fuzz/remitd.toml")) { error in
            XCTAssertTrue("\(error)".contains("password_file"), "\(error)")
        }
        // As the fuzzer and remitctl read it: the secret files are left alone.
        let skipped = try GatewayConfiguration.parse(coreBanking, file: "/nonexistent-remit-fuzz/remitd.toml", secrets: .skip)
        XCTAssertEqual(skipped.partners.first?.adapter, "mfi-core-banking")
        XCTAssertNil(skipped.partners.first?.http?.password)
    }

    func testASyntaxErrorNamesTheLine() {
        XCTAssertThrowsError(try GatewayConfiguration.parse("[server]\nlisten = 127.0.0.1\n", file: "x.toml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("x.toml:2: "), "\(error)")
        }
    }
}
