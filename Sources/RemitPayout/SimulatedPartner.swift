import Synchronization

/// A partner in process, for the demo and tests: pays after a configurable latency, and refuses,
/// leaves in doubt or answers "pending" at configurable rates (in basis points), deterministically
/// from a seed. With `pickupWaitMs`, a cash pickup waits that long to be collected, and may be
/// cancelled until then. It keeps its own record of what it paid, so a test can check that no key was
/// ever paid twice whatever the gateway did; like a real partner's deduplication records, a key is
/// remembered for `rememberMs` after its last use (`PartnerMemory`), so that a demo running for
/// weeks does not keep every payout in memory.
public final class SimulatedPartner: PartnerAdapter {
    public struct Behaviour: Sendable, Hashable {
        public var latencyMs: Int
        public var rejectBps: Int
        /// The payout happens but the answer is lost: the gateway must find out by inquiry.
        public var unknownBps: Int
        public var pendingBps: Int
        public var seed: UInt64
        /// Where to send signed callbacks (`…/callbacks`) for payouts answered "pending" or whose
        /// answer was lost, and the key to sign them with; nil sends none.
        public var callbackURL: String?
        public var callbackSecret: [UInt8]?
        /// How many of those callbacks are sent twice.
        public var duplicateCallbackBps: Int
        /// A cash pickup is answered "pending" and collected (paid) this long after; until then
        /// it can be cancelled. 0: collected at once.
        public var pickupWaitMs: Int = 0
        /// How long a key is remembered after its last submission or inquiry. The gateway asks
        /// about a leg at least every `max_inquiry_delay_ms` (60 s by default) while it waits
        /// for it, so the default is ten of those.
        public var rememberMs: Int = 600_000

        public init(latencyMs: Int = 20, rejectBps: Int = 0, unknownBps: Int = 0, pendingBps: Int = 0, seed: UInt64 = 1,
                    callbackURL: String? = nil, callbackSecret: [UInt8]? = nil, duplicateCallbackBps: Int = 0) {
            self.latencyMs = latencyMs
            self.rejectBps = rejectBps
            self.unknownBps = unknownBps
            self.pendingBps = pendingBps
            self.seed = seed
            self.callbackURL = callbackURL
            self.callbackSecret = callbackSecret
            self.duplicateCallbackBps = duplicateCallbackBps
        }
    }

    /// One key's payout: its outcome, and how many times the beneficiary was paid under it.
    private struct Record {
        var outcome: PayoutOutcome
        var paid = 0
    }

    private struct State {
        var random: UInt64
        var records: PartnerMemory<Record>
        /// Payouts made so far: their references' numbers.
        var made = 0
        /// Cash pickups waiting to be collected (each leaves within `pickupWaitMs`).
        var awaitingPickup: Set<String> = []
    }

