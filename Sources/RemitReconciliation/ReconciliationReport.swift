import Foundation

/// A reconciliation written out: a summary for people, the breaks as CSV or JSON for scripts and
/// spreadsheets, and (ReconciliationHTML) a self-contained page. `applied` pairs each action
/// with what the daemon answered ("done", or why it was refused); empty on a dry run.
public struct ReconciliationReport {
    public struct Applied: Sendable, Hashable {
        public var action: Reconciliation.Action
        public var outcome: String
        public var ok: Bool

        public init(action: Reconciliation.Action, outcome: String, ok: Bool) {
            self.action = action
            self.outcome = outcome
            self.ok = ok
        }
    }

    public var result: Reconciliation
    public var applied: [Applied]
    /// Set when the same statement was imported before: when, and by whom.
    public var importedBefore: String?
    public var dryRun: Bool

    public init(result: Reconciliation, applied: [Applied], importedBefore: String? = nil, dryRun: Bool = false) {
        self.result = result
        self.applied = applied
        self.importedBefore = importedBefore
        self.dryRun = dryRun
    }

    public var breakCounts: [(Reconciliation.BreakType, Int)] {
        Reconciliation.BreakType.allCases.map { type in (type, result.breaks.filter { $0.type == type }.count) }
    }

    /// The summary table.
    public var text: String {
        var rows: [[String]] = [["partner", result.partner], ["statement", result.label]]
        if let period = result.period { rows.append(["period", "\(period.lowerBound) to \(period.upperBound)"]) }
        rows.append(["lines", String(result.lines)])
        let methods = Reconciliation.Method.allCases.compactMap { method in
            result.matchedBy[method].map { "\($0) by \(method.rawValue)" }
        }
        rows.append(["matched", "\(result.matched)" + (methods.isEmpty ? "" : " (\(methods.joined(separator: ", ")))")])
        rows.append(["pending at the partner", String(result.pending)])
        rows.append(["not payouts (fundings, fees)", String(result.notPayouts)])
        rows.append(["open payouts not on it", String(result.openNotShown)])
        for (type, count) in breakCounts {
            let unchecked = type == .missingAtPartner && !result.checkedMissing
            rows.append(["break: \(type.rawValue)", unchecked ? "not looked for: a notification lists only some movements" : String(count)])
        }
        for check in result.balances {
            let verdict: String
            switch check.agrees {
            case nil: verdict = "no opening and closing balance stated"
            case true?: verdict = "opening \(Reconciliation.amount(check.opening!, check.currency)) + booked \(Reconciliation.amount(check.movements, check.currency)) = closing \(Reconciliation.amount(check.closing!, check.currency)) \(check.currency ?? "")"
            case false?: verdict = "DIFFERS by \(Reconciliation.amount(check.difference!, check.currency)) \(check.currency ?? ""): opening \(Reconciliation.amount(check.opening!, check.currency)) + booked \(Reconciliation.amount(check.movements, check.currency)) ≠ closing \(Reconciliation.amount(check.closing!, check.currency))"
            }
            rows.append(["balance \(check.statement)", verdict])
        }
        var text = Self.align(rows)
        if !result.actions.isEmpty {
            text += "\n\n" + (dryRun ? "would change (dry run):" : "changes:")
            let outcomes = Dictionary(applied.map { ($0.action, $0.outcome) }, uniquingKeysWith: { first, _ in first })
            text += "\n" + Self.align([["ACTION", "PAYOUT", "EVIDENCE", "OUTCOME"]] + result.actions.map {
                [$0.name, $0.key.text, $0.evidence, outcomes[$0] ?? (dryRun ? "-" : "not sent")]
            })
        }
        if let importedBefore { text += "\n\nthis statement was imported before: \(importedBefore)" }
        if result.breaks.isEmpty {
            text += "\n\n" + (result.isClean ? "no breaks" : "no breaks, but the balances do not agree")
        } else {
            let shown = result.breaks.prefix(Self.textRows)
            text += "\n\n\(result.breaks.count) break\(result.breaks.count == 1 ? "" : "s"):"
                + (result.breaks.count > shown.count ? " the first \(shown.count) (--breaks FILE writes them all)" : "") + "\n"
            var rows = [["TYPE", "LINE", "DATE", "AMOUNT", "PAYOUT", "DETAIL"]]
            for item in shown {
                var amount = "-"
                if let minor = item.amount ?? item.ledgerAmount {
                    amount = "\(item.currency ?? "") \(Reconciliation.amount(minor, item.currency))"
                }
                let line = item.line.map { String($0) } ?? "-"
                let detail = item.action.isEmpty ? item.detail : "\(item.detail) [\(item.action)]"
                rows.append([item.type.rawValue, line, item.date ?? "-", amount, item.payout ?? "-", detail])
            }
            text += Self.align(rows)
        }
        return text
    }

