import Logging
import RemitDomain
import RemitLedger
import ServiceLifecycle
import Synchronization

/// Drains the payout outbox: routes each new leg, sends it, and reports every answer to the
/// ledger, where it is committed exactly once (the leg's state graph refuses a second report).
/// A timeout makes a leg in doubt, never failed: the dispatcher asks the partner about it with
/// growing delays, and after `maxInquiries` leaves it for operations. After a restart it carries
/// on from the outbox: legs sent before the crash are sent again under the same idempotency key,
/// which the partner deduplicates, once their answer is overdue (see `Outcome.dispatched`).
public final class PayoutDispatcher: Service, Sendable {
    public struct Policy: Sendable {
        public var pollIntervalMs: Int64
        public var firstInquiryMs: Int64
        public var maxInquiryDelayMs: Int64
        public var maxInquiries: Int
        public var batch: Int

        public init(pollIntervalMs: Int64 = 200, firstInquiryMs: Int64 = 1_000, maxInquiryDelayMs: Int64 = 60_000,
                    maxInquiries: Int = 10, batch: Int = 256) {
            self.pollIntervalMs = pollIntervalMs
            self.firstInquiryMs = firstInquiryMs
            self.maxInquiryDelayMs = maxInquiryDelayMs
            self.maxInquiries = maxInquiries
            self.batch = batch
        }
    }

    let ledger: Ledger
    let router: PayoutRouter
    let policy: Policy
    let logger: Logger
    let clock: @Sendable () -> Int64
    public let health: PartnerHealth
    /// Told about every partner call: the partner, the kind of answer, how long it took.
    let callObserver: @Sendable (_ partner: String, _ outcome: String, _ nanoseconds: UInt64) -> Void
    private let claims = Mutex(PayoutClaims())
    private let wakeSignal = WakeSignal()

    public init(ledger: Ledger, router: PayoutRouter, policy: Policy = Policy(), health: PartnerHealth = PartnerHealth(),
                logger: Logger, clock: @escaping @Sendable () -> Int64 = Ledger.wallClock,
                callObserver: @escaping @Sendable (String, String, UInt64) -> Void = { _, _, _ in }) {
        self.health = health
        self.callObserver = callObserver
        self.ledger = ledger
        self.router = router
        self.policy = policy
        self.logger = logger
        self.clock = clock
    }

    /// New work may be waiting (a commit added outbox rows).
    public func wake() { wakeSignal.signal() }

    public func run() async throws {
        logger.info("payout dispatcher started", metadata: ["partners": "\(router.partners.map(\.id))"])
        let stopping = Atomic<Bool>(false)
        await withGracefulShutdownHandler {
            // Legs already handed to a partner finish (each call is bounded by its timeout) and
            // are reported before the group, and so the dispatcher, ends.
            await withDiscardingTaskGroup { group in
                while !stopping.load(ordering: .relaxed) && !Task.isCancelled {
                    for item in await self.takeDueWork() {
                        group.addTask { await self.handle(item) }
                    }
                    // Until woken or the poll interval passes, whichever is first.
                    await self.wakeSignal.wait(timeout: .milliseconds(self.policy.pollIntervalMs))
                }
            }
        } onGracefulShutdown: {
            stopping.store(true, ordering: .relaxed)
            self.wake()
        }
        logger.info("payout dispatcher stopped")
    }

    /// One poll: the due legs of the outbox, each claimed for this round unless it is being
    /// handled now or was let go while they were read (`PayoutClaims`: its read is older than
    /// that handler's last commit). `read` is the ledger's outbox unless a test interleaves.
    func takeDueWork(read: (() async throws -> [PayoutWork])? = nil) async -> [PayoutWork] {
        claims.withLock { $0.beginRead() }
        let work: [PayoutWork]
        if let read {
            work = (try? await read()) ?? []
        } else {
            work = (try? ledger.payoutWork(now: clock(), limit: policy.batch)) ?? []
        }
        return claims.withLock { $0.claimRead(work) }
    }

