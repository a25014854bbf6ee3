import Synchronization

/// Per-partner load and a circuit breaker. A partner that fails to answer `threshold` times in a
/// row is left out of routing for new legs for `cooldownMs`; then one leg is let through, and
/// its answer closes the circuit or opens it again. Legs already with the partner are still
/// asked about: a breaker never turns an unknown payout into a guess.
public final class PartnerHealth: Sendable {
    public struct Settings: Sendable {
        public var threshold: Int
        public var cooldownMs: Int64

        public init(threshold: Int = 5, cooldownMs: Int64 = 30_000) {
            self.threshold = threshold
            self.cooldownMs = cooldownMs
        }
    }

    private struct Partner {
        var load = 0
        var failures = 0
        var openUntil: Int64 = 0
    }

    private let settings: Settings
    private let partners = Mutex([String: Partner]())

    public init(settings: Settings = Settings()) { self.settings = settings }

    /// Takes one of the partner's `limit` call slots, or false if all are taken.
    func acquire(_ id: String, limit: Int) -> Bool {
        partners.withLock { partners in
            guard partners[id, default: Partner()].load < limit else { return false }
            partners[id, default: Partner()].load += 1
            return true
        }
    }

    func release(_ id: String) {
        partners.withLock { $0[id, default: Partner()].load -= 1 }
    }

    /// Whether new legs may be routed to the partner at `now` (ms).
    public func isAvailable(_ id: String, now: Int64) -> Bool {
        partners.withLock { $0[id, default: Partner()].openUntil <= now }
    }

    func succeeded(_ id: String) {
        partners.withLock {
            $0[id, default: Partner()].failures = 0
            $0[id, default: Partner()].openUntil = 0
        }
    }

    /// Returns true when this failure opened the circuit.
    @discardableResult
    func failed(_ id: String, now: Int64) -> Bool {
        partners.withLock { partners in
            var partner = partners[id, default: Partner()]
            partner.failures += 1
            defer { partners[id] = partner }
            guard partner.failures >= settings.threshold, partner.openUntil <= now else { return false }
            partner.openUntil = now + settings.cooldownMs
            partner.failures = settings.threshold - 1  // one more failure after the cooldown reopens it
            return true
        }
    }

    /// Partners whose circuit is open now, for metrics and `remitctl partners health`.
    public func openCircuits(now: Int64) -> [String] {
        partners.withLock { $0.filter { $0.value.openUntil > now }.map(\.key).sorted() }
    }
}
