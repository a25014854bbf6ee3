/// How a simulated partner behaves (`adapter = "simulated"`), as configured: the gateway turns it
/// into the simulator's own behaviour, adding where its callbacks go.
public struct SimulatedSettings: Sendable, Hashable {
    public var latencyMs = 20
    public var rejectBps = 0
    /// The payout happens but the answer is lost: the gateway must find out by inquiry.
    public var unknownBps = 0
    public var pendingBps = 0
    public var seed: UInt64 = 1
    /// How many of its signed callbacks are sent twice.
    public var duplicateCallbackBps = 0
    /// A cash pickup is answered "pending" and collected this long after.
    public var pickupWaitMs = 0
    /// How long a key is remembered after its last submission or inquiry.
    public var rememberMs = 600_000

    public init(latencyMs: Int = 20, rejectBps: Int = 0, unknownBps: Int = 0, pendingBps: Int = 0, seed: UInt64 = 1,
                duplicateCallbackBps: Int = 0) {
        self.latencyMs = latencyMs
        self.rejectBps = rejectBps
        self.unknownBps = unknownBps
        self.pendingBps = pendingBps
        self.seed = seed
        self.duplicateCallbackBps = duplicateCallbackBps
    }
}
