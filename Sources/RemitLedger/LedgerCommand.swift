import GRDB
import RemitDomain

/// A change to the books. Each command is applied in its own savepoint inside the writer's
/// transaction: it is recorded whole or not at all, and a refused command leaves the others of
/// its batch untouched.
public enum LedgerCommand: Sendable {
    /// Registers an operator with prefund and holds accounts in a currency. `creditLimit` lets
    /// the prefund go that far below zero for transfers (never for withdrawals). Repeating it
    /// for the same operator and currency changes nothing.
    case openOperator(id: String, currency: Currency, creditLimit: Int64)
    /// Opens an account that is not an operator's (partner float, revenue, FX position, ...).
    case openAccount(AccountCode)
    /// Money received from an operator into the settlement account, with its bank reference.
    case fund(operatorId: String, amount: Money, reference: String)
    /// Money paid back to an operator; never below zero, whatever its credit limit.
    case withdraw(operatorId: String, amount: Money, reference: String)
    /// Moves `amount` from the operator's prefund to its holds, subject to the prefund's floor.
    case hold(id: String, operatorId: String, amount: Money, expiresAt: Int64)
    /// Posts part or all of a pending hold to `credits`; with `final`, the rest returns to the
    /// prefund and the hold closes. Without it the hold stays pending with what is left.
    case post(holdId: String, credits: [Posting], final: Bool)
    /// Returns what is left of a pending hold to the prefund.
    case void(holdId: String)
    /// Voids every pending hold whose expiry is at or before `asOf`, except transfers' holds: a
    /// transfer's money stays held until its payout is settled, since a payout may still be in
    /// doubt (DESIGN.md: never refund while the payout may have happened). A transfer's hold past
    /// its expiry is overdue (`Ledger.overdueHolds`), for a person to look at.
    case expireHolds(asOf: Int64)
    /// A balanced entry between accounts that already exist (FX, adjustments).
    case journal(kind: String, reference: String, postings: [Posting])
    /// Records a submitted transfer (accepted with its legs, their holds and places in the outbox,
    /// and its event; or rejected), or returns what was recorded for the same id before.
    case submitTransfer(TransferSubmission)
    /// Moves a transfer forward to `state`, with an event.
    case moveTransfer(operatorId: String, transferId: TransferID, to: TransferState, reason: ReasonCode)
    /// Moves one leg forward to `state`, with an event.
    case moveLeg(operatorId: String, transferId: TransferID, leg: Int, to: LegState, reason: ReasonCode,
                 partnerReference: String)
    /// Several commands as one: all are recorded or none (a leg paid and its hold posted, say).
    /// Cancels an accepted transfer before dispatch: the state, the hold voided, its legs
    /// cancelled and taken out of the payout outbox, together.
    case cancelTransfer(operatorId: String, transferId: TransferID, reason: ReasonCode)
    /// Stores a quote given to an operator.
    case recordQuote(QuoteRecord)
    /// Records a reference mid rate for a pair; an older observation than the one kept is ignored.
    case setReferenceRate(ReferenceRate, source: String)
    /// A compliance officer's decision on a transfer held for review, with a note.
    case decideReview(operatorId: String, transferId: TransferID, approve: Bool, reason: ReasonCode, note: String)
    /// Operations settle a leg in doubt by hand, with evidence.
    case resolvePayout(PayoutResolution)
    /// What happened to a payout leg (see `LegReport`).
    case reportLeg(LegReport)
    /// A paid leg's payout reversed by its partner: its payment mirrored, the money back on the
    /// operator's prefund (see `PayoutReversal`).
    case reversePayout(PayoutReversal)
    /// Registers, replaces or (no legs) deletes a beneficiary's standing instruction; an
    /// operator keeps at most `limit` with legs.
    case setStandingInstruction(StandingInstructionRecord, limit: Int)
    /// Collective remittances (docs/projects.md). Registering what is registered already, with
    /// the same details, changes nothing; with others it is refused.
    case registerAssociation(AssociationRecord)
    /// Opens a project and its escrow account.
    case openProject(ProjectPlan)
    case registerSponsor(id: String, name: String)
    /// Money a sponsor deposited, into its budget in that currency.
    case fundSponsor(id: String, amount: Money, reference: String)
    /// A sponsor's matching rule for an open project.
    case sponsorProject(SponsorshipRule)
    /// Pays a contribution leg into its project's escrow with the sponsors' matches, or fails it
    /// if the project takes no contributions (the payout dispatcher's step for these legs).
    case settleContribution(operatorId: String, transferId: TransferID, leg: Int)
    /// Refunds projects past their deadline, at most `limit` contributions per command.
    case expireProjects(asOf: Int64, limit: Int)
    /// Pays a funded project's next milestone to its beneficiary institution, approved on
    /// `evidence` (1 to 500 bytes), as a transfer of the project's own.
    case disburseMilestone(projectId: String, position: Int, evidence: String)
    indirect case atomic([LedgerCommand])
    /// Puts a line on the audit log (an action outside the books, such as disabling a partner).
    case audit(AuditRecord)
    /// Applies `command` and puts `record` on the audit log with its outcome, in one transaction:
    /// a refused command is logged as refused, with the ledger's reason.
    indirect case audited(AuditRecord, LedgerCommand)
}

