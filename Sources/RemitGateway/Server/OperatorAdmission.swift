import NIOCore
import Synchronization

/// Per-operator limits shared by all of an operator's connections: how many connections it may
/// hold open, and how many requests a second it may send (a token bucket refilled continuously,
/// holding at most one second's worth).
final class OperatorAdmission: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: NIODeadline
    }

    private struct State {
        var connections: [String: Int] = [:]
        var buckets: [String: Bucket] = [:]
        var maxConnections: Int
        var requestsPerSecond: Int
    }

    private let state: Mutex<State>

    init(maxConnectionsPerOperator: Int, requestsPerSecond: Int) {
        state = Mutex(State(maxConnections: maxConnectionsPerOperator, requestsPerSecond: requestsPerSecond))
    }

    /// New limits (a reload): connections already open stay open even above the new limit.
    func update(maxConnectionsPerOperator: Int, requestsPerSecond: Int) {
        state.withLock {
            $0.maxConnections = maxConnectionsPerOperator
            $0.requestsPerSecond = requestsPerSecond
        }
    }

    /// Takes a connection slot, or returns false when the operator has all of its own.
    func openConnection(_ operatorId: String) -> Bool {
        state.withLock { state in
            let open = state.connections[operatorId, default: 0]
            guard open < state.maxConnections else { return false }
            state.connections[operatorId] = open + 1
            return true
        }
    }

    func closeConnection(_ operatorId: String) {
        state.withLock { state in
            let open = state.connections[operatorId, default: 0]
            precondition(open > 0, "closing a connection that was never opened")
            state.connections[operatorId] = open == 1 ? nil : open - 1
        }
    }

    func connections(_ operatorId: String) -> Int { state.withLock { $0.connections[operatorId, default: 0] } }

    /// Takes one request's token; if there is none, the milliseconds until there will be.
    func admitRequest(_ operatorId: String, now: NIODeadline = .now()) -> UInt32? {
        state.withLock { state in
            let rate = Double(state.requestsPerSecond)
            var bucket = state.buckets[operatorId] ?? Bucket(tokens: rate, updated: now)
            let elapsed = Double((now - bucket.updated).nanoseconds) / 1e9
            bucket.tokens = min(rate, bucket.tokens + max(0, elapsed) * rate)
            bucket.updated = now
            defer { state.buckets[operatorId] = bucket }
            guard bucket.tokens >= 1 else {
                return UInt32(((1 - bucket.tokens) / rate * 1_000).rounded(.up))
            }
            bucket.tokens -= 1
            return nil
        }
    }
}
