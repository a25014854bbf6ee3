import Foundation
import Logging
import NIOCore
import RemitDomain
import RemitLedger
import RemitPayout
import ServiceLifecycle
import UnixSignals

/// remitd assembled: the ledger, the operator port and the admin endpoint in one `ServiceGroup`.
/// SIGTERM and SIGINT drain and exit; SIGHUP reloads the configuration file and certificates
/// without dropping connections. Under systemd it reports READY, STATUS, WATCHDOG and STOPPING.
///
/// ```swift
/// let gateway = try await Gateway(configuration: try GatewayConfiguration.load(path: "remitd.toml"), logger: logger)
/// try await gateway.run()
/// ```
public final class Gateway: Sendable {
    public let ledger: Ledger
    let environment: SessionEnvironment
    let server: GatewayServer
    let admin: AdminServer?
    let callbacks: CallbackServer?
    let dispatcher: PayoutDispatcher
    let logger: Logger
    let notifier: SystemdNotifier
    let processEnvironment: [String: String]

    public init(configuration: GatewayConfiguration, logger: Logger,
                processEnvironment: [String: String] = ProcessInfo.processInfo.environment) async throws {
        self.logger = logger
        self.processEnvironment = processEnvironment
        notifier = SystemdNotifier(environment: processEnvironment)
        ledger = try Self.openLedger(configuration.ledger.path, notifier)
        try await Self.openOperators(configuration, ledger)
        let hub = EventHub()
        let metrics = GatewayMetrics()
        let partners = try configuration.partners.map { partner in
            RoutedPartner(adapter: try Self.adapter(partner, callbackURL: configuration.callbacks?.publicURL),
                          priority: partner.priority, enabled: partner.enabled, maxConcurrency: partner.maxConcurrency,
                          timeoutMs: partner.timeoutMs, costFixed: partner.costFixed, costBasisPoints: partner.costBasisPoints)
        }
        let payouts = configuration.payouts
        let switches = PartnerSwitches(), health = PartnerHealth()
        let dispatcher = PayoutDispatcher(
            ledger: ledger, router: PayoutRouter(partners: partners, switches: switches),
            policy: .init(pollIntervalMs: payouts.pollIntervalMs, firstInquiryMs: payouts.firstInquiryMs,
                          maxInquiryDelayMs: payouts.maxInquiryDelayMs, maxInquiries: payouts.maxInquiries),
            health: health, logger: logger,
            callObserver: { partner, outcome, nanoseconds in metrics.partnerCall(partner, outcome, nanoseconds) })
        self.dispatcher = dispatcher
        if let settings = configuration.callbacks {
            var signers: [String: CallbackServer.Partner] = [:]
            for (partner, routed) in zip(configuration.partners, partners) {
                if let secret = partner.callbackSecret { signers[partner.id] = .init(adapter: routed.adapter, secret: secret) }
            }
            callbacks = CallbackServer(settings: settings, partners: signers, dispatcher: dispatcher, metrics: metrics,
                                       logger: logger)
        } else {
            callbacks = nil
        }
        let watch = CommitWatch(metrics: metrics, logger: logger)
        await ledger.observeCommits { report in
            watch.observe(report)
            if !report.eventOperators.isEmpty {
                hub.committed(report.eventOperators)
                dispatcher.wake()
            }
            metrics.commit(report)
        }
        environment = SessionEnvironment(configuration: configuration, ledger: ledger, hub: hub, metrics: metrics,
                                         logger: logger, switches: switches, health: health, dispatcher: dispatcher)
        environment.replaceScreener(try configuration.screener())
        try environment.rates.load(ledger)
        if let file = configuration.ratesFile { try await Self.loadRates(file, environment) }
        server = try GatewayServer(environment: environment)
        let admin = configuration.admin
        do {
            let server = self.server
            let ledger = self.ledger
            self.admin = AdminServer(
                host: admin.host, port: admin.port,
                endpoints: .init(
                    ready: { server.port != nil && ledger.answers() },
                    metrics: {
                        metrics.outboxDepth((try? ledger.outboxDepth()) ?? -1)
                        metrics.inDoubt((try? ledger.inDoubtCount()) ?? -1)
                        metrics.inReview((try? ledger.payoutsInReview()) ?? -1)
                        metrics.overdueHolds((try? ledger.overdueHolds(asOf: Ledger.wallClock())) ?? -1)
                        metrics.openCircuits(health.openCircuits(now: Ledger.wallClock()).count)
                        metrics.ledgerFiles(checkpoints: ledger.checkpointStatistics, walBytes: ledger.walBytes)
                        return metrics.text()
                    }),
                logger: logger)
        }
    }

