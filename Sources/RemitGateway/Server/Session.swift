import Logging
import NIOCore
import NIOSSL
import RemitDomain
import RemitLedger
import RemitProtocol
import Synchronization

/// One operator connection, from Hello to close (PROTOCOL.md section 2). Requests are answered
/// concurrently up to `max_in_flight_requests`; beyond that the session stops taking frames from
/// the channel, whose bounded inbound buffer then stops reading the socket (TCP backpressure).
struct Session {
    typealias Connection = NIOAsyncChannel<Result<Frame, ProtocolError>, Frame>
    typealias Outbound = NIOAsyncChannelOutboundWriter<Frame>

    let environment: SessionEnvironment
    let connection: Connection
    /// 1 until Welcome, then the version both sides speak: every frame written carries it.
    private let negotiated = NegotiatedVersion()

    func run() async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                guard let (operatorId, welcome) = try await greet(&frames, outbound) else { return }
                defer { environment.admission.closeConnection(operatorId) }
                environment.metrics.connectionOpened()
                defer { environment.metrics.connectionClosed() }
                var logger = environment.logger
                logger[metadataKey: "operator"] = "\(operatorId)"
                logger[metadataKey: "session"] = "\(welcome.sessionId)"
                logger.info("session started")
                try await serve(&frames, outbound, operatorId: operatorId, logger: logger)
                logger.info("session ended")
            }
        } catch {
            environment.logger.debug("connection closed: \(error)")
        }
    }

    // MARK: Hello

    /// Reads Hello and answers Welcome; any refusal is answered and ends the connection.
    private func greet(_ frames: inout NIOAsyncChannelInboundStream<Result<Frame, ProtocolError>>.AsyncIterator,
                       _ outbound: Outbound) async throws -> (String, Welcome)? {
        guard let first = try await frames.next() else { return nil }
        let frame: Frame
        switch first {
        case .failure(let error):
            try await send(outbound, error.requestId, .error(error.message))
            return nil
        case .success(let f): frame = f
        }
        guard case .hello(let hello) = frame.message else {
            try await refuse(outbound, frame.requestId, .unexpectedMessage, "the first frame must be Hello")
            return nil
        }
        let spoken = FrameHeader.versions
        guard frame.version == FrameHeader.helloVersion else {
            try await refuse(outbound, frame.requestId, .unsupportedVersion, "Hello travels in a version-1 header")
            return nil
        }
        guard hello.minVersion <= spoken.upperBound, hello.maxVersion >= spoken.lowerBound else {
            try await refuse(outbound, frame.requestId, .unsupportedVersion,
                             "this gateway speaks versions \(spoken.lowerBound) to \(spoken.upperBound); Hello offered \(hello.minVersion)...\(hello.maxVersion)")
            return nil
        }
        let version = min(hello.maxVersion, spoken.upperBound)
        let certificate = try await connection.channel.nioSSL_peerCertificate().get()
        let configuration = environment.configuration
        guard let name = certificate.flatMap(Identity.commonName(of:)),
              let member = configuration.operatorFor(certificateName: name)
        else {
            environment.logger.warning("refused a client certificate that maps to no operator",
                                       metadata: ["commonName": "\(certificate.flatMap(Identity.commonName(of:)) ?? "-")"])
            try await refuse(outbound, frame.requestId, .unknownOperator, "the certificate maps to no configured operator")
            return nil
        }
        guard !member.suspended else {
            try await refuse(outbound, frame.requestId, .operatorSuspended, "operator \(member.id) is suspended")
            return nil
        }
        guard environment.admission.openConnection(member.id) else {
            try await refuse(outbound, frame.requestId, .tooManyConnections,
                             "operator \(member.id) already has \(configuration.server.maxConnectionsPerOperator) connections",
                             retryAfterMs: 1_000)
            return nil
        }
        let server = configuration.server
        let limits = environment.limits
        let welcome = Welcome(
            version: version, maxLegsPerTransfer: UInt16(limits.maxLegsPerTransfer), maxBodyLength: UInt32(limits.maxBodyLength),
            maxBatchTransfers: UInt16(limits.maxBatchTransfers), maxInFlightRequests: UInt16(server.maxInFlightRequests),
            heartbeatIntervalMs: UInt32(server.heartbeatIntervalMs), idleTimeoutMs: UInt32(server.idleTimeoutMs),
            eventWindow: UInt16(server.eventWindow), serverTime: environment.clock(),
            sessionId: environment.nextSessionId(), operatorId: member.id, serverName: String(server.name.prefix(64)))
        do {
            // Welcome itself travels in version 1, like Hello; every frame after it in `version`.
            try await send(outbound, frame.requestId, .welcome(welcome))
            negotiated.set(version)
        } catch {
            environment.admission.closeConnection(member.id)
            throw error
        }
        return (member.id, welcome)
    }

    private func refuse(_ outbound: Outbound, _ requestId: UInt64, _ code: ErrorCode, _ detail: String,
                        retryAfterMs: UInt32 = 0) async throws {
        try await send(outbound, requestId, .error(ErrorMessage(code: code, retryAfterMs: retryAfterMs, detail: detail)))
    }

    private func send(_ outbound: Outbound, _ requestId: UInt64, _ message: Message) async throws {
        try await outbound.write(Frame(version: negotiated.current, requestId: requestId, message: message))
    }

    // MARK: requests

    private func serve(_ frames: inout NIOAsyncChannelInboundStream<Result<Frame, ProtocolError>>.AsyncIterator,
                       _ outbound: Outbound, operatorId: String, logger: Logger) async throws {
        let maxInFlight = environment.configuration.server.maxInFlightRequests
        let subscription = Subscription()
        defer { subscription.stop(environment.hub) }
        var shuttingDown = false
        // A discarding group: each answered request's task is gone once it ends, and its id is
        // free again at once (a group that keeps results kept both until it was next asked).
        let inFlight = InFlightRequests()
        try await withThrowingDiscardingTaskGroup { group in
            reading: while let element = try await frames.next() {
                let frame: Frame
                switch element {
                case .failure(let error) where error == DrainHandler.marker:
                    shuttingDown = true
                case .failure(let error):
                    environment.metrics.request("malformed", error.code)
                    try await send(outbound, error.requestId, .error(error.message))
                    // A frame error: the decoder drops everything after it, so the session ends
                    // (requests already in flight are still answered).
                    if error.closesConnection { break reading }
                    continue
                case .success(let f):
                    frame = f
                    if shuttingDown { continue }
                    guard frame.version == negotiated.current else {
                        // A frame error: the stream no longer follows the negotiated version.
                        environment.metrics.request("malformed", .unsupportedVersion)
                        try await refuse(outbound, frame.requestId, .unsupportedVersion,
                                         "version \(frame.version) on a version-\(negotiated.current) connection")
                        return
                    }
                    switch frame.message {
                    case .heartbeat(let heartbeat):
                        environment.metrics.request("Heartbeat", .none)
                        try await send(outbound, frame.requestId,
                                       .heartbeatAck(HeartbeatAck(echoedSentAt: heartbeat.sentAt, serverTime: environment.clock())))
                        continue
                    case .eventAck(let ack):
                        subscription.acknowledge(ack.throughSequence, environment.hub)
                        continue
                    case .subscribe(let subscribe):
                        if let answer = try await startSubscription(subscribe, frame.requestId, operatorId, subscription,
                                                                    &group, outbound) {
                            try await send(outbound, frame.requestId, answer)
                        }
                        continue
                    case .quoteRequest, .submitTransfers, .getTransfer, .cancelTransfer, .setStandingInstruction,
                         .getStandingInstruction, .openProject, .getProject, .getContributionReceipt:
                        guard !inFlight.contains(frame.requestId) else {
                            try await refuse(outbound, frame.requestId, .duplicateRequestId,
                                             "request id \(frame.requestId) is still in flight")
                            continue
                        }
                        if let wait = environment.admission.admitRequest(operatorId) {
                            environment.metrics.request(frame.message.type.name, .rateLimited)
                            try await refuse(outbound, frame.requestId, .rateLimited,
                                             "above \(environment.configuration.server.requestsPerSecondPerOperator) requests a second",
                                             retryAfterMs: wait)
                            continue
                        }
                        await inFlight.waitForRoom(below: maxInFlight)
                        inFlight.insert(frame.requestId)
                        let requestId = frame.requestId
                        let message = frame.message
                        group.addTask {
                            let answer = await answer(message, operatorId: operatorId, logger: logger)
                            // Free before the answer leaves: a client may reuse the id as soon as
                            // it reads the answer.
                            inFlight.remove(requestId)
                            try await send(outbound, requestId, answer)
                        }
                        continue
                    default:
                        try await refuse(outbound, frame.requestId, .unexpectedMessage,
                                         "\(frame.message.type.name) is not sent by a client after Welcome")
                        continue
                    }
                }
                if shuttingDown { break }
            }
            // The client closed, a frame error ended the stream, or the gateway is draining:
            // answer everything already read.
            await inFlight.waitForRoom(below: 1)
            group.cancelAll()
        }
        if shuttingDown {
            try? await send(outbound, 0, .error(ErrorMessage(code: .shuttingDown, retryAfterMs: 1_000,
                                                             detail: "the gateway is shutting down; reconnect")))
        }
    }

    private func answer(_ message: Message, operatorId: String, logger: Logger) async -> Message {
        let name = message.type.name
        let answer: Message
        switch message {
        case .submitTransfers(let submit): answer = await submitTransfers(submit, operatorId: operatorId, logger: logger)
        case .getTransfer(let get): answer = getTransfer(get.transferId, operatorId: operatorId)
        case .cancelTransfer(let cancel): answer = await cancelTransfer(cancel, operatorId: operatorId, logger: logger)
        case .quoteRequest(let request): answer = await quote(request, operatorId: operatorId)
        case .setStandingInstruction(let set): answer = await setStandingInstruction(set, operatorId: operatorId, logger: logger)
        case .getStandingInstruction(let get):
            answer = standingInstruction(operatorId: operatorId, beneficiaryAccount: get.beneficiaryAccount)
        case .openProject(let open): answer = await openProject(open, operatorId: operatorId, logger: logger)
        case .getProject(let get): answer = project(get.projectId, after: get.afterReceipt, operatorId: operatorId)
        case .getContributionReceipt(let get): answer = contributionReceipt(get, operatorId: operatorId)
        default: answer = .error(ErrorMessage(code: .internalError, detail: "no handler for \(name)"))
        }
        if case .error(let error) = answer { environment.metrics.request(name, error.code) } else {
            environment.metrics.request(name, .none)
        }
        return answer
    }

    // MARK: SubmitTransfers

    private func submitTransfers(_ submit: SubmitTransfers, operatorId: String, logger: Logger) async -> Message {
        let now = environment.clock()
        let desk = environment.desk
        let screener = environment.screener
        guard let member = environment.configuration.operators.first(where: { $0.id == operatorId }) else {
            return .error(ErrorMessage(code: .unknownOperator, detail: "operator \(operatorId) is no longer configured"))
        }
        var results = [TransferResult?](repeating: nil, count: submit.transfers.count)
        var commands: [LedgerCommand] = []
        var positions: [Int] = []
        commands.reserveCapacity(submit.transfers.count)
        var seen = Set<ID128>()
        // One context for the batch: the operator's terms are the same for each transfer, and
        // making the context anew for each allocated a closure and retained and released the
        // limits and the screener every time. What is the transfer's own is reset below.
        var context = TransferDesk.Context(now: now, prefundCurrency: member.currency, quoteRequired: member.quoteRequired,
                                           rates: { [rates = environment.rates] in rates.rate($0, $1) })
        context.maxTransaction = member.maxTransaction
        context.limits = member.limits
        context.screener = screener
        for (index, transfer) in submit.transfers.enumerated() {
            guard seen.insert(transfer.transferId).inserted else {
                results[index] = TransferResult(transferId: transfer.transferId, recordedAt: now,
                                                errorCode: .duplicateInBatch, fieldId: .transferId, state: .rejected)
                continue
            }
            context.standingInstruction = nil
            context.quote = nil
            if transfer.applyStandingInstruction, !transfer.beneficiaryAccount.isEmpty {
                do {
                    context.standingInstruction = try environment.ledger.standingInstruction(
                        operatorId: operatorId, beneficiaryAccount: transfer.beneficiaryAccount)
                } catch {
                    return .error(ErrorMessage(code: .storageUnavailable, retryAfterMs: 1_000, detail: "the ledger cannot be read now"))
                }
            }
            do {
                for leg in transfer.legs where leg.product == .projectContribution && context.projects[leg.account] == nil {
                    context.projects[leg.account] = try environment.ledger.projectTerms(leg.account)
                }
            } catch {
                return .error(ErrorMessage(code: .storageUnavailable, retryAfterMs: 1_000, detail: "the ledger cannot be read now"))
            }
            if let quoteId = transfer.quoteId {
                do { context.quote = try environment.ledger.quote(operatorId: operatorId, id: WireMapping.id(quoteId)) } catch {
                    return .error(ErrorMessage(code: .storageUnavailable, retryAfterMs: 1_000, detail: "the ledger cannot be read now"))
                }
            }
            do {
                commands.append(.submitTransfer(try desk.submission(operatorId: operatorId, submit, at: index, context)))
                positions.append(index)
            } catch {
                return .error(ErrorMessage(code: error.code, fieldId: error.field, entryIndex: UInt32(index),
                                           detail: ErrorMessage.clip("transfers[\(index)]: \(error.detail)")))
            }
        }
        let outcomes = await environment.ledger.apply(commands)
        var storageFailures = 0
        for (position, outcome) in zip(positions, outcomes) {
            let transfer = submit.transfers[position]
            switch outcome {
            case .transfer(let receipt):
                results[position] = WireMapping.result(receipt, version: negotiated.current)
                environment.metrics.transfer(receipt)
                if !receipt.replayed {
                    logger.debug("transfer recorded", metadata: [
                        "transfer": "\(receipt.transferId)", "state": "\(receipt.state.rawValue)",
                        "reason": "\(receipt.reason.rawValue)",
                    ])
                }
            case .rejected(.idReused):
                results[position] = TransferResult(transferId: transfer.transferId, recordedAt: now, errorCode: .idReused,
                                                   fieldId: .transferId, state: .rejected)
            case .rejected(let error):
                storageFailures += 1
                // The gateway logs the ledger's trouble once (CommitWatch); a line per transfer
                // would flood the journal on a full disk.
                logger.debug("transfer not recorded", metadata: ["transfer": "\(transfer.transferId)", "error": "\(error)"])
                results[position] = TransferResult(transferId: transfer.transferId, recordedAt: now,
                                                   errorCode: .storageUnavailable, state: .rejected)
            case .done:
                results[position] = TransferResult(transferId: transfer.transferId, recordedAt: now,
                                                   errorCode: .internalError, state: .rejected)
            }
        }
        if storageFailures > 0 && storageFailures == commands.count {
            return .error(ErrorMessage(code: .storageUnavailable, retryAfterMs: 1_000,
                                       detail: "the ledger cannot commit now; nothing was recorded"))
        }
        return .submitTransfersResult(SubmitTransfersResult(results: results.map { $0! }))
    }

    // MARK: GetTransfer and CancelTransfer

    private func getTransfer(_ id: ID128, operatorId: String) -> Message {
        do {
            guard let view = try environment.ledger.transfer(operatorId: operatorId, id: WireMapping.id(id)) else {
                return .error(ErrorMessage(code: .notFound, fieldId: .transferId, detail: "no transfer \(id) for this operator"))
            }
            return .transferStatus(WireMapping.status(view, version: negotiated.current))
        } catch {
            return .error(ErrorMessage(code: .storageUnavailable, retryAfterMs: 1_000, detail: "the ledger cannot be read now"))
        }
    }

    private func cancelTransfer(_ cancel: CancelTransfer, operatorId: String, logger: Logger) async -> Message {
        let id = WireMapping.id(cancel.transferId)
        let view: TransferView?
        do { view = try environment.ledger.transfer(operatorId: operatorId, id: id) } catch {
            return .error(ErrorMessage(code: .storageUnavailable, retryAfterMs: 1_000, detail: "the ledger cannot be read now"))
        }
        guard let view else {
            return .error(ErrorMessage(code: .notFound, fieldId: .transferId, detail: "no transfer \(cancel.transferId) for this operator"))
        }
        if view.state == .cancelled { return .transferStatus(WireMapping.status(view, version: negotiated.current)) }
        if negotiated.current >= 2, view.state == .dispatched || view.state == .inDoubt {
            return await cancelWithPartners(view, cancel, operatorId: operatorId, logger: logger)
        }
        guard view.state == .accepted || view.state == .inReview else {
            return .error(ErrorMessage(code: .notCancellable, fieldId: .transferId,
                                       detail: "the transfer is \(WireMapping.state(view.state).name), past cancellation"))
        }
        switch await environment.ledger.apply(.cancelTransfer(operatorId: operatorId, transferId: id, reason: .none)) {
        case .rejected(.illegalTransition), .rejected(.holdNotPending):
            // Raced with a dispatch or another cancel: report what is there now.
            return getTransfer(cancel.transferId, operatorId: operatorId).cancelRaceAnswer
        case .rejected(let error):
            logger.error("cancel not recorded", metadata: ["transfer": "\(id)", "error": "\(error)"])
            return .error(ErrorMessage(code: .storageUnavailable, retryAfterMs: 1_000, detail: "the ledger cannot commit now"))
        default:
            logger.info("transfer cancelled", metadata: ["transfer": "\(id)"])
            return getTransfer(cancel.transferId, operatorId: operatorId)
        }
    }

    /// Version 2: a dispatched transfer is cancelled leg by leg, each sent leg only when its
    /// partner confirms; none may be paid. Answered with the transfer once no leg will be paid,
    /// `4003` when a partner refuses, `4006` when one does not answer.
    private func cancelWithPartners(_ view: TransferView, _ cancel: CancelTransfer, operatorId: String,
                                    logger: Logger) async -> Message {
        if let paid = view.legs.first(where: { $0.state == .paid || $0.state == .redirected }) {
            return .error(ErrorMessage(code: .notCancellable, fieldId: .transferId, entryIndex: UInt32(paid.index),
                                       detail: "legs[\(paid.index)] is \(WireMapping.state(paid.state).name): past cancellation"))
        }
        guard let dispatcher = environment.dispatcher else {
            return .error(ErrorMessage(code: .notCancellable, fieldId: .transferId, detail: "payouts are not running here"))
        }
        let open = view.legs.filter { [.pending, .dispatched, .inDoubt].contains($0.state) }.map(\.index)
        let outcome = await dispatcher.cancel(operatorId: operatorId, transferId: view.transferId, legs: open)
        switch outcome {
        case .cancelled:
            let answer = getTransfer(cancel.transferId, operatorId: operatorId)
            if case .transferStatus(let status) = answer, status.state == .cancelled || status.state == .refunded {
                logger.info("transfer cancelled with its partners", metadata: ["transfer": "\(view.transferId)"])
                return answer
            }
            return answer.cancelRaceAnswer
        case .refused(let leg, let reason):
            return .error(ErrorMessage(code: .notCancellable, fieldId: .transferId, entryIndex: UInt32(leg),
                                       detail: ErrorMessage.clip("legs[\(leg)]: not cancelled: \(reason)")))
        case .unconfirmed(let leg, let reason):
            return .error(ErrorMessage(code: .cancelUnconfirmed, fieldId: .transferId, entryIndex: UInt32(leg),
                                       retryAfterMs: 2_000,
                                       detail: ErrorMessage.clip("legs[\(leg)]: the cancellation is not confirmed: \(reason); ask again")))
        }
    }

    // MARK: standing instructions (version 2)

    private func setStandingInstruction(_ set: SetStandingInstruction, operatorId: String, logger: Logger) async -> Message {
        do throws(TransferDesk.Refusal) {
            try environment.desk.checkStandingInstruction(beneficiaryAccount: set.beneficiaryAccount, legs: set.legs)
        } catch {
            return .error(ErrorMessage(code: error.code, fieldId: error.field, entryIndex: error.leg.map(UInt32.init),
                                       detail: ErrorMessage.clip("\(error.leg.map { "legs[\($0)]." } ?? "")\(error.field.name): \(error.code.name)")))
        }
        let limit = environment.configuration.server.maxStandingInstructionsPerOperator
        switch await environment.ledger.apply(.setStandingInstruction(WireMapping.instruction(set, operatorId: operatorId),
                                                                      limit: limit)) {
        case .rejected(.standingInstructionLimit):
            return .error(ErrorMessage(code: .standingInstructionLimit, fieldId: .beneficiaryAccount,
                                       detail: "operator \(operatorId) keeps \(limit) standing instructions already; delete one first"))
        case .rejected(let error):
            logger.error("standing instruction not recorded", metadata: ["error": "\(error)"])
            return .error(ErrorMessage(code: .storageUnavailable, retryAfterMs: 1_000, detail: "the ledger cannot commit now"))
        default:
            logger.info("standing instruction set", metadata: [
                "beneficiaryAccount": "\(set.beneficiaryAccount)", "legs": "\(set.legs.count)",
            ])
            return standingInstruction(operatorId: operatorId, beneficiaryAccount: set.beneficiaryAccount)
        }
    }

    private func standingInstruction(operatorId: String, beneficiaryAccount: String) -> Message {
        do {
            let record = try environment.ledger.standingInstruction(operatorId: operatorId,
                                                                    beneficiaryAccount: beneficiaryAccount)
            return .standingInstruction(WireMapping.instruction(record, beneficiaryAccount: beneficiaryAccount))
        } catch {
            return .error(ErrorMessage(code: .storageUnavailable, retryAfterMs: 1_000, detail: "the ledger cannot be read now"))
        }
    }

    // MARK: quotes

    private func quote(_ request: QuoteRequest, operatorId: String) async -> Message {
        let configuration = environment.configuration
        guard let member = configuration.operators.first(where: { $0.id == operatorId }) else {
            return .error(ErrorMessage(code: .unknownOperator, detail: "operator \(operatorId) is no longer configured"))
        }
        let context = TransferDesk.Context(now: environment.clock(), prefundCurrency: member.currency,
                                           rates: { [rates = environment.rates] in rates.rate($0, $1) })
        let key = Corridor.Key(sendCountry: request.sendCountry.description, sendCurrency: request.sendCurrency.description,
                               payoutCountry: request.payoutCountry.description,
                               payoutCurrency: request.payoutCurrency.description)
        let record: QuoteRecord
        do {
            record = try environment.desk.quote(operatorId: operatorId, request, context, id: .random(),
                                                ttlMs: configuration.quoteTtlMs[key] ?? 900_000)
        } catch {
            return .error(ErrorMessage(code: error.code, fieldId: error.field, entryIndex: error.leg.map(UInt32.init),
                                       retryAfterMs: error.code == .rateUnavailable ? 60_000 : 0,
                                       detail: "\(error.code.name) (\(error.field.name))"))
        }
        if case .rejected(let error) = await environment.ledger.apply(.recordQuote(record)) {
            environment.logger.error("quote not recorded", metadata: ["error": "\(error)"])
            return .error(ErrorMessage(code: .storageUnavailable, retryAfterMs: 1_000, detail: "the ledger cannot commit now"))
        }
        return .quote(record.message)
    }

    // MARK: events

    private func startSubscription(_ subscribe: Subscribe, _ requestId: UInt64, _ operatorId: String,
                                   _ subscription: Subscription, _ group: inout ThrowingDiscardingTaskGroup<any Error>,
                                   _ outbound: Outbound) async throws -> Message? {
        guard !subscription.isActive else {
            return .error(ErrorMessage(code: .unexpectedMessage, detail: "this connection is already subscribed"))
        }
        let range: (oldest: UInt64, latest: UInt64)
        do {
            guard let found = try environment.ledger.eventRange(operatorId: operatorId) else {
                return .error(ErrorMessage(code: .internalError, detail: "operator \(operatorId) is not in the ledger"))
            }
            range = found
        } catch {
            return .error(ErrorMessage(code: .storageUnavailable, retryAfterMs: 1_000, detail: "the ledger cannot be read now"))
        }
        if range.oldest > 0, subscribe.afterSequence + 1 < range.oldest {
            return .error(ErrorMessage(code: .eventsPruned, fieldId: .sequence,
                                       detail: "events before \(range.oldest) are no longer kept; use GetTransfer"))
        }
        let notices = subscription.start(after: subscribe.afterSequence, operatorId: operatorId, environment.hub)
        // Subscribed goes out before any event, so it is written here, not by the caller.
        try await send(outbound, requestId, .subscribed(Subscribed(oldestSequence: range.oldest, latestSequence: range.latest)))
        let window = UInt64(environment.configuration.server.eventWindow)
        let ledger = environment.ledger
        let version = negotiated.current
        group.addTask {
            var sent = subscribe.afterSequence
            var wake = notices.makeAsyncIterator()
            while !Task.isCancelled {
                let room = window - min(window, sent - subscription.acknowledged(atLeast: subscribe.afterSequence))
                if room > 0 {
                    let events = try ledger.events(operatorId: operatorId, after: sent, limit: Int(min(room, 512)))
                    for event in events {
                        try await outbound.write(Frame(version: version, requestId: 0, message: .event(WireMapping.event(event, version: version))))
                    }
                    if let last = events.last {
                        sent = last.sequence
                        continue
                    }
                }
                guard await wake.next() != nil else { break }
            }
        }
        return nil
    }
}

