import ArgumentParser
import Foundation
import RemitDomain
import RemitLedger

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the ledger: balances against postings, every entry balanced, the hash chain, holds, events.",
        discussion: "Exit codes: 0 the ledger is whole; 1 problems were found (each is listed); 66 no readable ledger.")

    @OptionGroup var ledger: LedgerOptions
    @Flag(help: "JSON for scripts.") var json = false

    func run() throws {
        try reporting {
            let report = try ledger.open().verify()
            if json {
                print(TransferText.json(["clean": report.isClean, "entries": report.entries, "postings": report.postings,
                                         "accounts": report.accounts, "auditLines": report.auditLines,
                                         "screenings": report.screenings, "problems": report.problems] as [String: Any]))
            } else {
                print(report)
            }
            if !report.isClean { throw ExitCode(1) }
        }
    }
}

struct TrialBalanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trial-balance",
        abstract: "Every account's balance, and the total per currency, which must be zero.",
        discussion: """
            Balances are shown in each account's normal terms (an operator's prefund is positive when the \
            gateway owes the operator). The totals are debits minus credits per currency. Exit codes: 0 the \
            totals are zero; 1 a total is not zero; 66 no readable ledger.
            """)

    @OptionGroup var ledger: LedgerOptions
    @Flag(help: "Print JSON for scripts: amounts in minor units and as decimal text.")
    var json = false

    struct Line: Encodable {
        let account: String
        let type: String
        let currency: String
        let balanceMinor: Int64
        let balance: String
    }

    struct Report: Encodable {
        let accounts: [Line]
        let totals: [String: String]
        let balanced: Bool
    }

    func run() throws {
        try reporting {
            let lines = try ledger.open().trialBalance()
            var totals = [String: Int64]()
            var rows = [Line]()
            for line in lines {
                totals[line.currency, default: 0] += line.balance
                let currency = try Currency(line.currency)
                let normal = line.balance * line.type.normalSign
                rows.append(Line(account: line.account, type: line.type.rawValue, currency: line.currency,
                                 balanceMinor: normal, balance: Money(normal, currency).formatted))
            }
            let balanced = totals.values.allSatisfy { $0 == 0 }
            var formattedTotals = [String: String]()
            for (code, total) in totals { formattedTotals[code] = Money(total, try Currency(code)).formatted }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(Report(accounts: rows, totals: formattedTotals,
                                                                   balanced: balanced)), as: UTF8.self))
            } else {
                let width = max(7, rows.map(\.account.count).max() ?? 0)
                let amountWidth = max(12, rows.map(\.balance.count).max() ?? 0)
                print("account".padding(toLength: width, withPad: " ", startingAt: 0) + "  type       "
                      + String(repeating: " ", count: amountWidth - 7) + "balance")
                for row in rows {
                    print(row.account.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                          + row.type.padding(toLength: 9, withPad: " ", startingAt: 0) + "  "
                          + String(repeating: " ", count: max(0, amountWidth - row.balance.count)) + row.balance)
                }
                for (currency, total) in formattedTotals.sorted(by: { $0.key < $1.key }) {
                    print("total \(currency) (debits − credits): \(total)")
                }
            }
            if !balanced { throw ExitCode(1) }
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the ledger as a beancount or hledger journal, or as CSV.",
        discussion: """
            Journals start with balances brought forward (with --from) and end with a balance assertion for \
            every account, so `bean-check` and `hledger check` confirm they agree with the ledger. \
            Exit codes: 0 written; 66 no readable ledger; 64 bad usage.
            """)

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "beancount, hledger or csv.")
    var format: String
    @Option(help: "First day to include (YYYY-MM-DD, UTC).")
    var from: String?
    @Option(help: "First day to leave out (YYYY-MM-DD, UTC).")
    var to: String?
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    func run() throws {
        guard let exportFormat = ExportFormat(rawValue: format) else {
            throw ValidationError("--format must be one of: beancount, hledger, csv")
        }
        let lower = try from.map(parseDay), upper = try to.map(parseDay)
        try reporting {
            let text = try ledger.open().export(exportFormat, from: lower, to: upper)
            if let output {
                try text.write(toFile: output, atomically: true, encoding: .utf8)
            } else {
                print(text, terminator: "")
            }
        }
    }
}
