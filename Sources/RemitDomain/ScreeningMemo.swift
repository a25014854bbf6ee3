import Synchronization

/// Screening results already computed against one set of lists, by everything that decides
/// them: the party's name as given, date of birth and country. Senders and beneficiaries come back
/// month after month under the same name, and a result depends on nothing else while the lists
/// stay the same (a new list makes a new `Screener`, with an empty memo), so a remembered result
/// is the result. At most `capacity` results; when full it starts again empty, which bounds the
/// memory without bookkeeping on the hot path.
///
/// ```swift
/// let memo = ScreeningMemo(capacity: 16_384)
/// memo.remember(key, result)
/// memo.result(key)   // result
/// ```
final class ScreeningMemo: Sendable {
    struct Key: Hashable, Sendable {
        var name: String
        var dateOfBirth: UInt32
        var country: String?
    }

    let capacity: Int
    private let results: Mutex<[Key: Screener.Result]>

    init(capacity: Int) {
        precondition(capacity >= 0)
        self.capacity = capacity
        results = Mutex([:])
    }

    func result(_ key: Key) -> Screener.Result? {
        guard capacity > 0 else { return nil }
        return results.withLock { $0[key] }
    }

    func remember(_ key: Key, _ result: Screener.Result) {
        guard capacity > 0 else { return }
        results.withLock { results in
            if results.count >= capacity { results.removeAll(keepingCapacity: true) }
            results[key] = result
        }
    }

    var count: Int { results.withLock { $0.count } }
}