    /// Takes a leg read after any handler of it let go (a callback's or a cancellation's own read).
    func claim(_ item: PayoutWork) -> Bool {
        claims.withLock { $0.claim(item.idempotencyKey) }
    }

    func release(_ item: PayoutWork) {
        claims.withLock { $0.release(item.idempotencyKey) }
    }

    /// When a leg sent to `partner` now is work again if its answer was never recorded: after the
    /// call's timeout and one more round.
    private func answerDue(_ partner: RoutedPartner) -> Int64 {
        clock() + partner.timeoutMs + policy.pollIntervalMs
    }

    private func instruction(_ item: PayoutWork) -> PayoutInstruction? {
        guard let currency = try? Currency(item.payoutCurrency) else { return nil }
        return PayoutInstruction(idempotencyKey: item.idempotencyKey, product: item.product, account: item.account,
                                 amount: Money(item.payoutAmount, currency), country: item.payoutCountry,
                                 originCountry: item.sendCountry, senderName: item.senderName,
                                 beneficiaryName: item.beneficiaryName)
    }

    func handle(_ item: PayoutWork) async {
        defer { release(item) }
        var logger = self.logger
        logger[metadataKey: "transfer"] = "\(item.transferId)"
        logger[metadataKey: "leg"] = "\(item.leg)"
        guard let instruction = instruction(item) else {
            await report(item, .failed(.noPartnerAvailable), logger)
            return
        }
        // A contribution to a collective-remittance project is paid into the project's escrow
        // by the ledger itself, with its sponsors' matches (docs/projects.md); no partner has it.
        if item.product == ProjectPlan.contributionProduct {
            guard item.state == .pending, !item.redirect else {
                // A failed leg's money redirected to a contribution leg: no project takes a redirect.
                if item.redirect { await report(item, .failed(.noPartnerAvailable), logger) }
                return
            }
            if case .rejected(let error) = await ledger.apply(.settleContribution(operatorId: item.operatorId,
                                                                                  transferId: item.transferId, leg: item.leg)) {
                logger.error("contribution not settled", metadata: ["error": "\(error)"])
            }
            return
        }
        switch item.state {
        case .pending:
            let candidates = router.candidates(for: instruction, institution: item.institution)
            guard !candidates.isEmpty else {
                logger.warning("no partner can pay this leg")
                await report(item, .failed(.noPartnerAvailable), logger)
                return
            }
            // The first whose circuit is closed; if all are open, wait for one to reopen.
            guard let partner = candidates.first(where: { health.isAvailable($0.id, now: clock()) }) else {
                await report(item, .retry(dueAt: clock() + policy.firstInquiryMs, inquiry: false), logger)
                return
            }
            guard await report(item, .dispatched(partner: partner.id, answerDueAt: answerDue(partner)), logger) else { return }
            await send(item, instruction, partner, logger)
        case .dispatched:
            // Sent before, answer never recorded (a restart, or "pending"): ask, do not guess.
            guard let partner = router.partner(item.partner) else { return }
            if item.inquiries > 0 {
                await inquire(item, instruction, partner, logger)
            } else {
                await send(item, instruction, partner, logger)
            }
        case .inDoubt:
            guard let partner = router.partner(item.partner) else { return }
            await inquire(item, instruction, partner, logger)
        default:
            return
        }
    }

    private func send(_ item: PayoutWork, _ instruction: PayoutInstruction, _ partner: RoutedPartner, _ logger: Logger) async {
        guard let outcome = await call(partner, { await partner.adapter.submit(instruction) }) else {
            // The partner's call slots are all taken: the leg stays dispatched and is sent next round.
            await report(item, .retry(dueAt: clock() + policy.pollIntervalMs, inquiry: false), logger)
            return
        }
        await settle(item, instruction, partner, outcome, logger)
    }

