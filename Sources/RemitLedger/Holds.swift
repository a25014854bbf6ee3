import Foundation
import GRDB
import RemitDomain

/// Two-phase holds: the money moves from the operator's prefund to its holds account when the
/// hold is placed (so pending holds count against the prefund's floor), then leaves the holds
/// account when it is posted, or goes back when it is voided or expires.
enum Holds {
    struct Row {
        let operatorId: String
        let currency: Currency
        let remaining: Int64
        let state: String
    }

    static func fetch(_ db: Database, _ id: String) throws -> Row {
        guard let row = try GRDB.Row.fetchOne(db.cachedStatement(sql: "SELECT operator_id, currency, remaining, state FROM hold WHERE id = ?"),
                                              arguments: [id])
        else { throw LedgerError.unknownHold(id) }
        let currency: Currency
        do { currency = try Currency(row["currency"]) } catch { throw LedgerError.money(error) }
        return Row(operatorId: row["operator_id"], currency: currency, remaining: row["remaining"], state: row["state"])
    }

    /// Ids in this namespace belong to transfers (`TransferSubmission.holdId`); the `hold`
    /// command cannot use them, so a new transfer's hold cannot exist already.
    static let transferNamespace = "transfer/"

    /// `isNew`: the caller knows no hold has this id (a transfer seen for the first time).
    static func place(_ db: Database, id: String, operatorId: String, amount: Money, expiresAt: Int64, isNew: Bool = false,
                      _ context: WriteContext) throws -> Int64
    {
        try context.requireOperator(db, operatorId)
        try Accounts.requirePositive(amount)
        if !isNew {
            guard !id.hasPrefix(transferNamespace) else { throw LedgerError.reservedHoldId(id) }
            guard try context.hot.query(db, .holdExists, { $0.text(id) }, { _ in true }) == nil else {
                throw LedgerError.holdExists(id)
            }
        }
        let entry = try Journal.append(db, context, kind: "hold", reference: id, postings: [
            Posting(.operatorPrefund(operatorId, amount.currency), debit: amount),
            Posting(.operatorHolds(operatorId, amount.currency), credit: amount),
        ])
        try context.hot.run(db, .insertHold) {
            $0.text(id)
            $0.text(operatorId)
            $0.text(amount.currency.code)
            $0.int(amount.minorUnits)
            $0.int(amount.minorUnits)
            $0.int(expiresAt)
            $0.int(entry)
        }
        return entry
    }

    /// Places a new transfer's holds for one operator together, so that the floor is checked once
    /// for them all: a transfer's legs are held together or not at all. Amounts of zero get no
    /// hold. The holds are written at once, but the money they hold moves once per slice of
    /// commands: the first hold an operator places in a slice opens an entry (`Journal.open`),
    /// later ones join it, and `writePlaced` completes it with the total. The writer's record of
    /// the prefund moves at once, so a later transfer in the same slice sees the floor as it is.
    static func placeTogether(_ db: Database, ids: [String], operatorId: String, amounts: [Int64], currency: Currency,
                              expiresAt: Int64, _ context: WriteContext) throws {
        precondition(ids.count == amounts.count && ids.allSatisfy { $0.hasPrefix(transferNamespace) })
        try context.requireOperator(db, operatorId)
        var total: Int64 = 0
        for amount in amounts {
            guard amount >= 0 else { throw LedgerError.invalidAmount(amount) }
            let (sum, overflow) = total.addingReportingOverflow(amount)
            guard !overflow else { throw LedgerError.money(.overflow) }
            total = sum
        }
        let money = Money(total, currency)
        try Accounts.requirePositive(money)
        try Journal.reserve(db, context, postings: [
            Posting(.operatorPrefund(operatorId, currency), debit: money),
            Posting(.operatorHolds(operatorId, currency), credit: money),
        ])
        // One group per operator and currency; a group whose total would overflow is left as it
        // is and a new one opened, so no transfer is refused for what others placed.
        let group: Int
        if let index = context.placedHolds.lastIndex(where: { $0.operatorId == operatorId && $0.currency == currency }),
           case (let sum, false) = context.placedHolds[index].total.addingReportingOverflow(total) {
            context.placedHolds[index].total = sum
            group = index
        } else {
            let entry = try Journal.open(db, context, kind: "hold", reference: ids[0])
            context.placedHolds.append(.init(operatorId: operatorId, currency: currency, entry: entry, firstHold: ids[0],
                                             total: total, count: 0))
            group = context.placedHolds.count - 1
        }
        let entry = context.placedHolds[group].entry
        for (id, amount) in zip(ids, amounts) where amount > 0 {
            try context.hot.run(db, .insertHold) {
                $0.text(id)
                $0.text(operatorId)
                $0.text(currency.code)
                $0.int(amount)
                $0.int(amount)
                $0.int(expiresAt)
                $0.int(entry.id)
            }
            context.placedHolds[group].count += 1
        }
    }

