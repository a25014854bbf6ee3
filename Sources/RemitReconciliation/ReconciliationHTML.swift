import Foundation

/// The reconciliation as one self-contained HTML page (no script, no outside file): the summary,
/// a bar chart of matched and broken lines by day (inline SVG), the balance checks, the changes
/// made and the breaks (the first `maxRows`; the CSV has them all).
extension ReconciliationReport {
    public static let maxRows = 5_000

    public var html: String {
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>Reconciliation: \(Self.escape(result.partner)) \(Self.escape(result.label))</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
            table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
            th{background:#f3f3f3}.num{text-align:right;font-variant-numeric:tabular-nums}
            .bad{color:#b00020;font-weight:bold}.good{color:#1b7f3b;font-weight:bold}
            .legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
            </style></head><body>
            <h1>Reconciliation of \(Self.escape(result.partner))</h1>
            <p>\(Self.escape(result.label))\(result.period.map { " · \(Self.escape($0.lowerBound)) to \(Self.escape($0.upperBound))" } ?? "")\(dryRun ? " · dry run: nothing changed" : "")</p>
            <p class="\(result.isClean ? "good" : "bad")">\(result.isClean ? "No breaks." : "\(result.breaks.count) breaks.")</p>

            """
        if let importedBefore { page += "<p>This statement was imported before: \(Self.escape(importedBefore)).</p>\n" }
        page += "<h2>Summary</h2>\n<table>\n"
        var rows: [(String, String)] = [("Lines", String(result.lines)), ("Matched", String(result.matched))]
        for method in Reconciliation.Method.allCases { rows.append(("  by \(method.rawValue)", String(result.matchedBy[method] ?? 0))) }
        rows += [("Pending at the partner", String(result.pending)), ("Not payouts (fundings, fees)", String(result.notPayouts)),
                 ("Open payouts not on the statement", String(result.openNotShown))]
        for (type, count) in breakCounts { rows.append(("Break: \(type.rawValue)", String(count))) }
        for (name, value) in rows { page += "<tr><th>\(Self.escape(name))</th><td class=\"num\">\(value)</td></tr>\n" }
        page += "</table>\n<h2>By day</h2>\n" + chart
        page += "<h2>Balances</h2>\n<table><tr><th>Statement</th><th>Currency</th><th>Opening</th><th>Booked</th><th>Closing</th><th>Check</th></tr>\n"
        for check in result.balances {
            let verdict = check.agrees.map { $0 ? "<span class=\"good\">agrees</span>"
                : "<span class=\"bad\">differs by \(Reconciliation.amount(check.difference!, check.currency))</span>" } ?? "not stated"
            page += "<tr><td>\(Self.escape(check.statement))</td><td>\(Self.escape(check.currency ?? ""))</td>"
                + "<td class=\"num\">\(check.opening.map { Reconciliation.amount($0, check.currency) } ?? "")</td>"
                + "<td class=\"num\">\(Reconciliation.amount(check.movements, check.currency))</td>"
                + "<td class=\"num\">\(check.closing.map { Reconciliation.amount($0, check.currency) } ?? "")</td><td>\(verdict)</td></tr>\n"
        }
        page += "</table>\n"
        if !result.actions.isEmpty {
            let outcomes = Dictionary(applied.map { ($0.action, $0.outcome) }, uniquingKeysWith: { first, _ in first })
            page += "<h2>Changes\(dryRun ? " (not made: dry run)" : "")</h2>\n<table><tr><th>Action</th><th>Payout</th><th>Evidence</th><th>Outcome</th></tr>\n"
            for action in result.actions.prefix(Self.maxRows) {
                page += "<tr><td>\(action.name)</td><td>\(Self.escape(action.key.text))</td><td>\(Self.escape(action.evidence))</td>"
                    + "<td>\(Self.escape(outcomes[action] ?? "-"))</td></tr>\n"
            }
            page += "</table>\n"
        }
        page += "<h2>Breaks</h2>\n"
        if result.breaks.count > Self.maxRows {
            page += "<p>The first \(Self.maxRows) of \(result.breaks.count); the CSV (<code>--breaks FILE.csv</code>) has them all.</p>\n"
        }
        page += "<table><tr>" + Self.csvHeader.map { "<th>\($0)</th>" }.joined() + "</tr>\n"
        for item in result.breaks.prefix(Self.maxRows) {
            let cells = [item.type.rawValue, item.statement ?? "", item.line.map(String.init) ?? "", item.date ?? "",
                         item.endToEndId ?? "", item.partnerReference ?? "",
                         item.amount.map { Reconciliation.amount($0, item.currency) } ?? "", item.currency ?? "",
                         item.payout ?? "", item.ledgerAmount.map { Reconciliation.amount($0, item.currency) } ?? "",
                         item.ledgerState ?? "", item.detail, item.action]
            page += "<tr>" + cells.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>\n"
        }
        page += "</table>\n</body></html>\n"
        return page
    }

    /// Stacked bars, one per day: matched (green) under broken (red), scaled to the busiest day.
    var chart: String {
        let days = result.days
        guard !days.isEmpty else { return "<p>No dated lines.</p>\n" }
        let height = 160.0, bar = max(6.0, min(40.0, 900.0 / Double(days.count))), gap = 2.0
        let peak = Double(days.map { $0.matched + $0.broken }.max() ?? 1)
        let width = Double(days.count) * (bar + gap) + 60
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height + 70))\" role=\"img\" "
            + "aria-label=\"matched and broken lines by day\">\n"
        svg += "<text x=\"0\" y=\"12\" font-size=\"11\">\(Int(peak))</text><text x=\"0\" y=\"\(Int(height + 10))\" font-size=\"11\">0</text>\n"
        for (position, day) in days.enumerated() {
            let x = 50 + Double(position) * (bar + gap)
            let matchedHeight = height * Double(day.matched) / peak, brokenHeight = height * Double(day.broken) / peak
            let tip = "\(day.date): \(day.matched) matched, \(day.broken) broken"
            func f(_ value: Double) -> String { String(format: "%.1f", value) }
            let title = "<title>\(Self.escape(tip))</title>"
            svg += "<rect x=\"\(f(x))\" y=\"\(f(10 + height - matchedHeight))\" width=\"\(f(bar))\" height=\"\(f(matchedHeight))\" fill=\"#1b7f3b\">\(title)</rect>"
            svg += "<rect x=\"\(f(x))\" y=\"\(f(10 + height - matchedHeight - brokenHeight))\" width=\"\(f(bar))\" height=\"\(f(brokenHeight))\" fill=\"#b00020\">\(title)</rect>\n"
            if days.count <= 31 || position % max(1, days.count / 31) == 0 {
                svg += "<text x=\"\(f(x + 2))\" y=\"\(f(height + 16))\" font-size=\"10\" transform=\"rotate(60 \(f(x + 2)) \(f(height + 16)))\">\(Self.escape(day.date))</text>\n"
            }
        }
        svg += "</svg>\n"
        return svg + "<p class=\"legend\"><span style=\"background:#1b7f3b\"></span>matched<span style=\"background:#b00020\"></span>broken</p>\n"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