    /// The adapter a partner's configuration names.
    static func adapter(_ partner: GatewayConfiguration.Partner, callbackURL: String?) throws -> any PartnerAdapter {
        let capabilities = PartnerCapabilities(countries: partner.countries, currencies: partner.currencies,
                                               products: partner.products, maximumAmounts: partner.maximumAmounts)
        switch (partner.adapter, partner.http) {
        case ("mobile-wallet", let http?):
            return MobileWalletAdapter(id: partner.id, capabilities: capabilities, settings: .init(
                baseURL: http.baseURL, apiKey: http.apiKey, debitAccount: http.debitAccount ?? "",
                callbackURL: partner.callbackSecret == nil ? nil : callbackURL, timeoutMs: partner.timeoutMs))
        case ("mfi-core-banking", let http?):
            return MFICoreBankingAdapter(id: partner.id, capabilities: capabilities, settings: .init(
                baseURL: http.baseURL, tenant: http.tenant ?? "default", username: http.username ?? "",
                password: http.password ?? "", paymentTypeId: http.paymentTypeId ?? 1, timeoutMs: partner.timeoutMs))
        case ("iso20022-files", _):
            guard let files = partner.files else { break }
            do {
                return try ISO20022FilesAdapter(id: partner.id, capabilities: capabilities, settings: .init(
                    outbox: files.outbox, inbox: files.inbox, state: files.state, debtorName: files.debtorName,
                    debtorAccount: files.debtorAccount, debtorBIC: files.debtorBIC, initiatingParty: files.initiatingParty,
                    batchMax: files.batchMax, batchWindowMs: files.batchWindowMs))
            } catch {
                throw ConfigurationError(file: "", key: "partner \(partner.id)",
                                         problem: "its folders cannot be used: \(error.localizedDescription)")
            }
        default:
            break
        }
        let settings = partner.simulated
        var behaviour = SimulatedPartner.Behaviour(latencyMs: settings.latencyMs, rejectBps: settings.rejectBps,
                                                   unknownBps: settings.unknownBps, pendingBps: settings.pendingBps,
                                                   seed: settings.seed, duplicateCallbackBps: settings.duplicateCallbackBps)
        behaviour.pickupWaitMs = settings.pickupWaitMs
        behaviour.rememberMs = settings.rememberMs
        if let secret = partner.callbackSecret, let callbackURL {
            behaviour.callbackURL = callbackURL
            behaviour.callbackSecret = secret
        }
        return SimulatedPartner(id: partner.id, capabilities: capabilities, behaviour: behaviour)
    }

    /// Every configured operator has its accounts in the ledger; opening again changes nothing.
    static func openOperators(_ configuration: GatewayConfiguration, _ ledger: Ledger) async throws {
        let commands = configuration.operators.map {
            LedgerCommand.openOperator(id: $0.id, currency: $0.currency, creditLimit: $0.creditLimit)
        }
        for (member, outcome) in zip(configuration.operators, await ledger.apply(commands)) {
            if case .rejected(let error) = outcome {
                throw ConfigurationError(file: configuration.file, key: "operator \(member.id)",
                                         problem: "cannot be opened in the ledger: \(error)")
            }
        }
    }

    /// Records the rates file's rates (newer observations only); errors name the file and line.
    static func loadRates(_ file: String, _ environment: SessionEnvironment) async throws {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw ConfigurationError(file: file, key: "", problem: "cannot be read: \(error.localizedDescription)")
        }
        for rate in try RateBook.parse(text, file: file, now: environment.clock()) {
            if let error = await environment.rates.set(rate, source: "file", environment.ledger) {
                throw ConfigurationError(file: file, key: "", problem: "rate \(rate.base)/\(rate.quote) not recorded: \(error)")
            }
        }
        environment.logger.info("reference rates loaded", metadata: ["file": "\(file)"])
    }

    /// Sets reference rates at start, as the demo does so that its rates are always fresh.
    public func setRates(_ rates: [ReferenceRate], source: String) async throws {
        for rate in rates {
            if let error = await environment.rates.set(rate, source: source, ledger) { throw error }
        }
    }

    /// The operator port's bound port and the admin port's, once listening.
    public var ports: (operator: Int?, admin: Int?) { (server.port, admin?.listeningPort) }

    /// The callback endpoint's bound port, once listening.
    public var callbackPort: Int? { callbacks?.listeningPort }

    /// Runs until SIGTERM or SIGINT (or cancellation); `onReady` is called once both ports listen.
    public func run(onReady: @escaping @Sendable (Gateway) -> Void = { _ in }) async throws {
        // A ServiceGroup shuts down in reverse order, each service after the one before has
        // finished: readiness first (STOPPING=1 at once), then the operator port drains its
        // sessions, then the admin endpoints, the dispatcher finishes its partner calls, and the
        // ledger, last, commits whatever is queued.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: LedgerService(ledger: ledger, logger: logger))]
        if environment.configuration.payouts.enabled {
            services.append(.init(service: dispatcher))
        } else {
            logger.warning("payouts are paused ([payouts] enabled = false): accepted transfers wait in the outbox")
        }
        services.append(.init(service: ProjectDeadlines(ledger: ledger, clock: environment.clock, logger: logger)))
        if let admin { services.append(.init(service: admin)) }
        // After the dispatcher: at shutdown it stops taking callbacks before the dispatcher stops.
        if let callbacks { services.append(.init(service: callbacks)) }
        services.append(.init(service: AdminSocketServer(path: environment.configuration.admin.socket,
                                                         executor: AdminExecutor(environment: environment,
                                                                                 checkPartners: { [dispatcher] in await dispatcher.checkPartners() }),
                                                         logger: logger)))
        services.append(.init(service: ReloadOnHangup(gateway: self)))
        services.append(.init(service: server))
        services.append(.init(service: ReadinessReporter(gateway: self, onReady: onReady)))
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [],
            logger: logger))
        try await group.run()
        environment.hub.finishAll()
        logger.info("stopped")
    }

    /// SIGHUP: read the configuration file again and swap it in, with new certificates and
    /// revocation list. Settings that need a new socket (listen addresses) or a new ledger file
    /// take effect at the next start; the rest at once. A configuration that cannot be used
    /// leaves the running one in force.
    public func reload() async {
        let file = environment.configuration.file
        notifier.reloading(monotonicMicroseconds: DispatchTime.now().uptimeNanoseconds / 1_000)
        do {
            let next = try GatewayConfiguration.load(path: file)
            try await Self.openOperators(next, ledger)
            if let rates = next.ratesFile { try await Self.loadRates(rates, environment) }
            let screener = try next.screener()
            try server.reload(next)
            environment.replaceScreener(screener)
            logger.info("configuration reloaded", metadata: ["file": "\(file)", "operators": "\(next.operators.count)"])
            notifier.send("READY=1\nSTATUS=serving; configuration reloaded")
        } catch {
            logger.error("configuration not reloaded; the previous one stays in force", metadata: ["error": "\(error)"])
            notifier.send("READY=1\nSTATUS=serving; reload failed: \(error)")
        }
    }
}

