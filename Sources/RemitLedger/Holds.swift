import Foundation
import GRDB
import RemitDomain

/// Two-phase holds: the money moves from the operator's prefund to its holds account when the
/// hold is placed (so pending holds count against the prefund's floor), then leaves the holds
/// account when it is posted, or goes back when it is voided or expires.
///
/// ```swift
/// let entry = try Holds.place(db, id: "deposit-7", operatorId: "ACME", amount: Money(10_299, usd), expiresAt: .max, context)
/// try Holds.close(db, id: "deposit-7", state: "voided", context)  // 102.99 back on ACME's prefund
/// ```
enum Holds {
    /// Where a hold is kept: a row of the `hold` table (holds placed by `hold` commands, and the
    /// one hold of a transfer recorded before holds per leg), or the columns of a transfer's leg
    /// (schema v21). Either way the journal names it by its id.
    enum Place {
        case table(String)
        case leg(operatorId: String, transfer: Data, index: Int)
    }

    struct Row {
        let place: Place
        let operatorId: String
        let currency: Currency
        let remaining: Int64
        let state: String
        /// A leg's hold: the key of its hold group (`HoldGroups`), its entry and its expiry.
        var group: (entry: Int64, expiresAt: Int64)? = nil
    }

    static func fetch(_ db: Database, _ id: String) throws -> Row {
        if let leg = TransferSubmission.legOfHold(id) {
            let transfer = Data(leg.transferId.bytes)
            let place = LegPlace.of(leg.leg)
            let (from, alias) = place.withTransfer
            if let row = try GRDB.Row.fetchOne(db.cachedStatement(sql: """
                SELECT t.send_currency, \(place.column("hold_remaining", alias: alias)), \(place.column("hold_state", alias: alias)),
                       \(place.column("hold_entry_id", alias: alias)), \(place.column("hold_expires_at", alias: alias))
                FROM \(from)
                WHERE \(place.key(alias: alias)) AND \(place.column("hold_state", alias: alias)) IS NOT NULL
                """), arguments: [leg.operatorId, transfer, leg.leg]) {
                return Row(place: .leg(operatorId: leg.operatorId, transfer: transfer, index: leg.leg),
                           operatorId: leg.operatorId, currency: try currency(row[0]), remaining: row[1], state: row[2],
                           group: (row[3], row[4]))
            }
            // Not a leg's: the one hold of a transfer recorded before holds per leg, in the table.
        }
        guard let row = try GRDB.Row.fetchOne(db.cachedStatement(sql: "SELECT operator_id, currency, remaining, state FROM hold WHERE id = ?"),
                                              arguments: [id])
        else { throw LedgerError.unknownHold(id) }
        return Row(place: .table(id), operatorId: row["operator_id"], currency: try currency(row["currency"]),
                   remaining: row["remaining"], state: row["state"])
    }

    private static func currency(_ code: String) throws -> Currency {
        do { return try Currency(code) } catch { throw LedgerError.money(error) }
    }

    /// What is left of a hold, and its state (with the entry that closed it, once closed): in the
    /// hold table, or in its leg's row. On the payout path, so `HotPathTests` compiles both.
    static let updateTableSQL = "UPDATE hold SET remaining = ?, state = ?, closed_entry_id = ? WHERE id = ?"
    static func updateLegSQL(_ place: LegPlace) -> String {
        """
        UPDATE \(place.table) SET \(place["hold_remaining"]) = ?, \(place["hold_state"]) = ?, \(place["hold_closed_entry_id"]) = ?
        WHERE \(place.key)
        """
    }
    private static let updateLegSQLs = (transferRow: updateLegSQL(.transferRow), legTable: updateLegSQL(.legTable))

