import Foundation
import GRDB
import RemitDomain

/// Plain-text exports of the books for other tools: hledger and beancount journals, and CSV.
///
/// A journal export starts with the balances brought forward from before `from` (if any), holds
/// every entry in the range, and ends with a balance assertion for every account as the ledger
/// has it at the end of the range, so `hledger check` and `bean-check` prove that their
/// arithmetic agrees with the ledger's.
///
/// ```swift
/// let text = try ledger.export(.hledger, from: nil, to: nil)
/// ```
public enum ExportFormat: String, Sendable, CaseIterable {
    case beancount, hledger, csv
}

extension Ledger {
    /// A time as exports write it: ISO 8601 UTC with milliseconds.
    public static func utcTimestamp(_ milliseconds: Int64) -> String { ExportWriter.timestamp(milliseconds) }

    struct ExportAccount {
        let id: Int64
        let code: String
        let type: AccountType
        let currency: Currency
        let createdAt: Int64
    }

    /// Exports entries with `from <= created_at < to` (milliseconds since the epoch; nil for open ends).
    public func export(_ format: ExportFormat, from: Int64? = nil, to: Int64? = nil) throws -> String {
        try pool.read { db in
            let accounts = try Row.fetchAll(db, sql: "SELECT id, code, type, currency, created_at FROM account ORDER BY code")
                .map { row -> ExportAccount in
                    let code: String = row["currency"]
                    guard let currency = try? Currency(code) else { throw LedgerError.money(.unknownCurrency(code)) }
                    return ExportAccount(id: row["id"], code: row["code"], type: AccountType(rawValue: row["type"])!,
                                         currency: currency, createdAt: row["created_at"])
                }
            let byId = Dictionary(uniqueKeysWithValues: accounts.map { ($0.id, $0) })
            let lower = from ?? Int64.min, upper = to ?? Int64.max
            func balances(before time: Int64) throws -> [Int64: Int64] {
                var result = [Int64: Int64]()
                for row in try Row.fetchAll(db, sql: """
                    SELECT p.account_id, sum(p.amount) AS total FROM posting p JOIN entry e ON e.id = p.entry_id
                    WHERE e.created_at < ? GROUP BY p.account_id
                    """, arguments: [time]) {
                    result[row["account_id"]] = row["total"]
                }
                return result
            }
            let opening = from == nil ? [:] : try balances(before: lower)
            let closing = try balances(before: upper)
            var writer = ExportWriter(format: format, accounts: accounts, byId: byId)
            writer.header()
            if let from, opening.values.contains(where: { $0 != 0 }) {
                writer.opening(opening, at: from)
            }
            let postings = try Row.fetchCursor(db, sql: """
                SELECT e.id, e.kind, e.reference, e.created_at, p.account_id, p.amount
                FROM entry e JOIN posting p ON p.entry_id = e.id
                WHERE e.created_at >= ? AND e.created_at < ? ORDER BY e.id, p.line
                """, arguments: [lower, upper])
            var current: (id: Int64, kind: String, reference: String, time: Int64)?
            var lines = [(Int64, Int64)]()
            while let row = try postings.next() {
                let id: Int64 = row["id"]
                if current?.id != id {
                    if let current { writer.entry(current, lines) }
                    current = (id, row["kind"], row["reference"], row["created_at"])
                    lines.removeAll()
                }
                lines.append((row["account_id"], row["amount"]))
            }
            if let current { writer.entry(current, lines) }
            let lastTime = try Int64.fetchOne(db, sql: "SELECT max(created_at) FROM entry WHERE created_at < ?",
                                              arguments: [upper])
            writer.assertions(closing, at: lastTime ?? from ?? 0)
            return writer.text
        }
    }
}

struct ExportWriter {
    let format: ExportFormat
    let accounts: [Ledger.ExportAccount]
    let byId: [Int64: Ledger.ExportAccount]
    var text = ""

    static func day(_ milliseconds: Int64) -> String {
        let t = UTCTime(milliseconds)
        return "\(pad(t.year, 4))-\(pad(t.month, 2))-\(pad(t.day, 2))"
    }

    /// ISO 8601 with milliseconds: `2026-11-23T12:00:00.000Z`.
    static func timestamp(_ milliseconds: Int64) -> String {
        let t = UTCTime(milliseconds)
        return "\(day(milliseconds))T\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2)).\(pad(t.millisecond, 3))Z"
    }

    static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    func amount(_ minor: Int64, _ account: Ledger.ExportAccount) -> String {
        Money(minor, account.currency).formatted
    }