    /// What a partner's answer to a submission means for the leg, however it arrived; false if
    /// the ledger did not record it (it cannot commit now, or the leg moved on), so that a
    /// callback is answered "send again" rather than "applied".
    @discardableResult
    private func settle(_ item: PayoutWork, _ instruction: PayoutInstruction, _ partner: RoutedPartner,
                        _ outcome: PayoutOutcome, _ logger: Logger) async -> Bool {
        switch outcome {
        case .paid(let reference):
            return await report(item, .paid(partnerReference: reference), logger)
        case .rejected(let reason):
            if let next = router.next(after: partner.id, for: instruction, institution: item.institution) {
                logger.info("partner refused; trying the next", metadata: ["partner": "\(partner.id)", "reason": "\(reason)",
                                                                          "next": "\(next.id)"])
                var moved = item
                moved.partner = next.id
                guard await report(item, .dispatched(partner: next.id, answerDueAt: answerDue(next)), logger) else { return false }
                await send(moved, instruction, next, logger)
                return true
            } else {
                logger.info("payout refused", metadata: ["partner": "\(partner.id)", "reason": "\(reason)"])
                return await report(item, .failed(.partnerRejected), logger)
            }
        case .reversed(let reason):
            // Paid and reversed before the gateway heard of the payment: the money is back, and
            // the beneficiary's account is why, so no other partner is tried with it.
            logger.warning("payout reversed by the partner before it was recorded as paid",
                           metadata: ["partner": "\(partner.id)", "reason": "\(reason)"])
            return await report(item, .failed(.partnerReversed), logger)
        case .pending:
            // Taken, not final: from here on the partner is asked for the payout's status, with
            // growing delays, and after `maxInquiries` the leg waits for operations.
            return await report(item, .retry(dueAt: clock() + backoff(item.inquiries + 1), inquiry: true, taken: true), logger)
        case .busy(let reason):
            // Not taken, and the partner's circuit is open now: if the partner never had this
            // payout, the next partner that can pay it takes it at once.
            if !item.taken, !health.isAvailable(partner.id, now: clock()),
               let next = router.next(after: partner.id, for: instruction, institution: item.institution),
               health.isAvailable(next.id, now: clock()) {
                logger.warning("partner unavailable; the leg goes to the next", metadata: [
                    "partner": "\(partner.id)", "reason": "\(reason)", "next": "\(next.id)"])
                var moved = item
                moved.partner = next.id
                guard await report(item, .dispatched(partner: next.id, answerDueAt: answerDue(next)), logger) else { return false }
                await send(moved, instruction, next, logger)
                return true
            }
            // Not taken: send again later, the delay doubling with each attempt, with jitter.
            let delay = backoff(item.attempts)
            logger.info("partner busy; will send again", metadata: ["partner": "\(partner.id)", "reason": "\(reason)",
                                                                  "delayMs": "\(delay)"])
            return await report(item, .retry(dueAt: clock() + delay, inquiry: false), logger)
        case .unknown(let reason):
            logger.warning("payout in doubt", metadata: ["partner": "\(partner.id)", "reason": "\(reason)"])
            guard await report(item, .inDoubt(.partnerUnreachable), logger) else { return false }
            return await report(item, .retry(dueAt: clock() + policy.firstInquiryMs, inquiry: false), logger)
        }
    }

    /// What became of a partner's callback.
    public enum CallbackVerdict: Hashable, Sendable {
        /// Recorded now.
        case applied
        /// The leg already has this outcome: a duplicate, answered as success.
        case alreadyKnown
        /// Not final ("pending"): nothing to record.
        case noted
        /// Not recorded now (the leg is being handled this moment, or the ledger cannot commit or
        /// be read): the partner should send the callback again.
        case retryLater
        /// No payout has this key.
        case unknownPayout
        /// The leg was not sent to this partner.
        case wrongPartner
        /// The leg is settled the other way (paid, and now refused; refunded, and now paid):
        /// nothing is changed, and operations must look.
        case conflict(String)
    }

