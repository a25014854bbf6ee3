import Foundation
import RemitDomain
import RemitFormats

/// Everything remitd needs to run, read from one TOML file (docs/configuration.md lists every
/// key). Relative paths are taken from the configuration file's folder.
///
/// ```swift
/// let configuration = try GatewayConfiguration.load(path: "/etc/remitd/remitd.toml")
/// configuration.server.port   // 7443
/// ```
public struct GatewayConfiguration: Sendable {
    public struct Server: Sendable {
        public var host: String
        public var port: Int
        public var certificate: String
        public var privateKey: String
        public var operatorCA: String
        /// A revocation list of the operator CA (PEM or DER), or nil.
        public var crl: String?
        public var allowTLS12: Bool
        public var name: String
        public var handshakeTimeoutMs: Int64
        public var helloTimeoutMs: Int64
        public var idleTimeoutMs: Int64
        public var heartbeatIntervalMs: Int64
        public var maxInFlightRequests: Int
        public var maxConnections: Int
        public var maxConnectionsPerOperator: Int
        public var requestsPerSecondPerOperator: Int
        public var eventWindow: Int
        /// Standing instructions with legs an operator may keep (`5012` beyond).
        public var maxStandingInstructionsPerOperator: Int
        public var shutdownGraceMs: Int64
        /// Bytes queued for a client that does not read before its connection is closed.
        public var maxOutboundBytes: Int
    }

    public struct Admin: Sendable {
        public var host: String
        /// 0 turns the HTTP endpoint off.
        public var port: Int
        public var socket: String
    }

    public struct Ledger: Sendable {
        public var path: String
        /// How long an accepted transfer's hold lasts before it lapses, if nothing settles it.
        public var holdExpiryMs: Int64
    }

    public struct Operator: Sendable, Hashable {
        public var id: String
        /// The subject common name of the operator's client certificates.
        public var certificateName: String
        public var currency: Currency
        /// Minor units the operator may go below zero on its prefund.
        public var creditLimit: Int64
        public var suspended: Bool
        /// Every transfer must name a quote (`7004 QUOTE_REQUIRED` otherwise).
        public var quoteRequired: Bool
        /// The most one transfer may send, in minor units (`5009`), or nil.
        public var maxTransaction: Int64?
        public var limits: VolumeLimits
    }

    /// A payout partner: who it is, what it pays, and how to reach it.
    public struct Partner: Sendable {
        /// Also the institution code a leg may name to choose it.
        public var id: String
        public var adapter: String
        public var countries: Set<String>
        public var currencies: Set<String>
        public var products: Set<String>
        public var priority: Int
        public var enabled: Bool
        public var maxConcurrency: Int
        public var timeoutMs: Int64
        /// What a payout costs there: a fixed part per payout currency (minor units) and basis
        /// points of the payout; the router prefers the cheaper among partners of one priority.
        public var costFixed: [String: Int64] = [:]
        public var costBasisPoints: Int64 = 0
        /// The most one payout may be there, by payout currency (minor units).
        public var maximumAmounts: [String: Int64] = [:]
        /// For `adapter = "simulated"`.
        public var simulated: SimulatedSettings
        /// For the adapters that speak HTTP.
        public var http: HTTPSettings?
        /// For `iso20022-files`.
        public var files: FileSettings?
        /// The key its callbacks are signed with; without one, its callbacks are refused.
        public var callbackSecret: [UInt8]?
        /// How `remitctl reconcile` reads its statements: camt.053/054 XML, or its CSV export
        /// with this column mapping (`statement_*` keys).
        public var statement: StatementFormat = .camt
    }

    /// A partner's statement file: ISO 20022 camt, or CSV read through a column mapping.
    public enum StatementFormat: Sendable, Equatable {
        case camt
        case csv(CSVStatement.Mapping)
    }

    /// How to reach a partner's HTTP API: its base URL and credentials.
    public struct HTTPSettings: Sendable {
        public var baseURL: String
        /// mobile-wallet: `X-API-Key`, and the gateway's account at the provider.
        public var apiKey: String?
        public var debitAccount: String?
        /// mfi-core-banking: tenant, basic authentication, payment type.
        public var tenant: String?
        public var username: String?
        public var password: String?
        public var paymentTypeId: Int?
    }

    /// Where a bank's ISO 20022 files go and come from, and the gateway's account there.
    public struct FileSettings: Sendable {
        public var outbox: String
        public var inbox: String
        public var state: String
        public var debtorName: String
        public var debtorAccount: String
        public var debtorBIC: String?
        public var initiatingParty: String?
        public var batchMax: Int
        public var batchWindowMs: Int
    }

