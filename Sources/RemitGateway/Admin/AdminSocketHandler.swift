import Foundation
import NIOCore
import RemitDomain
import RemitLedger
import RemitPayout

/// Carries out admin requests that change the books, one line at a time: the only way in for
/// changes, since the operator port never takes them. Each request is answered after its ledger
/// commit, or with the reason it was refused.
final class AdminSocketHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let executor: AdminExecutor
    /// Who is on the other end, from the socket's peer credentials: the audit log's actor.
    private var actor = "admin (peer unknown)"

    init(executor: AdminExecutor) { self.executor = executor }

    func channelActive(context: ChannelHandlerContext) {
        if let provider = context.channel as? SocketOptionProvider {
            let future: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET),
                                                                                            name: SO_PEERCRED)
            // Read before the first request: the event loop runs this callback before the next read.
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            future.whenSuccess { peer in handler.value.actor = Self.describe(peer) }
        }
        context.fireChannelActive()
    }

    /// "admin uid 0 (root) pid 4242": the user the kernel vouches for, and the process.
    static func describe(_ peer: PeerCredentials) -> String {
        var name = ""
        if let entry = getpwuid(peer.uid), let login = entry.pointee.pw_name { name = " (\(String(cString: login)))" }
        return "admin uid \(peer.uid)\(name) pid \(peer.pid)"
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        let executor = self.executor
        let channel = context.channel
        let actor = self.actor
        let promise = context.eventLoop.makePromise(of: AdminResponse.self)
        promise.completeWithTask {
            guard let request = try? JSONDecoder().decode(AdminRequest.self, from: Data(line.readableBytesView)) else {
                return .failure("not a JSON request object with a \"command\"")
            }
            return await executor.execute(request, actor: actor)
        }
        promise.futureResult.whenSuccess { response in
            var encoded = (try? JSONEncoder().encode(response)) ?? Data(#"{"ok":false,"error":"unencodable"}"#.utf8)
            encoded.append(UInt8(ascii: "\n"))
            channel.writeAndFlush(ByteBuffer(bytes: encoded), promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is AdminLineDecoder.LineTooLong {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: #"{"ok":false,"error":"a request longer than 64 KiB"}"# + "\n")))
                .whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }
}

/// Linux's `struct ucred` (pid, uid, gid), which Swift's Glibc module does not import: what
/// `SO_PEERCRED` fills in for a Unix socket's peer.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// What admin requests do, apart from how they arrive.
struct AdminExecutor: Sendable {
    let environment: SessionEnvironment
    /// Asks every partner whether it can take payouts now.
    var checkPartners: @Sendable () async -> [(partner: String, check: PartnerHealthCheck)] = { [] }

    /// Carries out `request`; every change, and every refused attempt at one that reached the
    /// ledger, goes on the audit log with `actor`.
    func execute(_ request: AdminRequest, actor: String = "admin") async -> AdminResponse {
        switch request.command {
        case "status":
            let configuration = environment.configuration
            return AdminResponse(ok: true, status: "serving \(configuration.operators.count) operators")
        case "fund", "withdraw":
            return await move(request, withdraw: request.command == "withdraw", actor: actor)
        case "partners":
            return AdminResponse(ok: true, partners: partnerStatuses())
        case "partners-health":
            let checks = Dictionary(await checkPartners().map { ($0.partner, $0.check) }, uniquingKeysWith: { first, _ in first })
            return AdminResponse(ok: true, partners: partnerStatuses().map { status in
                var status = status
                status.health = checks[status.id]?.state.rawValue
                status.healthDetail = checks[status.id]?.detail
                return status
            })
        case "partner-enable", "partner-disable":
            guard let id = request.partner, environment.configuration.partners.contains(where: { $0.id == id }) else {
                return .failure("partner \(request.partner ?? "(none)") is not configured")
            }
            let enabled = request.command == "partner-enable"
            // Logged first: a switch that the log cannot record is not thrown.
            if case .rejected(let error) = await environment.ledger.apply(.audit(AuditRecord(
                actor: actor, action: request.command, subject: "partner \(id)", detail: ""))) {
                return .failure("not recorded on the audit log: \(error)")
            }
            environment.switches.set(id, enabled: enabled)
            environment.logger.notice("partner \(enabled ? "enabled" : "disabled") by operations", metadata: ["partner": "\(id)"])
            return AdminResponse(ok: true, partners: partnerStatuses())
        case "resolve-payout":
            return await resolve(request, actor: actor)
        case "reverse-payout":
            return await reverse(request, actor: actor)
        case "record-statement":
            return await recordStatement(request, actor: actor)
        case "rates-set":
            return await setRate(request, actor: actor)
        case "review-approve", "review-reject":
            return await review(request, approve: request.command == "review-approve", actor: actor)
        case "association-register", "project-open", "sponsor-register", "sponsor-fund", "project-sponsor",
             "projects-refund-due", "project-disburse":
            return await project(request, actor: actor)
        default:
            return .failure("unknown command \"\(request.command)\"; known: status, fund, withdraw, partners, partners-health, "
                            + "partner-enable, partner-disable, resolve-payout, reverse-payout, record-statement, rates-set, review-approve, "
                            + "review-reject, association-register, project-open, sponsor-register, sponsor-fund, project-sponsor, "
                            + "projects-refund-due, project-disburse")
        }
    }

    private func partnerStatuses() -> [PartnerStatus] {
        let now = environment.clock()
        return environment.configuration.partners.map { partner in
            PartnerStatus(id: partner.id, adapter: partner.adapter,
                          enabled: partner.enabled && environment.switches.isEnabled(partner.id),
                          circuitOpen: !environment.health.isAvailable(partner.id, now: now),
                          countries: partner.countries.sorted(), products: partner.products.sorted())
        }
    }

    private func review(_ request: AdminRequest, approve: Bool, actor: String) async -> AdminResponse {
        guard let operatorId = request.operator, let text = request.transfer, let id = TransferID(uuid: text) else {
            return .failure("\(request.command) needs operator and transfer (a UUID)")
        }
        guard let note = request.evidence, !note.isEmpty else {
            return .failure("a note is required: why the transfer is approved or rejected")
        }
        // Rejected for the party whose screening held it: the beneficiary's if both were.
        let screenings = (try? environment.ledger.screenings(operatorId: operatorId, id: id)) ?? []
        let reason: ReasonCode = screenings.contains { $0.party == "beneficiary" && $0.decision == "review" }
            ? ReasonCode(rawValue: 6002) : ReasonCode(rawValue: 6001)
        let record = AuditRecord(actor: actor, action: request.command, subject: "transfer \(operatorId)/\(id)", detail: note)
        switch await environment.ledger.apply(.audited(record, .decideReview(operatorId: operatorId, transferId: id,
                                                                             approve: approve, reason: reason, note: note))) {
        case .rejected(let error):
            return .failure("refused by the ledger: \(error)")
        default:
            environment.logger.notice("review decided", metadata: [
                "operator": "\(operatorId)", "transfer": "\(id)", "decision": "\(approve ? "approved" : "rejected")",
            ])
            let state = (try? environment.ledger.transfer(operatorId: operatorId, id: id))??.state.rawValue
            return AdminResponse(ok: true, status: state)
        }
    }

    private func setRate(_ request: AdminRequest, actor: String) async -> AdminResponse {
        guard let baseCode = request.base, let base = try? Currency(baseCode) else {
            return .failure("base must be an ISO 4217 currency code")
        }
        guard let quoteCode = request.quote, let quote = try? Currency(quoteCode), quote != base else {
            return .failure("quote must be an ISO 4217 currency code other than base")
        }
        let mid: Rate
        do { mid = try Rate(request.mid ?? "") } catch { return .failure("mid: \(error)") }
        let asOf: Int64
        if let text = request.asOf {
            guard let parsed = RateBook.parseTimestamp(text) else {
                return .failure("asOf \"\(text)\" is not a UTC time such as 2026-11-23T10:00:00Z")
            }
            guard parsed <= environment.clock() + 60_000 else { return .failure("asOf is in the future") }
            asOf = parsed
        } else {
            asOf = environment.clock()
        }
        let record = AuditRecord(actor: actor, action: "rates-set", subject: "rate \(base)/\(quote)",
                                 detail: "mid \(mid) as of \(asOf) ms")
        if let error = await environment.rates.set(ReferenceRate(base: base, quote: quote, mid: mid, asOf: asOf),
                                                   source: "remitctl", environment.ledger, audit: record) {
            return .failure("refused by the ledger: \(error)")
        }
        environment.logger.notice("reference rate set", metadata: ["pair": "\(base)/\(quote)", "mid": "\(mid)"])
        return AdminResponse(ok: true, status: "\(base)/\(quote) \(environment.rates.rate(base, quote)?.mid.text ?? mid.text)")
    }

    private func resolve(_ request: AdminRequest, actor: String) async -> AdminResponse {
        guard let operatorId = request.operator, let text = request.transfer,
              let id = TransferID(uuid: text), let leg = request.leg
        else { return .failure("resolve-payout needs operator, transfer (a UUID) and leg") }
        guard let evidence = request.evidence, !evidence.isEmpty else {
            return .failure("evidence is required: the statement line or ticket that proves the outcome")
        }
        let reference: String?
        switch request.outcome {
        case "paid":
            guard let given = request.reference, !given.isEmpty, given.utf8.count <= 64 else {
                return .failure("a paid outcome needs reference: the partner's reference for the payout (1 to 64 bytes)")
            }
            reference = given
        case "failed": reference = nil
        default: return .failure("outcome must be paid or failed")
        }
        let resolution = PayoutResolution(operatorId: operatorId, transferId: id, leg: leg, paidReference: reference,
                                          evidence: evidence)
        let record = AuditRecord(actor: actor, action: "resolve-payout", subject: "leg \(operatorId)/\(id)/\(leg)",
                                 detail: "\(request.outcome ?? "")\(reference.map { " reference \($0)" } ?? "") evidence \(evidence)")
        switch await environment.ledger.apply(.audited(record, .resolvePayout(resolution))) {
        case .rejected(let error):
            return .failure("refused by the ledger: \(error)")
        default:
            environment.logger.notice("payout resolved by operations", metadata: [
                "operator": "\(operatorId)", "transfer": "\(id)", "leg": "\(leg)", "outcome": "\(request.outcome ?? "")",
                "evidence": "\(evidence)",
            ])
            let state = (try? environment.ledger.transfer(operatorId: operatorId, id: id))??.state.rawValue
            return AdminResponse(ok: true, status: state)
        }
    }

    /// A paid leg's payout reversed at its partner, booked by operations with the evidence.
    private func reverse(_ request: AdminRequest, actor: String) async -> AdminResponse {
        guard let operatorId = request.operator, let text = request.transfer,
              let id = TransferID(uuid: text), let leg = request.leg
        else { return .failure("reverse-payout needs operator, transfer (a UUID) and leg") }
        guard let evidence = request.evidence, !evidence.isEmpty, evidence.utf8.count <= 500 else {
            return .failure("evidence is required (1 to 500 bytes): the statement line or ticket that shows the reversal")
        }
        let reversal = PayoutReversal(operatorId: operatorId, transferId: id, leg: leg, source: "operations", evidence: evidence)
        let record = AuditRecord(actor: actor, action: "reverse-payout", subject: "leg \(operatorId)/\(id)/\(leg)",
                                 detail: "evidence \(evidence)")
        switch await environment.ledger.apply(.audited(record, .reversePayout(reversal))) {
        case .rejected(let error):
            return .failure("refused by the ledger: \(error)")
        default:
            environment.logger.notice("payout reversal booked by operations", metadata: [
                "operator": "\(operatorId)", "transfer": "\(id)", "leg": "\(leg)", "evidence": "\(evidence)",
            ])
            let state = (try? environment.ledger.transfer(operatorId: operatorId, id: id))??.state.rawValue
            return AdminResponse(ok: true, status: state)
        }
    }

    /// A partner statement reconciled (by `remitctl reconcile`): on the audit log with its digest,
    /// so that importing it again is recognised, and with what reconciling it found.
    private func recordStatement(_ request: AdminRequest, actor: String) async -> AdminResponse {
        guard let partner = request.partner, environment.configuration.partners.contains(where: { $0.id == partner }) else {
            return .failure("partner \(request.partner ?? "(none)") is not configured")
        }
        guard let digest = request.digest, digest.utf8.count == 64, digest.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { return .failure("digest must be the statement file's SHA-256 in 64 lower-case hex digits") }
        guard let name = request.reference, !name.isEmpty, name.utf8.count <= 200 else {
            return .failure("reference is required (1 to 200 bytes): the statement's name")
        }
        let summary = request.evidence ?? ""
        guard summary.utf8.count <= 1_000 else { return .failure("evidence (the summary) is at most 1,000 bytes") }
        let record = AuditRecord(actor: actor, action: "reconcile", subject: "partner \(partner) statement \(name)",
                                 detail: "sha256 \(digest)\(summary.isEmpty ? "" : "; \(summary)")")
        if case .rejected(let error) = await environment.ledger.apply(.audit(record)) {
            return .failure("not recorded on the audit log: \(error)")
        }
        environment.logger.notice("partner statement reconciled", metadata: ["partner": "\(partner)", "statement": "\(name)"])
        return AdminResponse(ok: true)
    }

    private func move(_ request: AdminRequest, withdraw: Bool, actor: String) async -> AdminResponse {
        guard let id = request.operator, let member = environment.configuration.operators.first(where: { $0.id == id }) else {
            return .failure("operator \(request.operator ?? "(none)") is not configured")
        }
        guard let text = request.amount, let minor = Money.parseMinorUnits(text, member.currency), minor > 0 else {
            return .failure("amount must be a positive amount in \(member.currency.code) with at most \(member.currency.exponent) decimals")
        }
        guard let reference = request.reference, !reference.isEmpty, reference.utf8.count <= 140 else {
            return .failure("reference is required (1 to 140 bytes): the bank transfer or document behind this movement")
        }
        let amount = Money(minor, member.currency)
        let command: LedgerCommand = withdraw ? .withdraw(operatorId: id, amount: amount, reference: reference)
            : .fund(operatorId: id, amount: amount, reference: reference)
        let record = AuditRecord(actor: actor, action: request.command, subject: "operator \(id)",
                                 detail: "\(amount) reference \(reference)")
        switch await environment.ledger.apply(.audited(record, command)) {
        case .done(let entries):
            environment.logger.notice("\(withdraw ? "withdrawal" : "funding") recorded", metadata: [
                "operator": "\(id)", "amount": "\(amount)", "reference": "\(reference)",
            ])
            let balance = (try? environment.ledger.balance(.operatorPrefund(id, member.currency))) ?? nil
            return AdminResponse(ok: true, entries: entries, balance: balance.map { Money($0, member.currency).formatted },
                                 currency: member.currency.code)
        case .rejected(let error):
            return .failure("refused by the ledger: \(error)")
        case .transfer:
            return .failure("unexpected ledger outcome")
        }
    }
}