    /// A partner's asynchronous answer about a leg: committed to the ledger exactly as a direct
    /// answer would be (a refusal tries the next partner), before the callback is answered.
    public func deliver(partner partnerId: String, key: PayoutKey, outcome: PayoutOutcome) async -> CallbackVerdict {
        var logger = self.logger
        logger[metadataKey: "transfer"] = "\(key.transferId)"
        logger[metadataKey: "leg"] = "\(key.leg)"
        logger[metadataKey: "partner"] = "\(partnerId)"
        // The dispatcher may be handling this leg right now: rather than race it, the partner is
        // asked to send the callback again. Everything below is read under the claim, so a leg
        // settled a moment ago is seen settled.
        guard claims.withLock({ $0.claim(key.text) }) else { return .retryLater }
        defer { claims.withLock { $0.release(key.text) } }
        let found: TransferView?
        do { found = try ledger.transfer(operatorId: key.operatorId, id: key.transferId) } catch {
            return .retryLater  // the ledger cannot be read now: not "unknown", which partners take as final
        }
        guard let view = found, key.leg < view.legs.count else { return .unknownPayout }
        let leg = view.legs[key.leg]
        guard leg.partner == partnerId, let partner = router.partner(partnerId) else { return .wrongPartner }
        let open: PayoutWork?
        do { open = try ledger.payoutWork(key) } catch { return .retryLater }
        if open == nil {
            // Settled already: the same answer is a duplicate, the other one a conflict.
            let settled: LegState = key.redirect && leg.state == .redirected ? .paid : leg.state
            switch (settled, outcome) {
            case (.paid, .paid), (.reversed, .reversed): return .alreadyKnown
            case (.refunded, .rejected), (.failed, .rejected), (.redirected, .rejected), (.cancelled, .rejected),
                 (.refunded, .reversed), (.failed, .reversed), (.cancelled, .reversed):
                return .alreadyKnown
            case (.paid, .reversed(let reason)) where !key.redirect:
                // The partner's signed word paid the leg; the same word takes the payment back.
                let reversal = PayoutReversal(operatorId: key.operatorId, transferId: key.transferId, leg: key.leg,
                                              source: "partner", evidence: String("callback: \(reason)".prefix(500)))
                if case .rejected(let error) = await ledger.apply(.reversePayout(reversal)) {
                    logger.error("partner's reversal not recorded", metadata: ["error": "\(error)"])
                    if case .storage = error { return .retryLater }
                    return .conflict("\(error)")
                }
                logger.warning("payout reversed by the partner: the leg's money is back on the operator's prefund")
                return .applied
            case (.paid, .reversed):
                logger.error("partner reports a redirected leg's payout reversed: not booked; operations must recover it")
                return .conflict("a redirected leg's payout is not reversed automatically")
            case (.paid, .rejected):
                logger.error("partner reports a paid leg refused: not changed; a reversal is for operations")
                return .conflict("the leg is paid")
            case (_, .paid):
                logger.critical("partner reports paid a leg already refunded: not changed; operations must recover it")
                return .conflict("the leg is \(leg.state.rawValue)")
            default:
                return .noted
            }
        }
        switch outcome {
        case .pending, .unknown, .busy: return .noted
        case .paid, .rejected, .reversed: break
        }
        guard let item = open, let instruction = instruction(item) else { return .unknownPayout }
        // Not recorded (the ledger cannot commit now): the partner is asked to send it again,
        // never told it was applied.
        return await settle(item, instruction, partner, outcome, logger) ? .applied : .retryLater
    }

    /// What became of a request to cancel a transfer's open legs.
    public enum Cancellation: Hashable, Sendable {
        /// Every open leg is cancelled now (its hold voided), committed.
        case cancelled
        /// A leg cannot be cancelled: its partner refused (paid, collected, or it does not
        /// cancel), or it is a redirected leg's payout. Legs cancelled before are still cancelled.
        case refused(leg: Int, reason: String)
        /// A partner did not answer, or a leg was being sent that moment: nothing is known to
        /// have changed for that leg; ask again.
        case unconfirmed(leg: Int, reason: String)
    }