    private static func now() -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }

    private static let start = ContinuousClock.now

    public let id: String
    public let capabilities: PartnerCapabilities
    private let behaviour: Behaviour
    private let state: Mutex<State>

    public init(id: String, capabilities: PartnerCapabilities, behaviour: Behaviour = Behaviour()) {
        self.id = id
        self.capabilities = capabilities
        self.behaviour = behaviour
        state = Mutex(State(random: behaviour.seed &* 0x9E37_79B9_7F4A_7C15 | 1,
                            // A cash pickup is remembered at least until it is collected.
                            records: PartnerMemory(retentionMs: Int64(max(behaviour.rememberMs, behaviour.pickupWaitMs, 1)),
                                                   now: Self.now())))
    }

    /// How many times each remembered key was paid (never more than once, if the partner's
    /// dedup holds).
    public var paidCounts: [String: Int] {
        state.withLock { $0.records.all.compactMapValues { $0.paid > 0 ? $0.paid : nil } }
    }

    /// Keys remembered now.
    public var rememberedKeys: Int { state.withLock { $0.records.count } }

    public func submit(_ instruction: PayoutInstruction) async -> PayoutOutcome {
        if behaviour.latencyMs > 0 { try? await Task.sleep(for: .milliseconds(behaviour.latencyMs)) }
        let outcome = decide(instruction)
        // The final answer of a pending or lost one also comes by callback, if the partner has them.
        if case .pending = outcome { callBack(instruction.idempotencyKey) }
        if case .unknown = outcome { callBack(instruction.idempotencyKey) }
        return outcome
    }

    private func decide(_ instruction: PayoutInstruction) -> PayoutOutcome {
        let key = instruction.idempotencyKey
        let now = Self.now()
        return state.withLock { state in
            if let known = state.records[key: key, now: now] { return known.outcome }  // deduplicated
            if !capabilities.covers(instruction) {
                state.records[key: key, now: now] = Record(outcome: .rejected(reason: "not covered"))
                return .rejected(reason: "not covered")
            }
            let roll = Int(Self.next(&state.random) % 10_000)
            if roll < behaviour.rejectBps {
                state.records[key: key, now: now] = Record(outcome: .rejected(reason: "account closed"))
                return .rejected(reason: "account closed")
            }
            state.made += 1
            let reference = "\(id)-\(state.made)"
            if instruction.product == "cashPickup" && behaviour.pickupWaitMs > 0 {
                state.records[key: key, now: now] = Record(outcome: .pending)
                state.awaitingPickup.insert(key)
                scheduleCollection(key, reference: reference)
                return .pending
            }
            // Paid now; the answer says "pending" or is lost at the configured rates.
            state.records[key: key, now: now] = Record(outcome: .paid(reference: reference), paid: 1)
            if roll < behaviour.rejectBps + behaviour.pendingBps { return .pending }
            if roll < behaviour.rejectBps + behaviour.pendingBps + behaviour.unknownBps {
                return .unknown(reason: "timed out")
            }
            return .paid(reference: reference)
        }
    }

    public func status(_ instruction: PayoutInstruction) async -> PayoutOutcome {
        let key = instruction.idempotencyKey
        if behaviour.latencyMs > 0 { try? await Task.sleep(for: .milliseconds(behaviour.latencyMs)) }
        let now = Self.now()
        return state.withLock { state in
            // A pending payout has completed by the time it is asked about.
            state.records[key: key, now: now]?.outcome ?? .rejected(reason: "no such payout")
        }
    }

    /// A payout not yet made (a cash pickup waiting, or one never received) is cancelled, and
    /// its key refused from then on; a paid one is not.
    public func cancel(_ instruction: PayoutInstruction) async -> CancelOutcome {
        if behaviour.latencyMs > 0 { try? await Task.sleep(for: .milliseconds(behaviour.latencyMs)) }
        let now = Self.now()
        return state.withLock { state in
            let key = instruction.idempotencyKey
            switch state.records[key: key, now: now]?.outcome {
            case .paid?:
                return .refused(reason: state.awaitingPickup.contains(key) ? "collected" : "paid")
            case .pending?, .rejected?, .reversed?, nil:
                state.awaitingPickup.remove(key)
                state.records[key: key, now: now] = Record(outcome: .rejected(reason: "cancelled"))
                return .cancelled
            case .unknown?, .busy?:
                return .unknown(reason: "not recorded")
            }
        }
    }

    /// The beneficiary collects the cash after `pickupWaitMs`, unless it was cancelled first.
    private func scheduleCollection(_ key: String, reference: String) {
        let wait = behaviour.pickupWaitMs
        Task {
            try? await Task.sleep(for: .milliseconds(wait))
            let now = Self.now()
            let collected = state.withLock { state -> Bool in
                guard state.awaitingPickup.remove(key) != nil,
                      case .pending? = state.records[key: key, now: now]?.outcome else { return false }
                state.records[key: key, now: now] = Record(outcome: .paid(reference: reference), paid: 1)
                return true
            }
            if collected { callBack(key) }
        }
    }

    public func checkHealth() async -> PartnerHealthCheck { PartnerHealthCheck(.up, "simulated in process") }

    /// Sends the payout's final state to the gateway's callback endpoint after the latency,
    /// signed, in the gateway's own callback format; twice at the configured rate.
    private func callBack(_ key: String) {
        guard let base = behaviour.callbackURL, let secret = behaviour.callbackSecret else { return }
        let now = Self.now()
        let (outcome, twice) = state.withLock { state -> (PayoutOutcome?, Bool) in
            (state.records[key: key, now: now]?.outcome, Int(Self.next(&state.random) % 10_000) < behaviour.duplicateCallbackBps)
        }
        guard case .paid(let reference) = outcome else { return }
        let url = "\(base.hasSuffix("/") ? String(base.dropLast()) : base)/\(id)/\(key)"
        let body = PartnerJSON.encode(["status": "paid", "reference": reference])
        let latency = behaviour.latencyMs
        Task {
            try? await Task.sleep(for: .milliseconds(max(latency, 10)))
            for _ in 0..<(twice ? 2 : 1) {
                _ = await CallbackSender.send(to: url, body: body, secret: secret)
            }
        }
    }

    private static func next(_ x: inout UInt64) -> UInt64 {
        x ^= x << 13
        x ^= x >> 7
        x ^= x << 17
        return x
    }
}
