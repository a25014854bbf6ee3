import Synchronization

/// Which partners operations have turned off while running (`remitctl partners disable`). A
/// disabled partner takes no new legs; legs already with it are still settled. The switch lasts
/// until the next start; the configuration's `enabled` is the lasting one.
public final class PartnerSwitches: Sendable {
    private let disabled = Mutex(Set<String>())

    public init() {}

    public func isEnabled(_ id: String) -> Bool { !disabled.withLock { $0.contains(id) } }

    public func set(_ id: String, enabled: Bool) {
        disabled.withLock { if enabled { $0.remove(id) } else { $0.insert(id) } }
    }

    public var disabledPartners: [String] { disabled.withLock { $0.sorted() } }
}
