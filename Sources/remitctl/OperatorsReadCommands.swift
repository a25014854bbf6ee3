import ArgumentParser
import Foundation
import RemitDomain
import RemitGateway
import RemitLedger

extension OperatorsCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every operator with its prefund (available) and what is held for its transfers under way.",
            discussion: "Exit codes: 0 listed, 66 no ledger.")
        @OptionGroup var ledger: LedgerOptions
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try reporting {
                let books = try ledger.open()
                let balances = try books.trialBalance()
                let rows = try books.operators().map { record in
                    OperatorMoney(record, balances.filter { $0.account.hasPrefix("operator/\(record.id)/") })
                }
                if json {
                    print(TransferText.json(rows.map(\.object)))
                } else {
                    print(TransferText.align([["OPERATOR", "PREFUND", "HELD", "OPENED (UTC)"]] + rows.map {
                        [$0.record.id, $0.text(.prefund), $0.text(.holds), Ledger.utcTimestamp($0.record.openedAt)]
                    }))
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One operator: its prefund and holds, its transfers by state, and its configured limits.",
            discussion: """
                The limits come from the daemon's configuration (--config, else $REMIT_CONFIG, else remitd.toml \
                in the state folder), read without its secret files. Exit codes: 0 shown, 1 no such operator, \
                66 no ledger.
                """)
        @OptionGroup var ledger: LedgerOptions
        @Argument(help: "The operator id.") var operatorId: String
        @Option(help: ArgumentHelp("The daemon's configuration, for the operator's limits.", valueName: "path")) var config: String?
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try reporting {
                let books = try ledger.open()
                guard let record = try books.operators().first(where: { $0.id == operatorId }) else {
                    throw CommandFailure("no operator \(operatorId) in the ledger")
                }
                let money = OperatorMoney(record, try books.trialBalance().filter { $0.account.hasPrefix("operator/\(operatorId)/") })
                let counts = try books.transferCounts(operatorId: operatorId)
                let configured = (try? GatewayConfiguration.load(path: ledger.configurationPath(config), secrets: .skip))?
                    .operators.first { $0.id == operatorId }
                let limits = configured.map(Self.limits) ?? []
                if json {
                    var object = money.object
                    object["transfers"] = Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })
                    object["lastEventSequence"] = Int64(clamping: record.lastEventSequence)
                    if let configured {
                        object["certificateName"] = configured.certificateName
                        object["suspended"] = configured.suspended
                        object["limits"] = Dictionary(uniqueKeysWithValues: limits.map { ($0.0, $0.1) })
                    }
                    print(TransferText.json(object))
                } else {
                    var rows = [["operator", operatorId], ["opened", Ledger.utcTimestamp(record.openedAt)],
                                ["prefund", money.text(.prefund)], ["held", money.text(.holds)],
                                ["events", "up to \(record.lastEventSequence)"]]
                    rows += counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { ["transfers \($0.key.rawValue)", String($0.value)] }
                    if let configured {
                        rows.append(["certificate name", configured.certificateName])
                        if configured.suspended { rows.append(["suspended", "yes: new transfers are refused"]) }
                        rows += limits.map { [$0.0, $0.1] }
                    } else {
                        rows.append(["limits", "not shown: the configuration cannot be read or does not list \(operatorId)"])
                    }
                    print(TransferText.align(rows))
                }
            }
        }

        /// The operator's limits as words and amounts: credit, per transfer, per sender, per beneficiary, per day.
        static func limits(_ configured: GatewayConfiguration.Operator) -> [(String, String)] {
            let code = configured.currency.code
            let money = { (minor: Int64) in TransferText.amount(minor, code) }
            var out: [(String, String)] = [("credit limit", money(configured.creditLimit))]
            out.append(("most per transfer", configured.maxTransaction.map(money) ?? "no limit"))
            out.append(("quote required", configured.quoteRequired ? "yes" : "no"))
            func window(_ name: String, _ window: VolumeLimits.Window) {
                guard !window.isEmpty else { return }
                let parts = [window.count.map { "\($0) transfers" }, window.amount.map(money)].compactMap { $0 }
                out.append((name, parts.joined(separator: ", ")))
            }
            window("sender per day", configured.limits.senderDaily)
            window("sender per 30 days", configured.limits.senderMonthly)
            window("beneficiary per day", configured.limits.beneficiaryDaily)
            window("beneficiary per 30 days", configured.limits.beneficiaryMonthly)
            if let daily = configured.limits.operatorDaily { out.append(("operator per day", money(daily))) }
            return out
        }
    }
}

/// An operator's prefund and holds, from the trial balance, in normal terms.
struct OperatorMoney {
    enum Kind: String { case prefund, holds }

    let record: OperatorRecord
    let lines: [TrialBalanceLine]

    init(_ record: OperatorRecord, _ lines: [TrialBalanceLine]) {
        self.record = record
        self.lines = lines
    }

    func balances(_ kind: Kind) -> [(currency: String, minor: Int64)] {
        lines.filter { $0.account.hasPrefix("operator/\(record.id)/\(kind.rawValue)/") }
            .map { ($0.currency, $0.balance * $0.type.normalSign) }
    }

    func text(_ kind: Kind) -> String {
        let found = balances(kind)
        return found.isEmpty ? "-" : found.map { TransferText.amount($0.minor, $0.currency) }.joined(separator: ", ")
    }

    var object: [String: Any] {
        var object: [String: Any] = ["id": record.id, "openedAt": Ledger.utcTimestamp(record.openedAt)]
        for kind in [Kind.prefund, .holds] {
            object[kind.rawValue] = balances(kind).map {
                ["currency": $0.currency, "balanceMinor": $0.minor, "balance": TransferText.amount($0.minor, $0.currency)] as [String: Any]
            }
        }
        return object
    }
}
