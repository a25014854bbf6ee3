import Synchronization

/// Why the connection closed, as the handler saw it (a TLS alert, an Error frame from the
/// gateway, a reset), kept where a request that never reached the handler can read it.
final class CloseCause: Sendable {
    private let cause = Mutex<(any Error)?>(nil)

    /// Records the first cause; later ones are consequences of it.
    func record(_ error: any Error) {
        cause.withLock { if $0 == nil { $0 = error } }
    }

    var error: any Error {
        cause.withLock { $0 } ?? RemitClientError.connectionClosed
    }
}
