import Foundation

/// One run's figures, for people (a short table) or scripts (JSON).
struct LoadReport {
    struct Verification {
        var checked: Int
        var missing: Int
    }

    var mode: String
    var connections: Int
    var batch: Int
    var window: Int
    var offeredRate: Double?
    var snapshot: LoadRecorder.Snapshot
    var seconds: Double
    var verification: Verification?

    var throughput: Double { seconds > 0 ? Double(snapshot.accepted) / seconds : 0 }
    var clean: Bool {
        snapshot.refused.isEmpty && snapshot.failed.isEmpty && (verification?.missing ?? 0) == 0
    }

    var latencies: [(String, UInt64)] {
        let h = snapshot.histogram
        guard h.totalCount > 0 else { return [("p50", 0), ("p99", 0), ("p99.9", 0), ("max", 0)] }
        return [("p50", h.valueAtPercentile(50)), ("p99", h.valueAtPercentile(99)), ("p99.9", h.valueAtPercentile(99.9)),
                ("max", h.max)]
    }

    var text: String {
        var lines = [
            "mode \(mode)\(offeredRate.map { String(format: ", offered %.0f/s", $0) } ?? ""), \(connections) connections, "
                + "batch \(batch), window \(window)",
            String(format: "acknowledged %d transfers in %.3f s: %.0f transfers/s", snapshot.accepted, seconds, throughput),
            "acknowledgement latency (ms): " + latencies.map { String(format: "%@ %.3f", $0.0, Double($0.1) / 1_000) }
                .joined(separator: "  "),
        ]
        for (label, count) in snapshot.refused.sorted(by: { $0.key < $1.key }) { lines.append("refused \(label): \(count)") }
        for (label, count) in snapshot.failed.sorted(by: { $0.key < $1.key }) {
            lines.append("not answered (\(label)): \(count) transfers")
        }
        if let verification {
            lines.append("ledger: \(verification.checked) acknowledged transfers checked, \(verification.missing) missing")
        }
        return lines.joined(separator: "\n")
    }

    var json: String {
        var object: [String: Any] = [
            "mode": mode, "connections": connections, "batch": batch, "window": window,
            "acknowledged": snapshot.accepted, "seconds": seconds, "transfersPerSecond": throughput,
            "latencyMicros": Dictionary(uniqueKeysWithValues: latencies.map { ($0.0, $0.1) }),
            "refused": snapshot.refused, "failed": snapshot.failed,
        ]
        object["offeredRate"] = offeredRate
        if let verification { object["ledger"] = ["checked": verification.checked, "missing": verification.missing] }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