    /// `operator/ACME/prefund/USD` as hledger (`liabilities:operator:ACME:prefund:USD`) or
    /// beancount (`Liabilities:Operator:ACME:Prefund:USD`) wants it.
    func name(_ account: Ledger.ExportAccount) -> String {
        let root: String
        switch account.type {
        case .asset: root = "assets"
        case .liability: root = "liabilities"
        case .equity: root = "equity"
        case .revenue: root = format == .beancount ? "income" : "revenues"
        case .expense: root = "expenses"
        }
        var code = account.code.split(separator: "/").map(String.init)
        if account.type == .revenue, code.first == "revenue" { code.removeFirst() }  // not revenues:revenue:fees
        let segments = [root] + code
        guard format == .beancount else { return segments.joined(separator: ":") }
        return segments.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: ":")
    }

    var openingAccount: String { format == .beancount ? "Equity:Opening-Balances" : "equity:opening-balances" }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "'") + "\""
    }

    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    mutating func header() {
        switch format {
        case .csv:
            text += "entry,time,kind,reference,account,currency,amount\n"
        case .hledger:
            text += "; Remit Gateway ledger export (hledger)\n"
            for currency in Set(accounts.map(\.currency)).sorted() {
                // Declares the commodity with its decimals: "commodity 1.00 USD"; hledger wants the
                // decimal mark even without decimals: "commodity 1. JPY".
                let sample = currency.exponent == 0 ? "1." : "1." + String(repeating: "0", count: currency.exponent)
                text += "commodity \(sample) \(currency)\n"
            }
            text += "account \(openingAccount)\n"
            for account in accounts { text += "account \(name(account))\n" }
            text += "\n"
        case .beancount:
            text += "; Remit Gateway ledger export (beancount)\n"
            text += "option \"title\" \"Remit Gateway ledger\"\n\n"
            let first = accounts.map(\.createdAt).min() ?? 0
            text += "\(Self.day(first)) open \(openingAccount)\n"
            for account in accounts {
                text += "\(Self.day(account.createdAt)) open \(name(account)) \(account.currency)\n"
            }
            text += "\n"
        }
    }

    mutating func opening(_ balances: [Int64: Int64], at time: Int64) {
        for (id, balance) in balances.sorted(by: { $0.key < $1.key }) where balance != 0 {
            let account = byId[id]!
            switch format {
            case .csv:
                text += "opening,\(Self.timestamp(time)),opening,,\(account.code),\(account.currency),\(amount(balance, account))\n"
            case .hledger, .beancount:
                let flag = format == .beancount ? " *" : ""
                text += "\(Self.day(time))\(flag) \(Self.quoted("opening balance"))\n"
                text += "    \(name(account))  \(amount(balance, account)) \(account.currency)\n"
                text += "    \(openingAccount)  \(amount(-balance, account)) \(account.currency)\n\n"
            }
        }
    }

    mutating func entry(_ entry: (id: Int64, kind: String, reference: String, time: Int64), _ lines: [(Int64, Int64)]) {
        switch format {
        case .csv:
            for (accountId, value) in lines {
                let account = byId[accountId]!
                text += "\(entry.id),\(Self.timestamp(entry.time)),\(entry.kind),\(Self.csvField(entry.reference)),"
                    + "\(account.code),\(account.currency),\(amount(value, account))\n"
            }
        case .hledger:
            text += "\(Self.day(entry.time)) (\(entry.id)) \(entry.kind) | \(entry.reference.replacingOccurrences(of: "\n", with: " "))\n"
            for (accountId, value) in lines {
                let account = byId[accountId]!
                text += "    \(name(account))  \(amount(value, account)) \(account.currency)\n"
            }
            text += "\n"
        case .beancount:
            text += "\(Self.day(entry.time)) * \(Self.quoted(entry.kind)) \(Self.quoted(entry.reference))\n"
            text += "  entry: \(entry.id)\n"
            for (accountId, value) in lines {
                let account = byId[accountId]!
                text += "  \(name(account))  \(amount(value, account)) \(account.currency)\n"
            }
            text += "\n"
        }
    }

    /// Asserts every account's balance at the end of the export.
    mutating func assertions(_ balances: [Int64: Int64], at time: Int64) {
        switch format {
        case .csv:
            return
        case .hledger:
            text += "\(Self.day(time)) ledger balances\n"
            for account in accounts {
                text += "    \(name(account))  0 \(account.currency) = \(amount(balances[account.id] ?? 0, account)) \(account.currency)\n"
            }
        case .beancount:
            // A beancount balance assertion holds at the start of its day.
            let next = Self.day(time + 86_400_000)
            for account in accounts {
                text += "\(next) balance \(name(account))  \(amount(balances[account.id] ?? 0, account)) \(account.currency)\n"
            }
        }
    }
}