    /// Breaks listed in the summary; the files carry them all.
    public static let textRows = 20

    public static let csvHeader = ["type", "statement", "line", "date", "end_to_end_id", "partner_reference", "amount", "currency",
                                   "payout", "ledger_amount", "ledger_state", "detail", "action"]

    /// One row per break, RFC 4180, amounts as decimals of their currency.
    public var breaksCSV: String {
        var out = Self.csvHeader.joined(separator: ",") + "\r\n"
        for item in result.breaks {
            let fields = [item.type.rawValue, item.statement ?? "", item.line.map(String.init) ?? "", item.date ?? "",
                          item.endToEndId ?? "", item.partnerReference ?? "",
                          item.amount.map { Reconciliation.amount($0, item.currency) } ?? "", item.currency ?? "",
                          item.payout ?? "", item.ledgerAmount.map { Reconciliation.amount($0, item.currency) } ?? "",
                          item.ledgerState ?? "", item.detail, item.action]
            out += fields.map(Self.csvField).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func csvField(_ text: String) -> String {
        var value = text
        // A cell starting = + - @ is a formula to a spreadsheet: a statement's text must not run
        // as one (OWASP's CSV injection advice), so it gets a leading quote mark.
        if let first = value.first, "=+-@".contains(first), Double(value) == nil { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    func breakObject(_ item: Reconciliation.Break) -> [String: Any] {
        var object: [String: Any] = ["type": item.type.rawValue, "detail": item.detail]
        object["statement"] = item.statement
        object["line"] = item.line
        object["date"] = item.date
        object["endToEndId"] = item.endToEndId
        object["partnerReference"] = item.partnerReference
        object["amount"] = item.amount.map { Reconciliation.amount($0, item.currency) }
        object["currency"] = item.currency
        object["payout"] = item.payout
        object["ledgerAmount"] = item.ledgerAmount.map { Reconciliation.amount($0, item.currency) }
        object["ledgerState"] = item.ledgerState
        if !item.action.isEmpty { object["action"] = item.action }
        return object
    }

    /// The breaks alone, as a JSON array.
    public var breaksJSON: String { Self.json(result.breaks.map(breakObject)) }

    /// Everything: counts, balances, changes with their outcomes, breaks.
    public var json: String {
        let outcomes = Dictionary(applied.map { ($0.action, $0) }, uniquingKeysWith: { first, _ in first })
        var object: [String: Any] = [
            "partner": result.partner, "statement": result.label, "lines": result.lines, "matched": result.matched,
            "matchedBy": Dictionary(uniqueKeysWithValues: result.matchedBy.map { ($0.key.rawValue, $0.value) }),
            "pending": result.pending, "notPayouts": result.notPayouts, "openNotShown": result.openNotShown,
            "breakCounts": Dictionary(uniqueKeysWithValues: breakCounts.map { ($0.0.rawValue, $0.1) }),
            "clean": result.isClean, "dryRun": dryRun, "missingLookedFor": result.checkedMissing,
            "balances": result.balances.map { check -> [String: Any] in
                var b: [String: Any] = ["statement": check.statement, "movements": Reconciliation.amount(check.movements, check.currency)]
                b["currency"] = check.currency
                b["opening"] = check.opening.map { Reconciliation.amount($0, check.currency) }
                b["closing"] = check.closing.map { Reconciliation.amount($0, check.currency) }
                b["agrees"] = check.agrees
                return b
            },
            "changes": result.actions.map { action -> [String: Any] in
                var a: [String: Any] = ["action": action.name, "payout": action.key.text, "evidence": action.evidence]
                if let done = outcomes[action] { a["outcome"] = done.outcome; a["ok"] = done.ok }
                return a
            },
            "breaks": result.breaks.map(breakObject),
            "days": result.days.map { ["date": $0.date, "matched": $0.matched, "broken": $0.broken] },
        ]
        if let period = result.period { object["period"] = ["from": period.lowerBound, "to": period.upperBound] }
        object["importedBefore"] = importedBefore
        return Self.json(object)
    }

    static func json(_ value: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func align(_ rows: [[String]]) -> String {
        var widths: [Int] = []
        for row in rows {
            for (column, cell) in row.enumerated() {
                if column >= widths.count { widths.append(0) }
                widths[column] = max(widths[column], cell.count)
            }
        }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
