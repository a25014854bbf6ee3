import Metrics
import Prometheus
import RemitLedger
import RemitProtocol

/// The gateway's metrics, through swift-metrics into a Prometheus registry that `/metrics`
/// serves. Names follow Prometheus conventions; labels are bounded sets (message types, error
/// codes, states), never ids.
final class GatewayMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let connections: Metrics.Gauge
    private let connectionsTotal: Metrics.Counter

    init() {
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
        connections = Metrics.Gauge(label: "remit_connections", dimensions: [], factory: factory)
        connectionsTotal = Metrics.Counter(label: "remit_connections_total", dimensions: [], factory: factory)
        connections.record(0)
    }

    private let open = Atomic<Int>(0)

    func connectionOpened() {
        connectionsTotal.increment()
        connections.record(open.add(1, ordering: .relaxed).newValue)
    }

    func connectionClosed() {
        connections.record(open.subtract(1, ordering: .relaxed).newValue)
    }

    func request(_ type: String, _ code: ErrorCode) {
        Metrics.Counter(label: "remit_requests_total", dimensions: [("type", type), ("code", String(code.rawValue))],
                factory: factory).increment()
    }

    func transfer(_ receipt: TransferReceipt) {
        guard !receipt.replayed else { return }
        Metrics.Counter(label: "remit_transfers_total", dimensions: [("state", receipt.state.rawValue)], factory: factory).increment()
    }

    func ledgerCommits(commits: Int, commands: Int) {
        Metrics.Gauge(label: "remit_ledger_commits", dimensions: [], factory: factory).record(commits)
        Metrics.Gauge(label: "remit_ledger_commands", dimensions: [], factory: factory).record(commands)
    }

    func outboxDepth(_ depth: Int) {
        Metrics.Gauge(label: "remit_outbox_depth", dimensions: [], factory: factory).record(depth)
    }

    func text() -> String { registry.emitToString() }
}

import Synchronization