    /// The endpoint partners send asynchronous results to.
    public struct Callbacks: Sendable {
        public var host: String
        public var port: Int
        /// How partners reach it, for `X-Callback-URL`: `https://gateway.example/callbacks`.
        public var publicURL: String
        public var windowSeconds: Int64
        public var maxBodyBytes: Int
        /// From a connection's first byte to its request's last.
        public var requestTimeoutMs: Int64
        public var maxConnections: Int
    }

    public struct Payouts: Sendable {
        /// false: transfers are accepted and wait in the outbox; nothing is sent to partners.
        public var enabled: Bool
        public var pollIntervalMs: Int64
        public var firstInquiryMs: Int64
        public var maxInquiryDelayMs: Int64
        public var maxInquiries: Int
    }

    public var file: String
    public var server: Server
    public var admin: Admin
    public var ledger: Ledger
    public var operators: [Operator]
    public var corridors: [Corridor]
    /// How long a quote holds, per corridor.
    public var quoteTtlMs: [Corridor.Key: Int64]
    /// Reference rates loaded at start and on reload (CSV: base,quote,mid,as-of), or nil.
    public var ratesFile: String?
    public var screening: Screening

    /// Sanctions lists and the thresholds that decide.
    public struct Screening: Sendable {
        /// OFAC SDN in its CSV layout, and its aliases file; nil screens against no list.
        public var sdnFile: String?
        public var sdnAliasesFile: String?
        /// The UN Security Council Consolidated List in its XML layout; nil for none.
        public var unFile: String?
        public var matchThresholdBps: Int
        public var reviewThresholdBps: Int
    }
    public var partners: [Partner]
    public var payouts: Payouts
    /// nil: no callback endpoint.
    public var callbacks: Callbacks?

    public func operatorFor(certificateName: String) -> Operator? {
        operators.first { $0.certificateName == certificateName }
    }