    /// Completes the entries opened by `placeTogether` since the last call, in the order they
    /// were opened: each moves its group's total from the prefund to the holds account. An entry
    /// holding one hold keeps that hold's id as its reference; one holding several says how many.
    /// The writer calls this at the end of every savepoint and before any command that is not a
    /// new transfer, so no other entry is written while one is open.
    static func writePlaced(_ db: Database, _ context: WriteContext) throws {
        guard !context.placedHolds.isEmpty else { return }
        var previous: Data? = context.placedHolds[0].entry.previousHash
        for group in context.placedHolds {
            let money = Money(group.total, group.currency)
            let reference = group.count == 1 ? group.firstHold : "\(group.count) holds from \(group.firstHold)"
            previous = try Journal.complete(db, context, id: group.entry.id, previousHash: previous, kind: "hold",
                                            reference: reference, postings: [
                                                Posting(.operatorPrefund(group.operatorId, group.currency), debit: money),
                                                Posting(.operatorHolds(group.operatorId, group.currency), credit: money),
                                            ])
        }
        context.advance(to: context.placedHolds[context.placedHolds.count - 1].entry.id, hash: previous!)
        context.placedHolds.removeAll(keepingCapacity: true)
    }

    static func post(_ db: Database, id: String, credits: [Posting], final: Bool, _ context: WriteContext) throws -> [Int64] {
        let hold = try fetch(db, id)
        guard hold.state == "pending" else { throw LedgerError.holdNotPending(id, state: hold.state) }
        // Credits in the hold's currency come out of the hold; credits in other currencies must
        // balance among themselves (the payout side of an FX conversion).
        var fromHold: Int64 = 0
        for credit in credits where credit.account.currency == hold.currency {
            let (sum, overflow) = fromHold.subtractingReportingOverflow(credit.amount)
            guard !overflow else { throw LedgerError.money(.overflow) }
            fromHold = sum
        }
        guard fromHold > 0 else { throw LedgerError.invalidAmount(fromHold) }
        guard fromHold <= hold.remaining else {
            throw LedgerError.exceedsHold(id, remaining: hold.remaining, requested: fromHold)
        }
        let holds = AccountCode.operatorHolds(hold.operatorId, hold.currency)
        let entry = try Journal.append(db, context, kind: "post", reference: id,
                                       postings: [Posting(holds, debit: Money(fromHold, hold.currency))] + credits)
        var entries = [entry]
        let remaining = hold.remaining - fromHold
        try db.cachedStatement(sql: "UPDATE hold SET remaining = ? WHERE id = ?").execute(arguments: [remaining, id])
        if final || remaining == 0 {
            if remaining > 0 {
                entries.append(try release(db, id: id, hold: hold, amount: remaining, kind: "release", context))
            }
            try db.cachedStatement(sql: "UPDATE hold SET state = 'posted', remaining = 0, closed_entry_id = ? WHERE id = ?").execute(arguments: [entries.last!, id])
        }
        return entries
    }

    /// Ends a hold that was posted in part (or not at all): what is left returns to the prefund.
    static func finish(_ db: Database, id: String, postedBefore: Bool, _ context: WriteContext) throws -> Int64 {
        let hold = try fetch(db, id)
        guard hold.state == "pending" else { throw LedgerError.holdNotPending(id, state: hold.state) }
        let entry = try release(db, id: id, hold: hold, amount: hold.remaining, kind: "release", context)
        try db.cachedStatement(sql: "UPDATE hold SET state = ?, remaining = 0, closed_entry_id = ? WHERE id = ?")
            .execute(arguments: [postedBefore ? "posted" : "voided", entry, id])
        return entry
    }

    /// Voids or expires a pending hold: what is left returns to the prefund.
    static func close(_ db: Database, id: String, state: String, _ context: WriteContext) throws -> Int64 {
        let hold = try fetch(db, id)
        guard hold.state == "pending" else { throw LedgerError.holdNotPending(id, state: hold.state) }
        let entry = try release(db, id: id, hold: hold, amount: hold.remaining, kind: state == "expired" ? "expire" : "void", context)
        try db.cachedStatement(sql: "UPDATE hold SET state = ?, remaining = 0, closed_entry_id = ? WHERE id = ?").execute(arguments: [state, entry, id])
        return entry
    }

    private static func release(_ db: Database, id: String, hold: Row, amount: Int64, kind: String, _ context: WriteContext) throws
        -> Int64
    {
        let money = Money(amount, hold.currency)
        return try Journal.append(db, context, kind: kind, reference: id, postings: [
            Posting(.operatorHolds(hold.operatorId, hold.currency), debit: money),
            Posting(.operatorPrefund(hold.operatorId, hold.currency), credit: money),
        ])
    }
}