private extension Message {
    /// After a lost race, a cancel answers the transfer's state if it is now cancelled, and
    /// NOT_CANCELLABLE otherwise.
    var cancelRaceAnswer: Message {
        guard case .transferStatus(let status) = self else { return self }
        if status.state == .cancelled { return self }
        return .error(ErrorMessage(code: .notCancellable, fieldId: .transferId,
                                   detail: "the transfer is \(status.state.name), past cancellation"))
    }
}

/// The ids of a connection's requests not yet answered: a duplicate is refused, and the session
/// waits for room before taking more than `max_in_flight_requests` (the backpressure of
/// PROTOCOL.md section 2). Only the session's read loop waits.
final class InFlightRequests: Sendable {
    private struct State {
        var ids = Set<UInt64>()
        var waiter: (limit: Int, continuation: CheckedContinuation<Void, Never>)?
    }

    private let state = Mutex(State())

    func contains(_ id: UInt64) -> Bool { state.withLock { $0.ids.contains(id) } }

    func insert(_ id: UInt64) { _ = state.withLock { $0.ids.insert(id) } }

    func remove(_ id: UInt64) {
        let ready = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.ids.remove(id)
            guard let waiter = state.waiter, state.ids.count < waiter.limit else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        ready?.resume()
    }

    /// Returns once fewer than `limit` requests are in flight.
    func waitForRoom(below limit: Int) async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.ids.count < limit { return true }
                state.waiter = (limit, continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}

/// The protocol version of a connection's frames: 1 until Welcome, then the negotiated one.
final class NegotiatedVersion: Sendable {
    private let value = Mutex(FrameHeader.helloVersion)

    var current: UInt8 { value.withLock { $0 } }

    func set(_ version: UInt8) { value.withLock { $0 = version } }
}

/// A connection's event subscription: the sequence the client has acknowledged, and the hub
/// listener that wakes the pump.
final class Subscription: Sendable {
    private struct State {
        var listener: Int?
        var acknowledged: UInt64 = 0
    }

    private let state = Mutex(State())

    var isActive: Bool { state.withLock { $0.listener != nil } }

    func start(after: UInt64, operatorId: String, _ hub: EventHub) -> AsyncStream<Void> {
        let (id, notices) = hub.listen(operatorId: operatorId)
        state.withLock {
            $0.listener = id
            $0.acknowledged = after
        }
        return notices
    }

    func acknowledge(_ through: UInt64, _ hub: EventHub) {
        let listener: Int? = state.withLock {
            $0.acknowledged = max($0.acknowledged, through)
            return $0.listener
        }
        if let listener { hub.poke(listener) }
    }

    func acknowledged(atLeast floor: UInt64) -> UInt64 { max(floor, state.withLock { $0.acknowledged }) }

    func stop(_ hub: EventHub) {
        if let listener = state.withLock({ $0.listener }) { hub.stopListening(listener) }
    }
}
