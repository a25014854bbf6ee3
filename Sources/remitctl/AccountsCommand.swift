import ArgumentParser
import Foundation
import RemitDomain
import RemitLedger

/// `remitctl accounts list|statement`: the ledger's accounts and their balances, and one
/// account's movements over a period (read-only, beside the running daemon).
struct AccountsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts", abstract: "Accounts with their balances; one account's statement for a date range.",
        subcommands: [List.self, Statement.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every account (or those whose code starts with --prefix) and its balance in its normal terms.",
            discussion: """
                remitctl accounts list --prefix operator/ACME/
                Exit codes: 0 listed, 66 no ledger.
                """)
        @OptionGroup var ledger: LedgerOptions
        @Option(help: "Only accounts whose code starts so: operator/ACME/, partner/, fx/.") var prefix = ""
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try reporting {
                let lines = try ledger.open().trialBalance().filter { $0.account.hasPrefix(prefix) }
                if json {
                    print(TransferText.json(lines.map { line -> [String: Any] in
                        let normal = line.balance * line.type.normalSign
                        return ["account": line.account, "type": line.type.rawValue, "currency": line.currency,
                                "balanceMinor": normal, "balance": TransferText.amount(normal, line.currency)]
                    }))
                } else {
                    print(TransferText.align([["ACCOUNT", "TYPE", "BALANCE"]] + lines.map {
                        [$0.account, $0.type.rawValue, TransferText.amount($0.balance * $0.type.normalSign, $0.currency)]
                    }) + (lines.isEmpty ? "\n(no accounts\(prefix.isEmpty ? "" : " starting \(prefix)"))" : ""))
                }
            }
        }
    }

    struct Statement: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One account's movements over a period, with the balance before, after each, and at the end.",
            discussion: """
                remitctl accounts statement operator/ACME/prefund/USD --from 2026-11-01 --to 2026-11-30
                Days are UTC; --to is included. Amounts are in the account's normal terms (what the \
                gateway owes an operator on its prefund is positive). Exit codes: 0 shown, 1 no such \
                account, 64 usage, 66 no ledger.
                """)
        @OptionGroup var ledger: LedgerOptions
        @Argument(help: "The account's code, as accounts list shows it.") var account: String
        @Option(help: "The first day (YYYY-MM-DD, UTC); default: the beginning.") var from: String?
        @Option(help: "The last day, included (YYYY-MM-DD, UTC); default: today.") var to: String?
        @Option(help: "At most this many movements (1 to 1000000).") var limit = 10_000
        @Flag(help: "JSON for scripts.") var json = false

        func validate() throws {
            guard (1...1_000_000).contains(limit) else { throw ValidationError("--limit must be 1 to 1000000") }
        }

        func run() throws {
            try reporting {
                let start = try from.map(parseDay) ?? 0
                let end = try to.map { try parseDay($0) + 86_400_000 } ?? .max
                guard start < end else { throw CommandFailure("--from is after --to", exitCode: 64) }
                guard let statement = try ledger.open().statement(account: account, from: start, to: end, limit: limit) else {
                    throw CommandFailure("no account \(account); remitctl accounts list shows them")
                }
                let money = { (minor: Int64) in TransferText.amount(minor, statement.currency) }
                if json {
                    print(TransferText.json([
                        "account": statement.account, "type": statement.type.rawValue, "currency": statement.currency,
                        "from": from ?? "", "to": to ?? "", "openingMinor": statement.opening, "closingMinor": statement.closing,
                        "opening": money(statement.opening), "closing": money(statement.closing), "truncated": statement.truncated,
                        "movements": statement.lines.map {
                            ["entry": $0.entryId, "kind": $0.kind, "reference": $0.reference, "at": Ledger.utcTimestamp($0.createdAt),
                             "amountMinor": $0.amount, "amount": money($0.amount), "balanceMinor": $0.balance,
                             "balance": money($0.balance)] as [String: Any]
                        },
                    ] as [String: Any]))
                } else {
                    var rows = [["AT (UTC)", "ENTRY", "KIND", "REFERENCE", "AMOUNT", "BALANCE"],
                                ["", "", "", "opening balance", "", money(statement.opening)]]
                    rows += statement.lines.map {
                        [Ledger.utcTimestamp($0.createdAt), String($0.entryId), $0.kind, $0.reference, money($0.amount), money($0.balance)]
                    }
                    rows.append(["", "", "", statement.truncated ? "after the first \(limit) (--limit)" : "closing balance", "",
                                 money(statement.closing)])
                    print("\(statement.account) (\(statement.type.rawValue))\n" + TransferText.align(rows))
                }
            }
        }
    }
}
