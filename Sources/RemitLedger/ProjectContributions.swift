import Foundation
import GRDB
import RemitDomain

extension Projects {
    /// Settles a contribution leg in one transaction: the leg is paid into the project's escrow
    /// (as a leg is paid to a partner: its hold posted, its fee and FX booked), the contribution
    /// gets the project's next receipt number, and each sponsor matches it from its budget, in
    /// the order the sponsors joined. A project that takes no contributions (unknown, funded,
    /// past its deadline, refunded, in another currency) fails the leg instead, and it is
    /// refunded or redirected as the sender chose, like a leg no partner would pay.
    static func settle(_ db: Database, operatorId: String, transferId: TransferID, leg: Int,
                       _ context: WriteContext) throws -> [Int64] {
        let id = Data(transferId.bytes)
        let place = LegPlace.of(leg)
        let (from, alias) = place.withTransfer
        guard let row = try Row.fetchOne(db, sql: """
            SELECT \(place.select(["product", "account", "state", "payout_amount"], alias: alias)), t.payout_currency,
                   t.send_country, t.sender_name, t.sender_account
            FROM \(from)
            WHERE \(place.key(alias: alias))
            """, arguments: [operatorId, id, leg])
        else { throw LedgerError.unknownLeg(transferId.description, leg) }
        let legState: String = row["state"]
        guard row["product"] as String == product, legState == LegState.pending.rawValue else {
            throw LedgerError.illegalTransition("\(transferId) leg \(leg)", from: legState, to: LegState.paid.rawValue)
        }
        let report = { (outcome: LegReport.Outcome) in
            try Payouts.report(db, LegReport(operatorId: operatorId, transferId: transferId, leg: leg, outcome: outcome), context)
        }
        let projectId: String = row["account"], amount: Int64 = row["payout_amount"]
        guard let project = try Row.fetchOne(db, sql: """
            SELECT state, currency, deadline, target, contributed, matched, contributions FROM project WHERE id = ?
            """, arguments: [projectId])
        else { return try report(.failed(.unknownProject)) }
        guard project["state"] as String == "open", context.time < project["deadline"] as Int64,
              row["payout_currency"] as String? == project["currency"] as String, amount > 0
        else { return try report(.failed(.projectClosed)) }

        let number = (project["contributions"] as Int64) + 1
        var entries = try report(.dispatched(partner: "escrow"))
        let paid = try report(.paid(partnerReference: "project/\(projectId)/\(number)"))
        guard let paidEntry = paid.first else { throw LedgerError.invalidAmount(amount) }
        entries += paid
        // A contributor is a sender as its operator knows it; caps per contributor count by it.
        let contributor = operatorId + "/" + (row["sender_account"] as String)
        let sendCountry: String = row["send_country"] ?? ""
        try db.execute(sql: """
            INSERT INTO contribution (project_id, number, operator_id, transfer_id, leg_index, contributor, contributor_name,
                                      send_country, amount, entry_id, state, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'held', ?)
            """, arguments: [projectId, number, operatorId, id, leg, contributor, row["sender_name"] as String, sendCountry,
                             amount, paidEntry, context.time])

        let currency = try currency(project["currency"])
        var matched: Int64 = 0
        for rule in try Row.fetchAll(db, sql: """
            SELECT sponsor_id, ratio_ppm, project_cap, contributor_cap, min_contribution, send_countries, matched
            FROM sponsorship WHERE project_id = ? ORDER BY position
            """, arguments: [projectId]) {
            let sponsorId: String = rule["sponsor_id"], countries: String = rule["send_countries"]
            guard amount >= rule["min_contribution"] as Int64,
                  countries.isEmpty || countries.split(separator: ",").contains(Substring(sendCountry))
            else { continue }
            let already = try Int64.fetchOne(db, sql: """
                SELECT coalesce(sum(m.amount), 0) FROM project_match m
                JOIN contribution c ON c.project_id = m.project_id AND c.number = m.number
                WHERE m.project_id = ? AND m.sponsor_id = ? AND c.contributor = ?
                """, arguments: [projectId, sponsorId, contributor]) ?? 0
            let budget = AccountCode.sponsorBudget(sponsorId, currency)
            let available = -(try context.floorBalance(db, try context.account(db, budget)))
            let match = min(share(of: amount, ppm: rule["ratio_ppm"]),
                            (rule["project_cap"] as Int64) - (rule["matched"] as Int64),
                            (rule["contributor_cap"] as Int64) - already,
                            available)
            guard match > 0 else { continue }
            let entry = try Journal.append(db, context, kind: "match", reference: "project/\(projectId)/\(number)/\(sponsorId)",
                                           postings: [Posting(budget, debit: Money(match, currency)),
                                                      Posting(.projectEscrow(projectId, currency), credit: Money(match, currency))])
            try db.execute(sql: """
                INSERT INTO project_match (project_id, number, sponsor_id, amount, entry_id) VALUES (?, ?, ?, ?, ?)
                """, arguments: [projectId, number, sponsorId, match, entry])
            try db.execute(sql: "UPDATE sponsorship SET matched = matched + ? WHERE project_id = ? AND sponsor_id = ?",
                           arguments: [match, projectId, sponsorId])
            matched += match
            entries.append(entry)
        }
        let raised = (project["contributed"] as Int64) + amount + (project["matched"] as Int64) + matched
        try db.execute(sql: """
            UPDATE project SET contributed = contributed + ?, matched = matched + ?, contributions = ?, updated_at = ?,
                               state = CASE WHEN ? >= target THEN 'funded' ELSE state END
            WHERE id = ?
            """, arguments: [amount, matched, number, context.time, raised, projectId])
        return entries
    }