    /// The sanctions screener the configuration names: its lists read and checked now, so that a
    /// bad list is a configuration error at start or reload, never a silent pass.
    public func screener() throws(ConfigurationError) -> Screener {
        var lists: [SanctionsList] = []
        func read(_ path: String) throws(ConfigurationError) -> Data {
            do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw ConfigurationError(file: self.file, key: "screening", problem: "\(path) cannot be read")
            }
        }
        func text(_ path: String) throws(ConfigurationError) -> String {
            guard let text = String(data: try read(path), encoding: .utf8) else {
                throw ConfigurationError(file: self.file, key: "screening", problem: "\(path) is not UTF-8 text")
            }
            return text
        }
        /// A list's version: its file name and when the file was last written.
        func version(_ path: String) -> String {
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)?
                .map { ISO8601DateFormatter().string(from: $0) } ?? "unknown date"
            return "\((path as NSString).lastPathComponent) \(modified)"
        }
        if let file = screening.sdnFile {
            let csv = try text(file)
            let aliases = try screening.sdnAliasesFile.map { (path: String) throws(ConfigurationError) -> String in try text(path) }
            do {
                lists.append(try SanctionsList.ofacSDN(csv: csv, aliases: aliases, source: version(file)))
            } catch {
                throw ConfigurationError(file: self.file, key: "screening.sdn_file", problem: "\(file): \(error)")
            }
        }
        if let file = screening.unFile {
            do {
                // The list dates itself (dateGenerated); the file name says which copy it was.
                lists.append(try SanctionsList.unConsolidated(xml: try read(file), file: (file as NSString).lastPathComponent))
            } catch {
                throw ConfigurationError(file: self.file, key: "screening.un_file", problem: "\(file): \(error)")
            }
        }
        return Screener(lists: lists, matchThreshold: screening.matchThresholdBps * 100,
                        reviewThreshold: screening.reviewThresholdBps * 100)
    }

    /// Whether the files that hold secrets are read. remitd reads them; a tool that needs only
    /// the rest (remitctl reading a partner's statement format, as a user who may not read the
    /// daemon's credentials; the fuzzer) skips them, and their settings are nil.
    public enum SecretFiles: Sendable {
        case read, skip
    }

    /// The prefix of a path that names a credential systemd hands to the service
    /// (`LoadCredential=server.key:…` in the unit, `private_key = "credential:server.key"` here):
    /// the file is read from `$CREDENTIALS_DIRECTORY`, where only the service's user can read it.
    public static let credentialPrefix = "credential:"

    public static func load(path: String, secrets: SecretFiles = .read,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError)
        -> GatewayConfiguration {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigurationError(file: path, key: "", problem: "cannot be read: \(error.localizedDescription)")
        }
        return try parse(text, file: path, secrets: secrets, environment: environment)
    }

    public static func parse(_ text: String, file: String, secrets: SecretFiles = .read,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError)
        -> GatewayConfiguration {
        let document: TOMLDocument
        do { document = try TOMLDocument(parsing: text) } catch {
            throw ConfigurationError(file: file, key: "", line: error.line > 0 ? error.line : nil, problem: error.problem)
        }
        let folder = (file as NSString).deletingLastPathComponent
        let credentials = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
        /// A path as given, taken from the configuration's folder when relative, or from the
        /// service's credentials. A tool that skips secrets gets a credential's name back as its
        /// path: it never reads it.
        func resolve(_ path: String) throws(ConfigurationError) -> String {
            if path.hasPrefix(credentialPrefix) {
                let name = String(path.dropFirst(credentialPrefix.count))
                guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                    throw ConfigurationError(file: file, key: "", problem: "\"\(path)\": a credential is named by a file name, as in LoadCredential=NAME:PATH")
                }
                guard let credentials else {
                    if secrets == .skip { return path }
                    throw ConfigurationError(file: file, key: "", problem: "\"\(path)\" needs $CREDENTIALS_DIRECTORY, which systemd sets for a unit with LoadCredential=\(name):PATH; outside systemd give the file's path instead")
                }
                return (credentials as NSString).appendingPathComponent(name)
            }
            return path.hasPrefix("/") || folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
        }
        /// An optional path: absent or empty is none.
        func resolveOptional(_ path: String?) throws(ConfigurationError) -> String? {
            guard let path, !path.isEmpty else { return nil }
            return try resolve(path)
        }
        let root = document.root
        for key in root.keys.sorted() where !["server", "admin", "ledger", "operator", "corridor", "partner", "payouts", "rates", "screening", "callbacks"].contains(key) {
            throw ConfigurationError(file: file, key: key, line: document.lines[key], problem: "unknown section or key")
        }
        func table(_ name: String) throws(ConfigurationError) -> ConfigurationReader {
            switch root[name] {
            case nil: return ConfigurationReader(file: file, path: name, table: [:], lines: document.lines)
            case .table(let table): return ConfigurationReader(file: file, path: name, table: table, lines: document.lines)
            default: throw ConfigurationError(file: file, key: name, problem: "must be a [\(name)] table")
            }
        }
        func tables(_ name: String) throws(ConfigurationError) -> [ConfigurationReader] {
            switch root[name] {
            case nil: return []
            case .tables(let list):
                return list.enumerated().map {
                    ConfigurationReader(file: file, path: "\(name)[\($0.offset)]", table: $0.element, lines: document.lines)
                }
            default: throw ConfigurationError(file: file, key: name, problem: "must be [[\(name)]] sections")
            }
        }

        /// A partner API's address: http or https, with a host.
        func baseURL(_ p: inout ConfigurationReader) throws(ConfigurationError) -> String {
            let text = try p.requiredString("base_url")
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil,
                  url.query == nil else {
                throw p.fail("base_url", "\"\(text)\" is not an http:// or https:// URL without a query")
            }
            return text
        }

        /// A secret kept in a file of its own (so that the configuration can be shown and kept in
        /// version control), read now; one trailing newline is not part of it.
        func secret(_ p: inout ConfigurationReader, _ key: String, required: Bool = false) throws(ConfigurationError)
            -> [UInt8]?
        {
            guard let path = try p.string(key) else {
                if required { throw p.fail(key, "is required") }
                return nil
            }
            guard secrets == .read else { return nil }
            let resolved = try resolve(path)
            guard var bytes = FileManager.default.contents(atPath: resolved).map(Array.init) else {
                throw p.fail(key, "\(resolved) cannot be read")
            }
            if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            guard !bytes.isEmpty, bytes.count <= 4_096 else { throw p.fail(key, "\(resolved) must hold 1 to 4096 bytes") }
            return bytes
        }

        /// `fee_fixed` and `fee_bps` on the corridor, or `[[corridor.fee_tier]]` sections, each
        /// with `from` (a send amount), `fee_fixed` and `fee_bps`; the first from zero.
        func feeTiers(_ c: inout ConfigurationReader, _ currency: Currency) throws(ConfigurationError) -> [FeeSchedule.Tier] {
            let sections = try c.tables("fee_tier")
            if sections.isEmpty {
                return [FeeSchedule.Tier(from: 0, fixed: try c.amount("fee_fixed", currency, default: 0),
                                         basisPoints: try c.integer("fee_bps", default: 0, in: 0...10_000))]
            }
            for key in ["fee_fixed", "fee_bps"] where c.table[key] != nil {
                throw c.fail(key, "give the fee in [[corridor.fee_tier]] sections or on the corridor, not both")
            }
            guard sections.count <= FeeSchedule.maxTiers else {
                throw c.fail("fee_tier", "more than \(FeeSchedule.maxTiers) tiers")
            }
            var tiers: [FeeSchedule.Tier] = []
            for var t in sections {
                let from = try t.amount("from", currency)
                if let previous = tiers.last {
                    guard from > previous.from else { throw t.fail("from", "tiers must be in ascending order of from") }
                } else {
                    guard from == 0 else { throw t.fail("from", "the first tier must start from \"0\"") }
                }
                tiers.append(FeeSchedule.Tier(from: from, fixed: try t.amount("fee_fixed", currency, default: 0),
                                              basisPoints: try t.integer("fee_bps", default: 0, in: 0...10_000)))
                try t.finish()
            }
            return tiers
        }

        var s = try table("server")
        let (host, port) = try address(&s, "listen", default: "127.0.0.1:7443")
        let tlsMinimum = try s.string("tls_minimum", default: "1.3")
        guard tlsMinimum == "1.3" || tlsMinimum == "1.2" else {
            throw s.fail("tls_minimum", "must be \"1.3\" or \"1.2\", not \"\(tlsMinimum)\"")
        }
        let server = Server(
            host: host, port: port,
            certificate: try resolve(try s.requiredString("certificate")),
            privateKey: try resolve(try s.requiredString("private_key")),
            operatorCA: try resolve(try s.requiredString("operator_ca")),
            crl: try resolveOptional(s.string("crl")),
            allowTLS12: tlsMinimum == "1.2",
            name: try s.string("name", default: "remitd"),
            handshakeTimeoutMs: try s.integer("handshake_timeout_ms", default: 10_000, in: 100...120_000),
            helloTimeoutMs: try s.integer("hello_timeout_ms", default: 10_000, in: 100...120_000),
            idleTimeoutMs: try s.integer("idle_timeout_ms", default: 30_000, in: 1_000...3_600_000),
            heartbeatIntervalMs: try s.integer("heartbeat_interval_ms", default: 10_000, in: 500...3_600_000),
            maxInFlightRequests: Int(try s.integer("max_in_flight_requests", default: 256, in: 1...4_096)),
            maxConnections: Int(try s.integer("max_connections", default: 1_024, in: 1...65_536)),
            maxConnectionsPerOperator: Int(try s.integer("max_connections_per_operator", default: 256, in: 1...65_536)),
            requestsPerSecondPerOperator: Int(try s.integer("requests_per_second_per_operator", default: 10_000,
                                                            in: 1...1_000_000)),
            eventWindow: Int(try s.integer("event_window", default: 4_096, in: 1...65_535)),
            maxStandingInstructionsPerOperator: Int(try s.integer("max_standing_instructions_per_operator",
                                                                  default: 100_000, in: 1...10_000_000)),
            shutdownGraceMs: try s.integer("shutdown_grace_ms", default: 10_000, in: 0...600_000),
            maxOutboundBytes: Int(try s.integer("max_outbound_bytes", default: 16 << 20, in: 65_536...(1 << 30))))
        guard server.heartbeatIntervalMs < server.idleTimeoutMs else {
            throw s.fail("heartbeat_interval_ms", "must be shorter than idle_timeout_ms (\(server.idleTimeoutMs))")
        }
        try s.finish()

        var a = try table("admin")
        let (adminHost, adminPort) = try address(&a, "listen", default: "127.0.0.1:7480", allowZeroPort: true)
        guard ["127.0.0.1", "::1", "localhost"].contains(adminHost) else {
            throw a.fail("listen", "the admin endpoint listens on loopback only (127.0.0.1, ::1 or localhost)")
        }
        let admin = Admin(host: adminHost, port: adminPort, socket: try resolve(try a.string("socket", default: "admin.sock")))
        try a.finish()

        var l = try table("ledger")
        let ledger = Ledger(path: try resolve(try l.string("path", default: "ledger.sqlite")),
                            holdExpiryMs: try l.integer("hold_expiry_hours", default: 720, in: 1...87_600) * 3_600_000)
        try l.finish()

        var operators: [Operator] = []
        for var o in try tables("operator") {
            let id = try o.requiredString("id")
            guard id.utf8.count <= 32, id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }) else {
                throw o.fail("id", "must be 1 to 32 printable ASCII characters without spaces or /")
            }
            guard !operators.contains(where: { $0.id == id }) else { throw o.fail("id", "\(id) is configured twice") }
            let currency = try o.currency("currency")
            let name = try o.string("certificate_name", default: id)
            guard !operators.contains(where: { $0.certificateName == name }) else {
                throw o.fail("certificate_name", "\(name) already names another operator's certificates")
            }
            func window(_ prefix: String) throws(ConfigurationError) -> VolumeLimits.Window {
                VolumeLimits.Window(count: try o.optionalInteger("\(prefix)_count", in: 1...1_000_000),
                                    amount: try o.optionalAmount("\(prefix)_amount", currency))
            }
            let limits = VolumeLimits(
                senderDaily: try window("sender_daily"), senderMonthly: try window("sender_30d"),
                beneficiaryDaily: try window("beneficiary_daily"), beneficiaryMonthly: try window("beneficiary_30d"),
                operatorDaily: try o.optionalAmount("max_daily", currency))
            operators.append(Operator(id: id, certificateName: name, currency: currency,
                                      creditLimit: try o.amount("credit_limit", currency, default: 0),
                                      suspended: try o.boolean("suspended", default: false),
                                      quoteRequired: try o.boolean("quote_required", default: false),
                                      maxTransaction: try o.optionalAmount("max_transaction", currency), limits: limits))
            try o.finish()
        }

        var corridors: [Corridor] = []
        var quoteTtlMs: [Corridor.Key: Int64] = [:]
        for var c in try tables("corridor") {
            let sendCountry = try c.country("send_country")
            let sendCurrency = try c.currency("send_currency")
            let payoutCountry = try c.country("payout_country")
            let payoutCurrency = try c.currency("payout_currency")
            let products = try c.strings("products") ?? []
            guard !products.isEmpty else { throw c.fail("products", "is required: at least one payout product") }
            for product in products where Products.all[product] == nil {
                throw c.fail("products", "unknown product \"\(product)\"; known: \(Products.all.keys.sorted().joined(separator: ", "))")
            }
            // Either a fixed rate, or the reference rate for the pair less a margin.
            let fx: FXSource
            let marginBps = try c.integer("margin_bps", default: -1, in: -1...5_000)
            let maxAgeMinutes = try c.integer("max_rate_age_minutes", default: 60, in: 1...10_080)
            if let rateText = try c.string("rate") {
                guard marginBps < 0 else { throw c.fail("margin_bps", "give either rate (a fixed rate) or margin_bps, not both") }
                do { fx = .fixed(try Rate(rateText)) } catch { throw c.fail("rate", error.description) }
            } else if marginBps >= 0 {
                fx = .reference(marginBps: marginBps, maxAgeMs: maxAgeMinutes * 60_000)
            } else if sendCurrency == payoutCurrency {
                fx = .fixed(Rate(nanos: Rate.scale))
            } else {
                throw c.fail("margin_bps", "is required: the margin over the reference rate (or give a fixed rate)")
            }
            let quoteTtlSeconds = try c.integer("quote_ttl_seconds", default: 900, in: 10...86_400)
            // FATF R.16's threshold: USD 1,000 by default; in another currency it must be given.
            let threshold: Int64
            if sendCurrency.code == "USD" {
                threshold = try c.amount("fatf_threshold", sendCurrency, default: 100_000)
            } else if try c.string("fatf_threshold") == nil {
                throw c.fail("fatf_threshold", "is required for \(sendCurrency.code): the equivalent of USD 1,000 in \(sendCurrency.code)")
            } else {
                threshold = try c.amount("fatf_threshold", sendCurrency)
            }
            let minimum = try c.amount("minimum", sendCurrency, default: 1)
            let maximum = try c.amount("maximum", sendCurrency)
            guard minimum > 0, minimum <= maximum else { throw c.fail("minimum", "must be above 0 and at most maximum") }
            let feeMinimum = try c.amount("fee_minimum", sendCurrency, default: 0)
            let feeMaximum = try c.amount("fee_maximum", sendCurrency, default: .max)
            guard feeMinimum <= feeMaximum else { throw c.fail("fee_minimum", "must be at most fee_maximum") }
            let fee = FeeSchedule(tiers: try feeTiers(&c, sendCurrency), minimum: feeMinimum, maximum: feeMaximum)
            let corridor = Corridor(sendCountry: sendCountry, sendCurrency: sendCurrency, payoutCountry: payoutCountry,
                                    payoutCurrency: payoutCurrency, products: Set(products), minimum: minimum,
                                    maximum: maximum, fx: fx, fee: fee, originatorThreshold: threshold)
            guard !corridors.contains(where: { $0.key == corridor.key }) else {
                throw c.fail("send_country", "this corridor is configured twice")
            }
            corridors.append(corridor)
            quoteTtlMs[corridor.key] = quoteTtlSeconds * 1_000
            try c.finish()
        }
        var partners: [Partner] = []
        for var p in try tables("partner") {
            let id = try p.requiredString("id")
            guard id.utf8.count <= 16, id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }) else {
                throw p.fail("id", "must be 1 to 16 printable ASCII characters without spaces or / (it is a leg's institution code)")
            }
            guard !partners.contains(where: { $0.id == id }) else { throw p.fail("id", "\(id) is configured twice") }
            let adapter = try p.string("adapter", default: "simulated")
            guard ["simulated", "mobile-wallet", "mfi-core-banking", "iso20022-files"].contains(adapter) else {
                throw p.fail("adapter", "unknown adapter \"\(adapter)\"; this build has: simulated, mobile-wallet, mfi-core-banking, iso20022-files")
            }
            let countries = try p.strings("countries") ?? []
            for country in countries where !Countries.isKnown(country) {
                throw p.fail("countries", "\"\(country)\" is not an ISO 3166-1 alpha-2 country code")
            }
            let currencies = try p.strings("currencies") ?? []
            for currency in currencies where (try? Currency(currency)) == nil {
                throw p.fail("currencies", "\"\(currency)\" is not an ISO 4217 currency code")
            }
            let products = try p.strings("products") ?? []
            for product in products where Products.all[product] == nil {
                throw p.fail("products", "unknown product \"\(product)\"")
            }
            guard !countries.isEmpty, !currencies.isEmpty, !products.isEmpty else {
                throw p.fail(countries.isEmpty ? "countries" : currencies.isEmpty ? "currencies" : "products",
                             "is required: at least one")
            }
            var simulated = SimulatedSettings()
            var http: HTTPSettings?
            var files: FileSettings?
            switch adapter {
            case "simulated":
                simulated = SimulatedSettings(
                    latencyMs: Int(try p.integer("latency_ms", default: 20, in: 0...600_000)),
                    rejectBps: Int(try p.integer("reject_bps", default: 0, in: 0...10_000)),
                    unknownBps: Int(try p.integer("unknown_bps", default: 0, in: 0...10_000)),
                    pendingBps: Int(try p.integer("pending_bps", default: 0, in: 0...10_000)),
                    seed: UInt64(try p.integer("seed", default: 1, in: 0...Int64.max)),
                    duplicateCallbackBps: Int(try p.integer("duplicate_callback_bps", default: 0, in: 0...10_000)))
                simulated.pickupWaitMs = Int(try p.integer("pickup_wait_ms", default: 0, in: 0...86_400_000))
                simulated.rememberMs = Int(try p.integer("remember_ms", default: 600_000, in: 1_000...86_400_000))
            case "mobile-wallet":
                http = HTTPSettings(baseURL: try baseURL(&p), apiKey: try secret(&p, "api_key_file").map { String(decoding: $0, as: UTF8.self) },
                                    debitAccount: try p.requiredString("debit_account"))
            case "iso20022-files":
                let bic = try p.string("debtor_bic")
                if let bic {
                    let bytes = Array(bic.utf8)
                    guard bytes.count == 8 || bytes.count == 11,
                          bytes.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) }) else {
                        throw p.fail("debtor_bic", "\"\(bic)\" is not a BIC (8 or 11 capital letters and digits)")
                    }
                }
                files = FileSettings(
                    outbox: try resolve(try p.requiredString("outbox_folder")), inbox: try resolve(try p.requiredString("inbox_folder")),
                    state: try resolve(try p.string("state_folder", default: "\(id)-iso20022")),
                    debtorName: try p.requiredString("debtor_name"), debtorAccount: try p.requiredString("debtor_account"),
                    debtorBIC: bic, initiatingParty: try p.string("initiating_party"),
                    batchMax: Int(try p.integer("batch_max", default: 100, in: 1...10_000)),
                    batchWindowMs: Int(try p.integer("batch_window_ms", default: 1_000, in: 10...600_000)))
            default:
                http = HTTPSettings(baseURL: try baseURL(&p), tenant: try p.string("tenant", default: "default"),
                                    username: try p.requiredString("username"),
                                    password: try secret(&p, "password_file", required: true).map { String(decoding: $0, as: UTF8.self) },
                                    paymentTypeId: Int(try p.integer("payment_type_id", default: 1, in: 1...1_000_000)))
            }
            /// An amount key read in each of the partner's payout currencies.
            func perCurrency(_ key: String) throws(ConfigurationError) -> [String: Int64] {
                guard let text = try p.string(key) else { return [:] }
                var amounts: [String: Int64] = [:]
                for code in currencies {
                    let currency = try! Currency(code)
                    guard let minor = Money.parseMinorUnits(text, currency), minor >= 0 else {
                        throw p.fail(key, "\"\(text)\" is not an amount in \(code) with at most \(currency.exponent) decimals")
                    }
                    amounts[code] = minor
                }
                return amounts
            }
            let costFixed = try perCurrency("cost_fixed")
            let maximumAmounts = try perCurrency("max_amount")
            if maximumAmounts.values.contains(0) { throw p.fail("max_amount", "must be above zero") }
            let costBasisPoints = try p.integer("cost_bps", default: 0, in: 0...10_000)
            let statement = try statementFormat(&p)
            let callbackSecret = try secret(&p, "callback_secret_file")
            if let callbackSecret, callbackSecret.count < 32 {
                throw p.fail("callback_secret_file", "the secret must be at least 32 bytes")
            }
            partners.append(Partner(
                id: id, adapter: adapter, countries: Set(countries), currencies: Set(currencies), products: Set(products),
                priority: Int(try p.integer("priority", default: 100, in: 0...1_000_000)),
                enabled: try p.boolean("enabled", default: true),
                maxConcurrency: Int(try p.integer("max_concurrency", default: 16, in: 1...4_096)),
                timeoutMs: try p.integer("timeout_ms", default: 10_000, in: 10...600_000),
                costFixed: costFixed, costBasisPoints: costBasisPoints, maximumAmounts: maximumAmounts, simulated: simulated,
                http: http, files: files,
                callbackSecret: callbackSecret, statement: statement))
            let behaviour = partners.last!.simulated
            guard behaviour.rejectBps + behaviour.unknownBps + behaviour.pendingBps <= 10_000 else {
                throw p.fail("reject_bps", "reject_bps + unknown_bps + pending_bps must be at most 10000")
            }
            try p.finish()
        }

        var o = try table("payouts")
        let payouts = Payouts(
            enabled: try o.boolean("enabled", default: true),
            pollIntervalMs: try o.integer("poll_interval_ms", default: 200, in: 10...60_000),
            firstInquiryMs: try o.integer("first_inquiry_ms", default: 1_000, in: 10...3_600_000),
            maxInquiryDelayMs: try o.integer("max_inquiry_delay_ms", default: 60_000, in: 10...86_400_000),
            maxInquiries: Int(try o.integer("max_inquiries", default: 20, in: 1...10_000)))
        try o.finish()

        var sc = try table("screening")
        let screening = Screening(
            sdnFile: try resolveOptional(sc.string("sdn_file")),
            sdnAliasesFile: try resolveOptional(sc.string("sdn_aliases_file")),
            unFile: try resolveOptional(sc.string("un_file")),
            matchThresholdBps: Int(try sc.integer("match_threshold_bps", default: 9_300, in: 5_000...10_000)),
            reviewThresholdBps: Int(try sc.integer("review_threshold_bps", default: 8_500, in: 5_000...10_000)))
        guard screening.reviewThresholdBps <= screening.matchThresholdBps else {
            throw sc.fail("review_threshold_bps", "must be at most match_threshold_bps")
        }
        try sc.finish()

        var r = try table("rates")
        let ratesFile = try resolveOptional(r.string("file"))
        try r.finish()

        var callbacks: Callbacks?
        if root["callbacks"] != nil {
            var cb = try table("callbacks")
            let (host, port) = try address(&cb, "listen", default: "127.0.0.1:7490", allowZeroPort: true)
            let publicURL = try cb.string("public_url", default: "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/callbacks")
            guard let url = URL(string: publicURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw cb.fail("public_url", "\"\(publicURL)\" is not an http:// or https:// URL")
            }
            callbacks = Callbacks(host: host, port: port, publicURL: publicURL,
                                  windowSeconds: try cb.integer("window_seconds", default: 300, in: 10...3_600),
                                  maxBodyBytes: Int(try cb.integer("max_body_bytes", default: 65_536, in: 1_024...1_048_576)),
                                  requestTimeoutMs: try cb.integer("request_timeout_ms", default: 10_000, in: 100...600_000),
                                  maxConnections: Int(try cb.integer("max_connections", default: 256, in: 1...65_536)))
            try cb.finish()
        }
        return GatewayConfiguration(file: file, server: server, admin: admin, ledger: ledger, operators: operators,
                                    corridors: corridors, quoteTtlMs: quoteTtlMs, ratesFile: ratesFile, screening: screening,
                                    partners: partners, payouts: payouts, callbacks: callbacks)
    }

    /// `statement_format` ("camt", the default, or "csv") and, for CSV, the column mapping.
    private static func statementFormat(_ p: inout ConfigurationReader) throws(ConfigurationError) -> StatementFormat {
        let keys = ["statement_amount", "statement_currency", "statement_currency_code", "statement_end_to_end_id",
                    "statement_reference", "statement_date", "statement_date_format", "statement_direction",
                    "statement_debit_values", "statement_credit_values", "statement_status", "statement_pending_values",
                    "statement_reversal_values", "statement_return_reason", "statement_delimiter"]
        let format = try p.string("statement_format", default: "camt")
        switch format {
        case "camt":
            for key in keys where p.table[key] != nil { throw p.fail(key, "is for statement_format = \"csv\"") }
            return .camt
        case "csv": break
        default: throw p.fail("statement_format", "must be \"camt\" or \"csv\", not \"\(format)\"")
        }
        func column(_ key: String) throws(ConfigurationError) -> String? {
            guard let name = try p.string(key) else { return nil }
            guard !name.isEmpty, name.utf8.count <= 128 else { throw p.fail(key, "must be a column name of 1 to 128 bytes") }
            return name
        }
        func values(_ key: String, _ fallback: Set<String>) throws(ConfigurationError) -> Set<String> {
            guard let list = try p.strings(key) else { return fallback }
            guard !list.isEmpty, list.count <= 32, list.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 64 }) else {
                throw p.fail(key, "must list 1 to 32 values of 1 to 64 bytes")
            }
            return Set(list.map { $0.uppercased() })
        }
        guard let amount = try column("statement_amount") else {
            throw p.fail("statement_amount", "is required for statement_format = \"csv\": the amount's column")
        }
        var mapping = CSVStatement.Mapping(amount: amount)
        let currencyColumn = try column("statement_currency")
        if let code = try p.string("statement_currency_code") {
            guard currencyColumn == nil else {
                throw p.fail("statement_currency_code", "give statement_currency (a column) or statement_currency_code, not both")
            }
            guard (try? Currency(code)) != nil else { throw p.fail("statement_currency_code", "\"\(code)\" is not an ISO 4217 currency code") }
            mapping.currency = .fixed(code)
        } else {
            mapping.currency = .column(currencyColumn ?? "Currency")
        }
        mapping.endToEndId = try column("statement_end_to_end_id")
        mapping.reference = try column("statement_reference")
        mapping.date = try column("statement_date")
        let dateFormat = try p.string("statement_date_format", default: "YYYY-MM-DD")
        guard let parsedFormat = CSVStatement.Mapping.DateFormat(rawValue: dateFormat) else {
            throw p.fail("statement_date_format", "must be one of \(CSVStatement.Mapping.DateFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        mapping.dateFormat = parsedFormat
        mapping.direction = try column("statement_direction")
        mapping.debitValues = try values("statement_debit_values", mapping.debitValues)
        mapping.creditValues = try values("statement_credit_values", mapping.creditValues)
        guard mapping.debitValues.isDisjoint(with: mapping.creditValues) else {
            throw p.fail("statement_credit_values", "a value cannot mean both a debit and a credit")
        }
        mapping.status = try column("statement_status")
        mapping.pendingValues = try values("statement_pending_values", mapping.pendingValues)
        mapping.reversalValues = try values("statement_reversal_values", mapping.reversalValues)
        mapping.returnReason = try column("statement_return_reason")
        let delimiter = try p.string("statement_delimiter", default: ",")
        guard delimiter.utf8.count == 1, let byte = delimiter.utf8.first, [UInt8(ascii: ","), UInt8(ascii: ";"),
                                                                            UInt8(ascii: "\t"), UInt8(ascii: "|")].contains(byte) else {
            throw p.fail("statement_delimiter", "must be one of , ; | or a tab")
        }
        mapping.delimiter = byte
        guard mapping.endToEndId != nil || mapping.reference != nil || mapping.date != nil else {
            throw p.fail("statement_amount", "the mapping needs statement_end_to_end_id, statement_reference or statement_date to match lines")
        }
        return .csv(mapping)
    }

    private static func address(_ reader: inout ConfigurationReader, _ key: String, default fallback: String,
                                allowZeroPort: Bool = false) throws(ConfigurationError) -> (String, Int) {
        let text = try reader.string(key, default: fallback)
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (allowZeroPort ? 0 : 1)...65_535 ~= port
        else { throw reader.fail(key, "\"\(text)\" is not host:port such as 127.0.0.1:7443") }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw reader.fail(key, "\"\(text)\" has no host") }
        return (host, port)
    }
}