    /// Cancels a transfer's open legs at the sender's request. Legs sent to a partner are
    /// cancelled only when the partner confirms it (all asked at once, each within its timeout);
    /// legs not sent yet are cancelled only once every sent one is, so that a refusal leaves as
    /// much of the transfer as possible to be paid. The legs are held (`claim`) meanwhile, so
    /// the dispatcher does not send them.
    public func cancel(operatorId: String, transferId: TransferID, legs: [Int]) async -> Cancellation {
        var logger = self.logger
        logger[metadataKey: "transfer"] = "\(transferId)"
        var work: [PayoutWork] = []
        for leg in legs {
            guard let item = try? ledger.payoutWork(PayoutKey(operatorId: operatorId, transferId: transferId, leg: leg))
            else {
                if (try? ledger.payoutWork(PayoutKey(operatorId: operatorId, transferId: transferId, leg: leg, redirect: true)))
                    != nil {
                    return .refused(leg: leg, reason: "its money is being paid to the first leg's destination")
                }
                continue  // settled already: the caller reads what it became
            }
            work.append(item)
        }
        var claimed: [PayoutWork] = []
        defer { for item in claimed { release(item) } }
        for item in work {
            // A leg being sent this moment is waited for, briefly.
            var taken = claim(item)
            for _ in 0..<20 where !taken {
                try? await Task.sleep(for: .milliseconds(50))
                taken = claim(item)
            }
            guard taken else { return .unconfirmed(leg: item.leg, reason: "the payout is being sent right now") }
            claimed.append(item)
        }
        // Re-read under the claims: the leg may have moved while it was being waited for.
        var current: [PayoutWork] = []
        for item in claimed {
            guard let fresh = try? ledger.payoutWork(PayoutKey(operatorId: operatorId, transferId: transferId, leg: item.leg))
            else { continue }
            current.append(fresh)
        }
        let sent = current.filter { $0.state != .pending }
        let answers = await withTaskGroup(of: (PayoutWork, CancelOutcome).self) { group in
            for item in sent {
                guard let partner = router.partner(item.partner), let instruction = instruction(item) else {
                    group.addTask { (item, .unknown(reason: "partner \(item.partner) is not configured")) }
                    continue
                }
                group.addTask {
                    (item, await Self.first(within: partner.timeoutMs, { await partner.adapter.cancel(instruction) },
                                            else: .unknown(reason: "no answer within \(partner.timeoutMs) ms")))
                }
            }
            var answers: [(PayoutWork, CancelOutcome)] = []
            for await answer in group { answers.append(answer) }
            return answers.sorted { $0.0.leg < $1.0.leg }
        }
        var verdict = Cancellation.cancelled
        for (item, answer) in answers {
            switch answer {
            case .cancelled:
                logger.info("partner cancelled the payout", metadata: ["leg": "\(item.leg)", "partner": "\(item.partner)"])
                if !(await report(item, .cancelled, logger)) {
                    verdict = .unconfirmed(leg: item.leg, reason: "the cancellation could not be recorded")
                }
            case .refused(let reason):
                logger.info("partner refused to cancel", metadata: ["leg": "\(item.leg)", "reason": "\(reason)"])
                // A definite refusal says more than an unconfirmed leg.
                if case .refused = verdict {} else { verdict = .refused(leg: item.leg, reason: reason) }
            case .unknown(let reason):
                logger.warning("partner did not confirm the cancellation", metadata: ["leg": "\(item.leg)", "reason": "\(reason)"])
                if case .cancelled = verdict { verdict = .unconfirmed(leg: item.leg, reason: reason) }
            }
        }
        guard verdict == .cancelled else { return verdict }
        for item in current where item.state == .pending {
            if !(await report(item, .cancelled, logger)) {
                return .unconfirmed(leg: item.leg, reason: "the cancellation could not be recorded")
            }
        }
        return .cancelled
    }

