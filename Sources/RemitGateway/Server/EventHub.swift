import Synchronization

/// Tells subscribed sessions that their operator's event stream has grown. It carries no events,
/// only the news: each session reads what it has not sent from the ledger, so a notice that is
/// merged with another, or arrives for a rolled-back slice, loses nothing.
final class EventHub: Sendable {
    private struct Listener {
        let operatorId: String
        let continuation: AsyncStream<Void>.Continuation
    }

    private let listeners = Mutex([Int: Listener]())
    private let nextId = Atomic<Int>(0)

    /// A stream that yields after each commit that appended events for `operatorId`; at most one
    /// notice waits, so a slow session never makes this grow.
    func listen(operatorId: String) -> (id: Int, notices: AsyncStream<Void>) {
        let id = nextId.wrappingAdd(1, ordering: .relaxed).oldValue
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        listeners.withLock { $0[id] = Listener(operatorId: operatorId, continuation: continuation) }
        return (id, stream)
    }

    func stopListening(_ id: Int) {
        listeners.withLock { $0.removeValue(forKey: id) }?.continuation.finish()
    }

    /// Wakes one listener (its client acknowledged events, so there is room to send more).
    func poke(_ id: Int) {
        _ = listeners.withLock { $0[id] }?.continuation.yield()
    }

    func committed(_ operators: Set<String>) {
        listeners.withLock { listeners in
            for listener in listeners.values where operators.contains(listener.operatorId) {
                listener.continuation.yield()
            }
        }
    }

    /// Ends every stream, at shutdown.
    func finishAll() {
        let all = listeners.withLock { listeners in
            defer { listeners.removeAll() }
            return Array(listeners.values)
        }
        for listener in all { listener.continuation.finish() }
    }
}
