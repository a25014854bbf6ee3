import Histogram
import RemitClient
import RemitProtocol
import Synchronization

/// What the load produced, shared by every lane: the latency histogram, the acknowledged
/// transfers by operator (to check against the ledger afterwards), and refusals and failures
/// counted by their code.
final class LoadRecorder: Sendable {
    struct Snapshot: Sendable {
        /// Microseconds, 1 µs to an hour, three significant digits (HdrHistogram).
        var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
        var accepted = 0
        var refused: [String: Int] = [:]
        var failed: [String: Int] = [:]
        var acknowledged: [String: [ID128]] = [:]
        var lastAcknowledgement: ContinuousClock.Instant?
    }

    private let state = Mutex(Snapshot())

    var snapshot: Snapshot { state.withLock { $0 } }

    /// A batch's results, acknowledged `micros` after it was due.
    func record(operatorId: String, _ results: [TransferResult], micros: UInt64, at instant: ContinuousClock.Instant) {
        state.withLock { state in
            // Beyond an hour counts as an hour: the run reports it as the maximum all the same.
            _ = state.histogram.record(min(max(micros, 1), 3_600_000_000), count: UInt64(results.count))
            state.lastAcknowledgement = instant
            for result in results {
                if result.errorCode == .none {
                    state.accepted += 1
                    state.acknowledged[operatorId, default: []].append(result.transferId)
                } else {
                    state.refused[result.errorCode.description, default: 0] += 1
                }
            }
        }
    }

    /// A request that got no results: an Error frame, a timeout, a closed connection.
    func failed(_ error: any Error, transfers: Int) {
        let label: String
        switch error {
        case RemitClientError.server(let message): label = message.code.description
        case RemitClientError.timeout: label = "timeout"
        case RemitClientError.connectionClosed: label = "connection closed"
        default: label = "\(error)".prefix(80).description
        }
        state.withLock { $0.failed[label, default: 0] += transfers }
    }
}

/// How many transfers remain to be sent, taken a batch at a time by the lanes.
final class LoadBudget: Sendable {
    private let remaining: Atomic<Int>
    private let sequence = Atomic<Int>(0)
    let deadline: ContinuousClock.Instant?

    init(transfers: Int?, deadline: ContinuousClock.Instant?) {
        remaining = Atomic(transfers ?? .max)
        self.deadline = deadline
    }

    /// Up to `batch` transfers and the sequence number of the first; nil when none remain or
    /// the time is up.
    func take(_ batch: Int) -> (count: Int, first: Int)? {
        if let deadline, ContinuousClock.now >= deadline { return nil }
        while true {
            let left = remaining.load(ordering: .relaxed)
            guard left > 0 else { return nil }
            let count = min(batch, left)
            if remaining.compareExchange(expected: left, desired: left - count, ordering: .relaxed).exchanged {
                return (count, sequence.wrappingAdd(count, ordering: .relaxed).oldValue)
            }
        }
    }
}
