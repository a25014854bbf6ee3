import Metrics
import Prometheus
import RemitDomain
import RemitLedger
import RemitProtocol
import Synchronization

/// The gateway's metrics, through swift-metrics into a Prometheus registry that `/metrics`
/// serves. Names follow Prometheus conventions; labels are bounded sets (message types, error
/// codes, states), never ids.
final class GatewayMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let connections: Metrics.Gauge
    private let connectionsTotal: Metrics.Counter
    private let commitLatency: Metrics.Timer
    private let batchSize: Metrics.Recorder
    private let commitFailures: Metrics.Counter
    private let commitFailing: Metrics.Gauge
    private let checkpoints: Metrics.Counter
    private let checkpointFailures: Metrics.Counter
    private let walBytes: Metrics.Gauge
    /// The checkpointer's totals at the last scrape: the counters advance by the difference.
    private let checkpointsCounted = Mutex<(runs: Int, failures: Int)>((0, 0))

    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // A commit is an fsync: buckets from 0.5 ms to 1 s. Batches run from 1 to 8,189 commands.
        factory.durationHistogramBuckets["remit_ledger_commit_seconds"] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        ]
        factory.valueHistogramBuckets["remit_ledger_commit_commands"] = [1, 2, 5, 10, 50, 100, 500, 1_000, 5_000, 8_189, 20_000]
        self.factory = factory
        connections = Metrics.Gauge(label: "remit_connections", dimensions: [], factory: factory)
        connectionsTotal = Metrics.Counter(label: "remit_connections_total", dimensions: [], factory: factory)
        connections.record(0)
        commitLatency = Metrics.Timer(label: "remit_ledger_commit_seconds", dimensions: [], factory: factory)
        batchSize = Metrics.Recorder(label: "remit_ledger_commit_commands", dimensions: [], aggregate: true, factory: factory)
        commitFailures = Metrics.Counter(label: "remit_ledger_commit_failures_total", dimensions: [], factory: factory)
        commitFailing = Metrics.Gauge(label: "remit_ledger_commit_failing", dimensions: [], factory: factory)
        commitFailing.record(0)
        checkpoints = Metrics.Counter(label: "remit_ledger_checkpoints_total", dimensions: [], factory: factory)
        checkpointFailures = Metrics.Counter(label: "remit_ledger_checkpoint_failures_total", dimensions: [], factory: factory)
        walBytes = Metrics.Gauge(label: "remit_ledger_wal_bytes", dimensions: [], factory: factory)
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
        let key = RequestLabels(type: type, code: code.rawValue)
        let counter = requests.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Metrics.Counter(label: "remit_requests_total",
                                          dimensions: [("type", type), ("code", String(code.rawValue))], factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    func transfer(_ receipt: TransferReceipt) {
        guard !receipt.replayed else { return }
        let state = receipt.state
        let counter = transfers.withLock { counters in
            if let counter = counters[state] { return counter }
            let counter = Metrics.Counter(label: "remit_transfers_total", dimensions: [("state", state.rawValue)],
                                          factory: factory)
            counters[state] = counter
            return counter
        }
        counter.increment()
    }

    // Counters by their labels, each made on first use (so that /metrics shows only what
    // happened). Making one through the factory formats its labels, checks its name and looks it
    // up under the registry's lock: a few microseconds, and every request and transfer counts.
    private struct RequestLabels: Hashable {
        let type: String
        let code: UInt16
    }
    private let requests = Mutex<[RequestLabels: Metrics.Counter]>([:])
    private let transfers = Mutex<[RemitDomain.TransferState: Metrics.Counter]>([:])

    /// Commit latency (fsync included) and commands per commit, as Prometheus histograms.
    func commit(_ report: CommitReport) {
        guard report.failure == nil else { return }
        commitLatency.recordNanoseconds(Int64(clamping: report.nanoseconds))
        batchSize.record(report.commands)
    }

    /// A commit failed (its commands were refused, nothing recorded): counted, and the gauge says
    /// 1 until a commit succeeds.
    func commitFailed() {
        commitFailures.increment()
        commitFailing.record(1)
    }

    func commitRecovered() {
        commitFailing.record(0)
    }

    /// The WAL's checkpoints beside the writer (`Ledger.checkpointStatistics`, totals since the
    /// ledger opened) and the WAL file's size, at each scrape.
    func ledgerFiles(checkpoints totals: (runs: Int, failures: Int), walBytes bytes: Int64) {
        let (runs, failures) = checkpointsCounted.withLock { counted in
            defer { counted = totals }
            return (totals.runs - counted.runs, totals.failures - counted.failures)
        }
        if runs > 0 { checkpoints.increment(by: runs) }
        if failures > 0 { checkpointFailures.increment(by: failures) }
        walBytes.record(bytes)
    }

    /// Partner call latency (a histogram per partner) and answers by kind.
    func partnerCall(_ partner: String, _ outcome: String, _ nanoseconds: UInt64) {
        Metrics.Timer(label: "remit_partner_call_seconds", dimensions: [("partner", partner)], factory: factory)
            .recordNanoseconds(Int64(clamping: nanoseconds))
        Metrics.Counter(label: "remit_partner_calls_total", dimensions: [("partner", partner), ("outcome", outcome)],
                        factory: factory).increment()
    }

    /// A partner's callback and what became of it: applied, duplicate, refused, …
    func callback(_ partner: String, _ result: String) {
        Metrics.Counter(label: "remit_callbacks_total", dimensions: [("partner", partner), ("result", result)],
                        factory: factory).increment()
    }

    func inReview(_ count: Int) {
        Metrics.Gauge(label: "remit_payouts_in_review", dimensions: [], factory: factory).record(count)
    }

    func openCircuits(_ count: Int) {
        Metrics.Gauge(label: "remit_partner_circuits_open", dimensions: [], factory: factory).record(count)
    }

    func inDoubt(_ count: Int) {
        Metrics.Gauge(label: "remit_transfers_in_doubt", dimensions: [], factory: factory).record(count)
    }

    /// Transfers' holds past `hold_expiry_hours`, still pending (`Ledger.overdueHolds`).
    func overdueHolds(_ count: Int) {
        Metrics.Gauge(label: "remit_holds_overdue", dimensions: [], factory: factory).record(count)
    }

    func outboxDepth(_ depth: Int) {
        Metrics.Gauge(label: "remit_outbox_depth", dimensions: [], factory: factory).record(depth)
    }

    /// When each certificate expires (`server`, `operator_ca`) and when the revocation list falls
    /// due (`crl_next_update`), in seconds since the epoch, for an alert weeks ahead.
    func certificates(_ expiries: [(name: String, seconds: Int64)]) {
        for (name, seconds) in expiries {
            Metrics.Gauge(label: "remit_certificate_expiry_timestamp_seconds", dimensions: [("certificate", name)], factory: factory)
                .record(seconds)
        }
    }

    func text() -> String { registry.emitToString() }
}
