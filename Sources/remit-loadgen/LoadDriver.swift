import RemitClient
import RemitProtocol

/// Drives the gateway: `connections` mutual-TLS connections spread over the operators, each with
/// up to `window` requests of `batch` transfers in flight. Closed loop: each lane sends its next
/// batch when the last is answered. Open loop: batches are due at a fixed rate whatever the
/// gateway does, and latency counts from when a batch was due, so a slow gateway cannot hide
/// its queueing (no coordinated omission).
struct LoadDriver: Sendable {
    struct Settings: Sendable {
        var connections: Int
        var batch: Int
        var window: Int
        var transfers: Int?
        var seconds: Double?
        /// Transfers per second offered (open loop); nil for closed loop.
        var rate: Double?
        /// Transfer ids as UUIDv7 (time-ordered) rather than v4 (random).
        var timeOrderedIds = true
    }

    let settings: Settings
    let operators: [LoadOperator]
    let recorder: LoadRecorder

    /// Connects every connection first, then runs the load; returns when it is all answered.
    func run() async throws -> (started: ContinuousClock.Instant, ended: ContinuousClock.Instant) {
        var clients: [(RemitClient, LoadOperator)] = []
        for index in 0..<settings.connections {
            let target = operators[index % operators.count]
            clients.append((try await RemitClient.connect(target.client), target))
        }
        defer { for (client, _) in clients { Task { try? await client.close() } } }
        let started = ContinuousClock.now
        let budget = LoadBudget(transfers: settings.transfers,
                                deadline: settings.seconds.map { started + .milliseconds(Int64($0 * 1_000)) })
        if let rate = settings.rate {
            try await openLoop(clients, budget, rate: rate, started: started)
        } else {
            await closedLoop(clients, budget)
        }
        return (started, recorder.snapshot.lastAcknowledgement ?? ContinuousClock.now)
    }

    private func closedLoop(_ clients: [(RemitClient, LoadOperator)], _ budget: LoadBudget) async {
        await withDiscardingTaskGroup { group in
            for (client, target) in clients {
                for _ in 0..<settings.window {
                    group.addTask {
                        while let (count, first) = budget.take(settings.batch) {
                            await send(client, target, count: count, first: first, due: .now)
                        }
                    }
                }
            }
        }
    }

    private func openLoop(_ clients: [(RemitClient, LoadOperator)], _ budget: LoadBudget, rate: Double,
                          started: ContinuousClock.Instant) async throws {
        let interval = Duration.nanoseconds(Int64(Double(settings.batch) / rate * 1_000_000_000))
        let windows = clients.map { _ in Window(settings.window) }
        await withDiscardingTaskGroup { group in
            var next = started
            var index = 0
            while true {
                // Everything due by now goes out at once; then sleep until the next is due.
                while next <= .now {
                    guard let (count, first) = budget.take(settings.batch) else { return }
                    let due = next, slot = index % clients.count
                    let (client, target) = clients[slot]
                    group.addTask {
                        await windows[slot].acquire()
                        await send(client, target, count: count, first: first, due: due)
                        await windows[slot].release()
                    }
                    next += interval
                    index += 1
                }
                try? await Task.sleep(until: next, clock: .continuous)
            }
        }
    }

    private func send(_ client: RemitClient, _ target: LoadOperator, count: Int, first: Int,
                      due: ContinuousClock.Instant) async {
        let transfers = target.transfers(first..<first + count, timeOrdered: settings.timeOrderedIds)
        do {
            let results = try await client.submit(transfers)
            let now = ContinuousClock.now
            let elapsed = now - due
            let micros = UInt64(max(0, elapsed.components.seconds)) * 1_000_000
                + UInt64(max(0, elapsed.components.attoseconds / 1_000_000_000_000))
            recorder.record(operatorId: target.id, results, micros: micros, at: now)
        } catch {
            recorder.failed(error, transfers: count)
        }
    }
}

/// At most `limit` requests of one connection in flight (open loop); the rest wait their turn.
actor Window {
    private let limit: Int
    private var inFlight = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ limit: Int) { self.limit = limit }

    func acquire() async {
        if inFlight < limit {
            inFlight += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            inFlight -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