/// What became of one command.
public enum LedgerOutcome: Hashable, Sendable {
    /// Recorded and committed; the ids of the entries it wrote, if any.
    case done(entries: [Int64])
    /// A submitted transfer's result, committed (accepted or rejected, or replayed).
    case transfer(TransferReceipt)
    case rejected(LedgerError)

    public var isDone: Bool { if case .rejected = self { false } else { true } }
}

extension LedgerCommand {
    func outcome(_ db: Database, _ context: WriteContext) throws -> LedgerOutcome {
        if case .submitTransfer(let submission) = self {
            return .transfer(try Transfers.submit(db, submission, context))
        }
        // Every other command may read holds, balances or event counters: what the writer kept back is written first.
        try context.writeDeferred(db)
        if case .audited(let record, let command) = self {
            var outcome = LedgerOutcome.done(entries: [])
            do {
                try db.inSavepoint {
                    outcome = try command.outcome(db, context)
                    return .commit
                }
            } catch let error as LedgerError {
                context.forget()  // the savepoint rolled back what the caches may remember
                outcome = .rejected(error)
            }
            try Audit.append(db, context, record, outcome: outcome)
            return outcome
        }
        return .done(entries: try apply(db, context))
    }

    func apply(_ db: Database, _ context: WriteContext) throws -> [Int64] {
        switch self {
        case .openOperator(let id, let currency, let creditLimit):
            guard creditLimit >= 0 else { throw LedgerError.invalidAmount(creditLimit) }
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO operator (id, created_at) VALUES (?, ?)").execute(arguments: [id, context.time])
            try Accounts.open(db, .operatorPrefund(id, currency), floor: -creditLimit, at: context.time, ifMissing: true)
            try Accounts.open(db, .operatorHolds(id, currency), floor: nil, at: context.time, ifMissing: true)
            try Accounts.open(db, .settlement(currency), floor: nil, at: context.time, ifMissing: true)
            return []

        case .openAccount(let code):
            try Accounts.open(db, code, floor: nil, at: context.time, ifMissing: false)
            return []

        case .fund(let operatorId, let amount, let reference):
            try context.requireOperator(db, operatorId)
            try Accounts.requirePositive(amount)
            return [try Journal.append(db, context, kind: "fund", reference: reference, postings: [
                Posting(.settlement(amount.currency), debit: amount),
                Posting(.operatorPrefund(operatorId, amount.currency), credit: amount),
            ])]

        case .withdraw(let operatorId, let amount, let reference):
            try context.requireOperator(db, operatorId)
            try Accounts.requirePositive(amount)
            let prefund = AccountCode.operatorPrefund(operatorId, amount.currency)
            let balance = try Int64.fetchOne(db.cachedStatement(sql: "SELECT balance FROM account WHERE code = ?"),
                                             arguments: [prefund.text]) ?? 0
            let available = balance * prefund.type.normalSign
            guard available >= amount.minorUnits else {
                throw LedgerError.belowFloor(account: prefund.text, balance: available - amount.minorUnits, floor: 0)
            }
            return [try Journal.append(db, context, kind: "withdraw", reference: reference, postings: [
                Posting(prefund, debit: amount),
                Posting(.settlement(amount.currency), credit: amount),
            ])]

        case .hold(let id, let operatorId, let amount, let expiresAt):
            return [try Holds.place(db, id: id, operatorId: operatorId, amount: amount, expiresAt: expiresAt, context)]

        case .post(let holdId, let credits, let final):
            return try Holds.post(db, id: holdId, credits: credits, final: final, context)

        case .void(let holdId):
            return [try Holds.close(db, id: holdId, state: "voided", context)]

        case .expireHolds(let asOf):
            let ids = try String.fetchAll(db.cachedStatement(sql: """
                SELECT id FROM hold WHERE state = 'pending' AND expires_at <= ? AND substr(id, 1, length(?2)) <> ?2
                ORDER BY expires_at, id
                """), arguments: [asOf, Holds.transferNamespace])
            return try ids.map { try Holds.close(db, id: $0, state: "expired", context) }

        case .journal(let kind, let reference, let postings):
            return [try Journal.append(db, context, kind: kind, reference: reference, postings: postings)]

        case .submitTransfer(let submission):
            _ = try Transfers.submit(db, submission, context)
            return []

        case .moveTransfer(let operatorId, let transferId, let state, let reason):
            try Transfers.move(db, operatorId: operatorId, transferId: transferId, to: state, reason: reason, context)
            return []

        case .moveLeg(let operatorId, let transferId, let leg, let state, let reason, let partnerReference):
            try Transfers.moveLeg(db, operatorId: operatorId, transferId: transferId, leg: leg, to: state, reason: reason,
                                  partnerReference: partnerReference, context)
            return []

        case .cancelTransfer(let operatorId, let transferId, let reason):
            return try Transfers.cancel(db, operatorId: operatorId, transferId: transferId, reason: reason, context)

        case .recordQuote(let quote):
            try Quotes.record(db, quote, context)
            return []

        case .setReferenceRate(let rate, let source):
            try Quotes.setRate(db, rate, source: source, context)
            return []

        case .decideReview(let operatorId, let transferId, let approve, let reason, let note):
            return try Screenings.decide(db, operatorId: operatorId, transferId: transferId, approve: approve, reason: reason,
                                         note: note, context)

        case .resolvePayout(let resolution):
            return try Payouts.resolve(db, resolution, context)

        case .reportLeg(let report):
            return try Payouts.report(db, report, context)

        case .reversePayout(let reversal):
            return try Reversals.reverse(db, reversal, context)

        case .registerAssociation(let record):
            try Projects.registerAssociation(db, record, context)
            return []

        case .openProject(let plan):
            try Projects.open(db, plan, context)
            return []

        case .registerSponsor(let id, let name):
            try Projects.registerSponsor(db, id: id, name: name, context)
            return []

        case .fundSponsor(let id, let amount, let reference):
            return [try Projects.fundSponsor(db, id: id, amount: amount, reference: reference, context)]

        case .sponsorProject(let rule):
            try Projects.sponsor(db, rule, context)
            return []

        case .settleContribution(let operatorId, let transferId, let leg):
            return try Projects.settle(db, operatorId: operatorId, transferId: transferId, leg: leg, context)

        case .expireProjects(let asOf, let limit):
            return try Projects.expire(db, asOf: asOf, limit: limit, context)

        case .disburseMilestone(let projectId, let position, let evidence):
            return try Projects.disburse(db, projectId: projectId, position: position, evidence: evidence, context)

        case .setStandingInstruction(let instruction, let limit):
            try StandingInstructions.set(db, instruction, limit: limit, context)
            return []

        case .atomic(let commands):
            // As between the writer's commands: a command that is not a new transfer may read what
            // a transfer before it placed, so what the writer kept back is written first.
            return try commands.flatMap { command in
                if case .submitTransfer = command {} else { try context.writeDeferred(db) }
                return try command.apply(db, context)
            }

        case .audit(let record):
            try Audit.append(db, context, record, outcome: .done(entries: []))
            return []

        case .audited:
            // Inside .atomic: all or nothing, so a refusal undoes its audit line too.
            switch try outcome(db, context) {
            case .done(let entries): return entries
            case .rejected(let error): throw error
            case .transfer: return []
            }
        }
    }
}

enum Accounts {
    static func open(_ db: Database, _ code: AccountCode, floor: Int64?, at time: Int64, ifMissing: Bool) throws {
        let exists = try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM account WHERE code = ?)"),
                                       arguments: [code.text]) ?? false
        if exists {
            if ifMissing { return }
            throw LedgerError.accountExists(code.text)
        }
        try db.cachedStatement(sql: """
            INSERT INTO account (code, type, currency, balance, floor, created_at) VALUES (?, ?, ?, 0, ?, ?)
            """).execute(arguments: [code.text, code.type.rawValue, code.currency.code, floor, time])
    }

    static func requirePositive(_ amount: Money) throws {
        guard amount.minorUnits > 0 else { throw LedgerError.invalidAmount(amount.minorUnits) }
    }
}
