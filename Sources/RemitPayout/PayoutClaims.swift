import RemitLedger

/// The legs the dispatcher is handling now, by idempotency key, so that no leg is handled twice
/// at once; and the legs let go while a poll was reading the outbox, so that the poll does not
/// take one up again from its older read.
///
/// A poll reads the outbox from a snapshot. A leg handled meanwhile (sent, paid and let go) is
/// still open in that snapshot: claimed by key alone, it would be handled a second time from
/// its old state. A leg the snapshot shows dispatched and due (sent again after its partner's
/// call slots were all taken) was then submitted to its partner again, which deduplicated it,
/// and its second "paid" refused by the ledger: 711 times while remitd drained 131,024 legs.
/// Such a leg is left to the next poll, whose read comes after its release and so after the
/// commits its handler waited for.
///
///     var claims = PayoutClaims()
///     claims.beginRead()
///     let work = try ledger.payoutWork(now: now, limit: 256)     // meanwhile, handlers `release`
///     for item in claims.claimRead(work) { … handle, then release … }
struct PayoutClaims: Sendable {
    private var inFlight: Set<String> = []
    /// Keys let go since `beginRead`, until `claimRead`; nil while no poll is reading.
    private var releasedDuringRead: Set<String>?

    /// Claims one leg read after any handler of it let go (a callback's or a cancellation's own
    /// fresh read): false if it is being handled now.
    mutating func claim(_ key: String) -> Bool { inFlight.insert(key).inserted }

    mutating func release(_ key: String) {
        inFlight.remove(key)
        releasedDuringRead?.insert(key)
    }

    /// Called before a poll reads the outbox: from here, letting a leg go is remembered.
    mutating func beginRead() { releasedDuringRead = [] }

    /// Claims the poll's legs that are neither being handled nor let go since `beginRead`, in
    /// their order. The keys remembered are at most the legs handled while the read ran.
    mutating func claimRead(_ work: [PayoutWork]) -> [PayoutWork] {
        let released = releasedDuringRead ?? []
        releasedDuringRead = nil
        return work.filter { !released.contains($0.idempotencyKey) && inFlight.insert($0.idempotencyKey).inserted }
    }
}
