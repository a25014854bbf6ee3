import Logging
import RemitDomain
import RemitLedger
import RemitProtocol
import RemitPayout
import Synchronization

/// What every session shares: the ledger, the rules, the limits, the configuration in force.
/// The configuration can be replaced while running (SIGHUP); a session reads it when it starts
/// and for each request, so new operators, suspensions and corridors apply at once.
final class SessionEnvironment: Sendable {
    let ledger: Ledger
    let hub: EventHub
    let admission: OperatorAdmission
    let metrics: GatewayMetrics
    let logger: Logger
    let clock: @Sendable () -> Int64
    /// Partners switched off by operations, shared with the router; their circuits.
    let switches: PartnerSwitches
    let health: PartnerHealth
    /// Cancels dispatched legs with their partners (version 2's CancelTransfer); nil without payouts.
    let dispatcher: PayoutDispatcher?
    let rates = RateBook()
    private let current: Mutex<(configuration: GatewayConfiguration, desk: TransferDesk)>
    private let screenerBox: Mutex<Screener>
    private let sessionIds = Atomic<UInt64>(1)

    init(configuration: GatewayConfiguration, ledger: Ledger, hub: EventHub, metrics: GatewayMetrics, logger: Logger,
         switches: PartnerSwitches = PartnerSwitches(), health: PartnerHealth = PartnerHealth(),
         dispatcher: PayoutDispatcher? = nil, clock: @escaping @Sendable () -> Int64 = Ledger.wallClock) {
        self.dispatcher = dispatcher
        self.switches = switches
        self.health = health
        self.ledger = ledger
        self.hub = hub
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        admission = OperatorAdmission(maxConnectionsPerOperator: configuration.server.maxConnectionsPerOperator,
                                      requestsPerSecond: configuration.server.requestsPerSecondPerOperator)
        current = Mutex((configuration, Self.desk(configuration, switches)))
        screenerBox = Mutex(Screener(lists: []))
    }

    var configuration: GatewayConfiguration { current.withLock { $0.configuration } }
    var desk: TransferDesk { current.withLock { $0.desk } }
    var screener: Screener { screenerBox.withLock { $0 } }

    func replaceScreener(_ screener: Screener) { screenerBox.withLock { $0 = screener } }

    func replace(_ configuration: GatewayConfiguration) {
        let desk = Self.desk(configuration, switches)
        current.withLock { $0 = (configuration, desk) }
        admission.update(maxConnectionsPerOperator: configuration.server.maxConnectionsPerOperator,
                         requestsPerSecond: configuration.server.requestsPerSecondPerOperator)
    }

    static func desk(_ configuration: GatewayConfiguration, _ switches: PartnerSwitches = PartnerSwitches()) -> TransferDesk {
        TransferDesk(corridors: configuration.corridors, holdExpiryMs: configuration.ledger.holdExpiryMs,
                     partners: configuration.partners.filter(\.enabled).map {
                         .init(id: $0.id, countries: $0.countries, currencies: $0.currencies, products: $0.products,
                               maximumAmounts: $0.maximumAmounts)
                     }, isEnabled: { switches.isEnabled($0) })
    }

    func nextSessionId() -> UInt64 { sessionIds.wrappingAdd(1, ordering: .relaxed).oldValue }

    var limits: ProtocolLimits { .default }
}