    /// Every partner's health check, at once, each bounded by its timeout.
    public func checkPartners() async -> [(partner: String, check: PartnerHealthCheck)] {
        await withTaskGroup(of: (Int, String, PartnerHealthCheck).self) { group in
            for (index, partner) in router.partners.enumerated() {
                group.addTask {
                    let check = await Self.first(within: partner.timeoutMs, { await partner.adapter.checkHealth() },
                                                 else: PartnerHealthCheck(.down, "no answer within \(partner.timeoutMs) ms"))
                    return (index, partner.id, check)
                }
            }
            var results: [(Int, String, PartnerHealthCheck)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map { ($0.1, $0.2) }
        }
    }

    /// `body`'s answer, or `fallback` if it has none within `timeoutMs` (the body is cancelled).
    static func first<T: Sendable>(within timeoutMs: Int64, _ body: @escaping @Sendable () async -> T,
                                   else fallback: T) async -> T {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await body() }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(timeoutMs))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? fallback
        }
    }

    /// Exponential backoff with up to 25 % jitter, from the first inquiry delay to the maximum.
    func backoff(_ attempts: Int) -> Int64 {
        let delay = min(policy.maxInquiryDelayMs, policy.firstInquiryMs << min(max(attempts - 1, 0), 16))
        return delay + Int64.random(in: 0...max(delay / 4, 0))
    }

    private func inquire(_ item: PayoutWork, _ instruction: PayoutInstruction, _ partner: RoutedPartner,
                         _ logger: Logger) async {
        guard let outcome = await call(partner, { await partner.adapter.status(instruction) }) else {
            await report(item, .retry(dueAt: clock() + policy.pollIntervalMs, inquiry: false), logger)
            return
        }
        switch outcome {
        case .paid(let reference):
            await report(item, .paid(partnerReference: reference), logger)
        case .rejected:
            await report(item, .failed(.partnerRejected), logger)
        case .reversed:
            await report(item, .failed(.partnerReversed), logger)
        case .pending, .unknown, .busy:
            if item.inquiries + 1 >= policy.maxInquiries {
                logger.error("payout still in doubt after \(item.inquiries + 1) inquiries: left for review")
                await report(item, .review, logger)
            } else {
                await report(item, .retry(dueAt: clock() + backoff(item.inquiries + 2), inquiry: true), logger)
            }
        }
    }

    /// One partner call, bounded in time (no answer within the partner's timeout is `.unknown`)
    /// and in number (nil when all of the partner's `max_concurrency` slots are taken). Feeds
    /// the partner's circuit breaker.
    private func call(_ partner: RoutedPartner, _ body: @escaping @Sendable () async -> PayoutOutcome) async
        -> PayoutOutcome?
    {
        guard health.acquire(partner.id, limit: partner.maxConcurrency) else { return nil }
        defer { health.release(partner.id) }
        let started = ContinuousClock.now
        let outcome = await Self.first(within: partner.timeoutMs, body,
                                       else: .unknown(reason: "no answer within \(partner.timeoutMs) ms"))
        let elapsed = ContinuousClock.now - started
        callObserver(partner.id, outcome.kind, UInt64(elapsed.components.seconds) * 1_000_000_000
                         + UInt64(elapsed.components.attoseconds / 1_000_000_000))
        switch outcome {
        case .unknown, .busy:
            if health.failed(partner.id, now: clock()) {
                logger.error("partner circuit opened: new legs go elsewhere or wait", metadata: ["partner": "\(partner.id)"])
            }
        case .paid, .rejected, .pending, .reversed:
            health.succeeded(partner.id)
        }
        return outcome
    }

    /// Commits a report; false if the ledger refused it (the leg moved on meanwhile).
    @discardableResult
    private func report(_ item: PayoutWork, _ outcome: LegReport.Outcome, _ logger: Logger) async -> Bool {
        let report = LegReport(operatorId: item.operatorId, transferId: item.transferId, leg: item.leg, outcome: outcome,
                               redirect: item.redirect)
        let result = await ledger.apply(.reportLeg(report))
        if case .rejected(let error) = result {
            logger.warning("payout report not recorded", metadata: ["outcome": "\(outcome)", "error": "\(error)"])
            return false
        }
        return true
    }
}