extension Gateway {
    /// How much more time each notice asks systemd for while the ledger opens, and how often.
    static let openingExtension = (microseconds: 60_000_000, every: DispatchTimeInterval.seconds(20))

    /// Opens the ledger, migrating it: minutes for a large ledger (v26 takes about 40 s per
    /// million transfers), longer than the unit's `TimeoutStartSec`, after which systemd would
    /// kill the start, the migration would roll back, and the next start would begin again.
    /// While it opens, remitd asks for more time, a minute at a time (`EXTEND_TIMEOUT_USEC`):
    /// a migration that works gets the time it needs, and a stuck start still times out.
    static func openLedger(_ path: String, _ notifier: SystemdNotifier) throws -> Ledger {
        let notice = "EXTEND_TIMEOUT_USEC=\(openingExtension.microseconds)\nSTATUS=opening the ledger (migrating it if needed)"
        notifier.send(notice)
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + openingExtension.every, repeating: openingExtension.every)
        timer.setEventHandler { notifier.send(notice) }
        timer.resume()
        defer { timer.cancel() }
        return try Ledger(path: path)
    }
}

/// Waits for both ports, tells systemd READY=1 and the caller, pets the watchdog, and says
/// STOPPING=1 when the group shuts down.
struct ReadinessReporter: Service {
    let gateway: Gateway
    let onReady: @Sendable (Gateway) -> Void

    func run() async throws {
        while gateway.server.port == nil || (gateway.admin != nil && gateway.admin?.listeningPort == nil)
            || (gateway.callbacks != nil && gateway.callbacks?.listeningPort == nil) {
            try await Task.sleep(for: .milliseconds(10))
        }
        let status = "serving operators on port \(gateway.server.port ?? 0)"
        gateway.notifier.ready(status: status)
        onReady(gateway)
        let period = SystemdNotifier.watchdogMicroseconds(gateway.processEnvironment).map { Duration.microseconds($0 / 2) }
        // Sleeps end at graceful shutdown: cancelWhenGracefulShutdown cancels the loop.
        try? await cancelWhenGracefulShutdown {
            while true {
                if period != nil { gateway.notifier.watchdog() }
                try await Task.sleep(for: period ?? .seconds(3_600))
            }
        }
        gateway.notifier.stopping()
    }
}

/// The ledger writer as a service: at shutdown, after everything that writes has stopped, it
/// waits for the writer's queue to be committed and checkpoints the WAL into the database file.
struct LedgerService: Service {
    let ledger: Ledger
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        await ledger.flush()
        logger.info("ledger flushed", metadata: ["path": "\(ledger.path)"])
    }
}

/// Reloads on each SIGHUP until shutdown.
struct ReloadOnHangup: Service {
    let gateway: Gateway

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await withGracefulShutdownHandler {
            for await _ in hangups.cancelOnGracefulShutdown() {
                await gateway.reload()
            }
        } onGracefulShutdown: {}
    }
}