    private static func write(_ db: Database, _ hold: Row, remaining: Int64, state: String, closedEntry: Int64?) throws {
        switch hold.place {
        case .table(let id):
            try db.cachedStatement(sql: updateTableSQL).execute(arguments: [remaining, state, closedEntry, id])
        case .leg(let operatorId, let transfer, let index):
            try db.cachedStatement(sql: index == 0 ? updateLegSQLs.transferRow : updateLegSQLs.legTable)
                .execute(arguments: [remaining, state, closedEntry, operatorId, transfer, index])
            // Every caller found the hold pending: one that leaves it leaves its group's count.
            if state != "pending", let group = hold.group {
                try HoldGroups.leave(db, entry: group.entry, expiresAt: group.expiresAt, operatorId: operatorId, transfer: transfer,
                                     leg: index)
            }
        }
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

    /// Takes a new transfer's holds for one operator together, so that the floor is checked once
    /// for them all: a transfer's legs are held together or not at all. The holds themselves are
    /// the caller's to write, in the transfer's legs, naming the entry this returns; the money
    /// they hold moves once per slice of commands: the first hold an operator places in a slice
    /// opens an entry (`Journal.open`), later ones join it, and `writePlaced` completes it with
    /// the total. The writer's record of the prefund moves at once, so a later transfer in the
    /// same slice sees the floor as it is. `reference` names the first hold, for an entry it
    /// opens (made only then: the hot path builds no string per transfer). The holds expire at
    /// `expiresAt`, and are counted in the entry's hold group for that expiry (`HoldGroups`).
    static func placeTogether(_ db: Database, reference: @autoclosure () -> String, operatorId: String, amounts: [Int64],
                              currency: Currency, expiresAt: Int64, _ context: WriteContext) throws -> Int64 {
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
        let accounts = try context.holdAccounts(db, operatorId, currency)
        try Journal.reserve(db, context, moving: money.minorUnits, from: accounts.prefund, to: accounts.holds)
        // One group per operator and currency; a group whose total would overflow is left as it
        // is and a new one opened, so no transfer is refused for what others placed.
        let group: Int
        if let index = context.placedHolds.lastIndex(where: { $0.operatorId == operatorId && $0.currency == currency }),
           case (let sum, false) = context.placedHolds[index].total.addingReportingOverflow(total) {
            context.placedHolds[index].total = sum
            group = index
        } else {
            let firstHold = reference()
            precondition(firstHold.hasPrefix(transferNamespace))
            let entry = try Journal.open(db, context, kind: "hold", reference: firstHold)
            context.placedHolds.append(.init(operatorId: operatorId, currency: currency, entry: entry, firstHold: firstHold,
                                             total: total, count: 0, expiries: []))
            group = context.placedHolds.count - 1
        }
        let holds = amounts.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        context.placedHolds[group].count += holds
        HoldGroups.count(holds, expiringAt: expiresAt, in: &context.placedHolds[group].expiries)
        return context.placedHolds[group].entry.id
    }

    /// Completes the entries opened by `placeTogether` since the last call, in the order they
    /// were opened: each moves its group's total from the prefund to the holds account, and its
    /// hold groups count its holds by expiry. An entry holding one hold keeps that hold's id as
    /// its reference; one holding several says how many.
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
            try HoldGroups.write(db, entry: group.entry.id, group.expiries, context)
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
        guard final || remaining == 0 else {
            try write(db, hold, remaining: remaining, state: "pending", closedEntry: nil)
            return entries
        }
        if remaining > 0 {
            entries.append(try release(db, id: id, hold: hold, amount: remaining, kind: "release", context))
        }
        try write(db, hold, remaining: 0, state: "posted", closedEntry: entries.last!)
        return entries
    }

    /// Ends a hold that was posted in part (or not at all): what is left returns to the prefund.
    static func finish(_ db: Database, id: String, postedBefore: Bool, _ context: WriteContext) throws -> Int64 {
        let hold = try fetch(db, id)
        guard hold.state == "pending" else { throw LedgerError.holdNotPending(id, state: hold.state) }
        let entry = try release(db, id: id, hold: hold, amount: hold.remaining, kind: "release", context)
        try write(db, hold, remaining: 0, state: postedBefore ? "posted" : "voided", closedEntry: entry)
        return entry
    }

    /// Voids or expires a pending hold: what is left returns to the prefund.
    static func close(_ db: Database, id: String, state: String, _ context: WriteContext) throws -> Int64 {
        let hold = try fetch(db, id)
        guard hold.state == "pending" else { throw LedgerError.holdNotPending(id, state: hold.state) }
        let entry = try release(db, id: id, hold: hold, amount: hold.remaining, kind: state == "expired" ? "expire" : "void", context)
        try write(db, hold, remaining: 0, state: state, closedEntry: entry)
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
