/// What a simulated partner remembers per idempotency key, for as long as a real partner keeps
/// its deduplication records: at least `retention` after the key was last used, at most twice
/// that, so that memory stays bounded by the rate of new keys whatever the process's uptime.
///
/// Two generations: every use moves a key into the current one, and each `retention` the
/// current generation becomes the older one and the older one is dropped. O(1) per use, no
/// timestamps per key.
///
/// ```swift
/// var memory = PartnerMemory<Int>(retentionMs: 1_000, now: 0)
/// memory[key: "a", now: 0] = 1
/// memory[key: "a", now: 1_500]   // 1: used within the retention, kept
/// memory[key: "a", now: 4_000]   // nil: unused for longer than twice the retention
/// ```
struct PartnerMemory<Value> {
    let retentionMs: Int64
    private var current: [String: Value] = [:]
    private var older: [String: Value] = [:]
    private var rotatesAt: Int64

    init(retentionMs: Int64, now: Int64) {
        precondition(retentionMs > 0, "a retention of at least 1 ms")
        self.retentionMs = retentionMs
        rotatesAt = now + retentionMs
    }

    /// Keys remembered now, in both generations.
    var count: Int { current.count + older.count }

    /// Every remembered key and its value.
    var all: [String: Value] { older.merging(current) { $1 } }

    subscript(key key: String, now now: Int64) -> Value? {
        mutating get {
            rotate(now)
            if let value = current[key] { return value }
            guard let value = older.removeValue(forKey: key) else { return nil }
            current[key] = value
            return value
        }
        set {
            rotate(now)
            older.removeValue(forKey: key)
            current[key] = newValue
        }
    }

    private mutating func rotate(_ now: Int64) {
        guard now >= rotatesAt else { return }
        // Two periods without a use: nothing in either generation was used since.
        older = now >= rotatesAt + retentionMs ? [:] : current
        current = [:]
        rotatesAt = now + retentionMs
    }
}