    /// `ppm` millionths of `amount` (neither negative), rounded down: a sponsor never matches
    /// more than its rule. Past `Int64.max` it stays there; the caps bound what is matched.
    static func share(of amount: Int64, ppm: Int64) -> Int64 {
        let (whole, overflow) = (amount / 1_000_000).multipliedReportingOverflow(by: ppm)
        guard !overflow else { return .max }
        // Below 10^6 × 10^7 (the largest ratio): no overflow.
        let (sum, over) = whole.addingReportingOverflow(amount % 1_000_000 * ppm / 1_000_000)
        return over ? .max : sum
    }

    /// Projects still open at `asOf` past their deadline start refunding; then up to `limit`
    /// contributions of refunding projects are returned, oldest project first: each one's
    /// matches to their sponsors' budgets, then the contribution to its sender's operator (its
    /// leg's payment mirrored, the fee kept or not as the project's policy says). A project
    /// with nothing left to return is refunded. Bounded, so that a project of many
    /// contributions is refunded over several commands, none of them long.
    static func expire(_ db: Database, asOf: Int64, limit: Int, _ context: WriteContext) throws -> [Int64] {
        guard limit > 0 else { throw LedgerError.invalidAmount(Int64(limit)) }
        try db.execute(sql: """
            UPDATE project SET state = 'refunding', updated_at = ? WHERE state = 'open' AND deadline <= ?
            """, arguments: [context.time, asOf])
        var entries: [Int64] = []
        var left = limit
        for project in try Row.fetchAll(db, sql: """
            SELECT id, currency, refund_policy FROM project WHERE state = 'refunding' ORDER BY deadline, id
            """) {
            let projectId: String = project["id"]
            let currency = try currency(project["currency"])
            let contributions = try Row.fetchAll(db, sql: """
                SELECT number, operator_id, transfer_id, leg_index FROM contribution
                WHERE project_id = ? AND state = 'held' ORDER BY number LIMIT ?
                """, arguments: [projectId, left])
            for contribution in contributions {
                let number: Int64 = contribution["number"]
                for match in try Row.fetchAll(db, sql: """
                    SELECT sponsor_id, amount FROM project_match
                    WHERE project_id = ? AND number = ? AND returned_entry_id IS NULL ORDER BY sponsor_id
                    """, arguments: [projectId, number]) {
                    let sponsorId: String = match["sponsor_id"], amount = Money(match["amount"], currency)
                    let entry = try Journal.append(db, context, kind: "match-return",
                                                   reference: "project/\(projectId)/\(number)/\(sponsorId)",
                                                   postings: [Posting(.projectEscrow(projectId, currency), debit: amount),
                                                              Posting(.sponsorBudget(sponsorId, currency), credit: amount)])
                    try db.execute(sql: """
                        UPDATE project_match SET returned_entry_id = ? WHERE project_id = ? AND number = ? AND sponsor_id = ?
                        """, arguments: [entry, projectId, number, sponsorId])
                    entries.append(entry)
                }
                let transferId = TransferID(bytes: [UInt8](contribution["transfer_id"] as Data))!
                let entry = try Reversals.mirror(db, operatorId: contribution["operator_id"], transferId: transferId,
                                                 leg: contribution["leg_index"], reason: .projectRefunded,
                                                 refundFee: project["refund_policy"] as String == RefundPolicy.full.rawValue,
                                                 contribution: true, context)
                try db.execute(sql: """
                    UPDATE contribution SET state = 'refunded', refund_entry_id = ? WHERE project_id = ? AND number = ?
                    """, arguments: [entry, projectId, number])
                entries.append(entry)
                left -= 1
            }
            let remaining = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM contribution WHERE project_id = ? AND state = 'held'
                """, arguments: [projectId]) ?? 0
            if remaining == 0 {
                try db.execute(sql: "UPDATE project SET state = 'refunded', updated_at = ? WHERE id = ?",
                               arguments: [context.time, projectId])
            }
            if left == 0 { break }
        }
        return entries
    }
}
