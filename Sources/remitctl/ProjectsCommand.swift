import ArgumentParser
import Foundation
import RemitDomain
import RemitGateway
import RemitLedger

/// `remitctl projects ...`: hometown associations' projects, their sponsors, statements and
/// receipts (docs/projects.md). Changes go through the daemon; statements read the ledger.
struct ProjectsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projects", abstract: "Collective remittances: associations, projects, sponsors, statements.",
        subcommands: [List.self, Associate.self, Open.self, SponsorRegister.self, SponsorFund.self, Sponsor.self, Disburse.self,
                      RefundDue.self, Show.self, Contributions.self, ReceiptCommand.self])

    /// Sends one project request to the daemon and prints what it did. Exit codes: 0 done,
    /// 1 refused, 69 daemon not reachable.
    static func send(_ request: AdminRequest, _ socket: String, done: String) throws {
        let response = try ask(request, socket)
        guard response.ok else {
            FileHandle.standardError.write(Data("remitctl: \(response.error ?? "refused")\n".utf8))
            throw ExitCode(1)
        }
        let entries = response.entries ?? []
        print(done + (entries.isEmpty ? "" : " (entries \(entries.map(String.init).joined(separator: ", ")))"))
    }

    struct Associate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a hometown association for an operator, through the daemon.",
            discussion: """
                remitctl projects associate CLUB-JEREZ --operator ACME --name "Club Social Jerez" --country MX

                Registering it again with the same details changes nothing. Exit codes: 0 done, 1 refused, 69 daemon not reachable.
                """)
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Argument(help: "The association's id (1 to 34 of A-Z a-z 0-9 - _ .).") var id: String
        @Option(name: .customLong("operator"), help: "The operator whose customers its members are.") var operatorId: String
        @Option(help: "Its name.") var name: String
        @Option(help: "Where its projects are (ISO 3166-1 alpha-2).") var country: String

        func run() throws {
            try ProjectsCommand.send(AdminRequest(command: "association-register", operator: operatorId,
                                                  project: ProjectRequest(association: id, name: name, country: country)),
                                     socket.path, done: "association \(id) registered")
        }
    }

    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a project from a JSON file, through the daemon.",
            discussion: """
                remitctl projects open well.json

                well.json:
                  {"id": "JEREZ-WELL", "association": "CLUB-JEREZ", "title": "Pozo de agua", "currency": "MXN",
                   "target": "8000.00", "partner": "KMFI", "institution": "KMFI", "account": "0012345678",
                   "deadline": "2027-06-30T23:59:59Z", "policy": "full",
                   "milestones": [{"description": "Drilling", "amount": "5000.00"},
                                  {"description": "Pump and tank", "amount": "3000.00"}]}

                The milestones add up to the target. policy: full (send amount and fee returned if the deadline is
                missed) or amount (the fee kept). Exit codes: 0 opened, 1 refused, 66 no file, 69 daemon not reachable.
                """)
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Argument(help: "The project, as JSON.") var file: String

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("remitctl: cannot read \(file)\n".utf8))
                throw ExitCode(66)
            }
            let project: ProjectRequest
            do { project = try JSONDecoder().decode(ProjectRequest.self, from: data) } catch {
                FileHandle.standardError.write(Data("remitctl: \(file) is not a project: \(error)\n".utf8))
                throw ExitCode(1)
            }
            try ProjectsCommand.send(AdminRequest(command: "project-open", project: project), socket.path,
                                     done: "project \(project.id ?? "") opened")
        }
    }

    struct SponsorRegister: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sponsor-register", abstract: "Register a sponsor, through the daemon.",
            discussion: "remitctl projects sponsor-register MUNI-JEREZ --name \"Municipio de Jerez\"\n\nExit codes: 0 done, 1 refused, 69 daemon not reachable.")
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Argument(help: "The sponsor's id.") var id: String
        @Option(help: "Its name.") var name: String

        func run() throws {
            try ProjectsCommand.send(AdminRequest(command: "sponsor-register", project: ProjectRequest(sponsor: id, name: name)),
                                     socket.path, done: "sponsor \(id) registered")
        }
    }

    struct SponsorFund: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sponsor-fund", abstract: "Book a sponsor's deposit into its budget, through the daemon.",
            discussion: "remitctl projects sponsor-fund MUNI-JEREZ 10000.00 MXN --reference \"wire 2027-01-15/7\"\n\nExit codes: 0 booked, 1 refused, 69 daemon not reachable.")
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Argument(help: "The sponsor's id.") var id: String
        @Argument(help: "The amount, e.g. 10000.00.") var amount: String
        @Argument(help: "Its currency.") var currency: String
        @Option(help: "The bank transfer or document behind it.") var reference: String

        func run() throws {
            try ProjectsCommand.send(AdminRequest(command: "sponsor-fund", amount: amount, reference: reference,
                                                  project: ProjectRequest(sponsor: id, currency: currency)),
                                     socket.path, done: "sponsor \(id) funded with \(currency) \(amount)")
        }
    }

    struct Sponsor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a sponsor's matching rule for an open project, through the daemon.",
            discussion: """
                remitctl projects sponsor JEREZ-WELL MUNI-JEREZ --ratio 1 --project-cap 10000.00 --contributor-cap 500.00
                remitctl projects sponsor JEREZ-WELL FEDERAL --ratio 1 --project-cap 1000.00 --contributor-cap 300.00 \\
                    --min-contribution 100.00 --send-countries US,CA

                Amounts in the project's currency; --ratio 1 is one for one (3x1's rule for each government).
                Exit codes: 0 set, 1 refused, 69 daemon not reachable.
                """)
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Argument(help: "The project's id.") var project: String
        @Argument(help: "The sponsor's id.") var sponsor: String
        @Option(help: "What it adds per unit contributed (a decimal, at most 6 places).") var ratio: String
        @Option(help: "The most it matches for the project.") var projectCap: String
        @Option(help: "The most it matches per contributor.") var contributorCap: String
        @Option(help: "Contributions below this are not matched.") var minContribution: String?
        @Option(help: "Match only contributions sent from these countries (comma-separated).") var sendCountries: String?

        func run() throws {
            let countries = sendCountries.map { $0.split(separator: ",").map(String.init) }
            try ProjectsCommand.send(AdminRequest(command: "project-sponsor", project: ProjectRequest(
                id: project, sponsor: sponsor, ratio: ratio, projectCap: projectCap, contributorCap: contributorCap,
                minContribution: minContribution, sendCountries: countries)),
                                     socket.path, done: "\(sponsor) sponsors \(project)")
        }
    }

    struct Disburse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a funded project's next milestone and pay it to the beneficiary institution, through the daemon.",
            discussion: """
                remitctl projects disburse JEREZ-WELL --milestone 1 --evidence "site inspection 2027-03-02, report 17"

                Milestones are paid in order, each as a transfer of the project's own through the payout partners (the
                last one pays all the project holds). A refunded attempt may be disbursed again. `projects show` follows
                it. Exit codes: 0 sent, 1 refused, 69 daemon not reachable.
                """)
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Argument(help: "The project's id.") var project: String
        @Option(help: "The milestone's number (1, 2, …).") var milestone: Int
        @Option(help: "What the approval rests on: an inspection, an invoice (1 to 500 bytes).") var evidence: String

        func run() throws {
            try ProjectsCommand.send(AdminRequest(command: "project-disburse", evidence: evidence,
                                                  project: ProjectRequest(id: project, milestone: milestone)),
                                     socket.path, done: "\(project) milestone \(milestone) sent to its institution")
        }
    }

    struct RefundDue: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "refund-due",
            abstract: "Refund projects past their deadline now, through the daemon (it also does so every 30 s).",
            discussion: "Exit codes: 0 done, 1 refused, 69 daemon not reachable.")
        @OptionGroup var socket: OperatorsCommand.SocketOptions

        func run() throws {
            try ProjectsCommand.send(AdminRequest(command: "projects-refund-due"), socket.path, done: "refunds due recorded")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every project: state, raised against target, in escrow, deadline (reads the ledger).",
            discussion: "Exit codes: 0 listed, 66 no ledger.")
        @OptionGroup var ledger: LedgerOptions
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try reporting {
                let projects = try ledger.open().projects()
                if json {
                    print(TransferText.json(projects.map { ProjectText.object($0, []) }))
                } else {
                    print(TransferText.align([["PROJECT", "ASSOCIATION", "STATE", "RAISED", "TARGET", "IN ESCROW", "DEADLINE (UTC)"]]
                        + projects.map { p in
                            [p.plan.id, p.plan.associationId, p.state, ProjectText.money(p.contributed + p.matched, p.plan.currency),
                             ProjectText.money(p.plan.target, p.plan.currency), ProjectText.money(p.escrow, p.plan.currency),
                             Ledger.utcTimestamp(p.plan.deadline)]
                        }) + (projects.isEmpty ? "\n(no projects)" : ""))
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A project's statement: raised, matched by sponsor, held, with its contributions (reads the ledger).",
            discussion: "Exit codes: 0 shown, 1 no such project, 66 no ledger.")
        @OptionGroup var ledger: LedgerOptions
        @Argument(help: "The project's id.") var project: String
        @Flag(help: "JSON for scripts and exports.") var json = false

        func run() throws {
            try reporting {
                let ledger = try ledger.open()
                guard let statement = try ledger.projectStatement(project) else {
                    throw CommandFailure("no project \(project)")
                }
                // The text shows the latest receipts; the JSON, an export, has them all.
                let receipts = try ledger.contributions(projectId: project, after: json ? 0 : max(0, Int64(statement.contributions) - 50),
                                                        limit: 1_000_000)
                print(json ? TransferText.json(ProjectText.object(statement, receipts)) : ProjectText.text(statement, receipts))
            }
        }
    }

    struct Contributions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A project's contributions, one receipt per line, as CSV (reads the ledger).",
            discussion: "Exit codes: 0 listed, 1 no such project, 66 no ledger.")
        @OptionGroup var ledger: LedgerOptions
        @Argument(help: "The project's id.") var project: String

        func run() throws {
            try reporting {
                let ledger = try ledger.open()
                guard let statement = try ledger.projectStatement(project) else { throw CommandFailure("no project \(project)") }
                print(ProjectText.csv(statement, try ledger.contributions(projectId: project, limit: 1_000_000)), terminator: "")
            }
        }
    }
}

enum ProjectText {
    static func money(_ minor: Int64, _ currency: Currency) -> String { "\(currency.code) \(Money(minor, currency).formatted)" }

    static func text(_ s: ProjectStatement, _ receipts: [ContributionReceipt]) -> String {
        let c = s.plan.currency
        var lines = [
            "project \(s.plan.id): \(s.plan.title)",
            "association \(s.plan.associationId) (\(s.associationName)), operator \(s.operatorId)",
            "state \(s.state), deadline \(Ledger.utcTimestamp(s.plan.deadline)), refund policy \(s.plan.refundPolicy.rawValue)",
            "beneficiary \(s.plan.institution) account \(s.plan.account) through partner \(s.plan.partner)",
            "target \(money(s.plan.target, c)); raised \(money(s.contributed + s.matched, c)): contributed "
                + "\(money(s.contributed, c)) in \(s.contributions), matched \(money(s.matched, c)); in escrow \(money(s.escrow, c))",
            "",
            TransferText.align([["SPONSOR", "RATIO", "PROJECT CAP", "PER CONTRIBUTOR", "MATCHED", "RETURNED"]]
                + s.sponsorships.map {
                    ["\($0.rule.sponsorId) (\($0.sponsorName))", ratio($0.rule.ratioPpm), money($0.rule.projectCap, c),
                     money($0.rule.contributorCap, c), money($0.matched, c), money($0.returned, c)]
                }),
            "",
            TransferText.align([["MILESTONE", "AMOUNT", "STATE", "DISBURSED", "TRANSFER"]] + s.milestones.map {
                ["\($0.position). \($0.description)", money($0.amount, c), $0.state, money($0.disbursed, c),
                 $0.transferId?.description ?? "-"]
            }),
            "",
            TransferText.align([["RECEIPT", "RECEIVED (UTC)", "CONTRIBUTOR", "FROM", "VIA", "AMOUNT", "MATCHED", "STATE"]]
                + receipts.map { r in
                    [String(r.number), Ledger.utcTimestamp(r.receivedAt), r.contributorName, r.sendCountry, r.operatorId,
                     money(r.amount, c), money(r.matches.reduce(0) { $0 + $1.amount }, c), r.state]
                }),
        ]
        if receipts.isEmpty { lines.append("(no contributions yet)") }
        if let first = receipts.first, first.number > 1 {
            lines.append("(the latest \(receipts.count) of \(s.contributions); all of them: remitctl projects contributions \(s.plan.id))")
        }
        return lines.joined(separator: "\n")
    }

    static func ratio(_ ppm: Int64) -> String {
        let fraction = ppm % 1_000_000
        guard fraction != 0 else { return "\(ppm / 1_000_000):1" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(ppm / 1_000_000).\(digits):1"
    }

    static func object(_ s: ProjectStatement, _ receipts: [ContributionReceipt]) -> [String: Any] {
        let c = s.plan.currency
        return [
            "id": s.plan.id, "title": s.plan.title, "association": s.plan.associationId, "operator": s.operatorId,
            "state": s.state, "currency": c.code, "targetMinor": s.plan.target, "deadline": Ledger.utcTimestamp(s.plan.deadline),
            "refundPolicy": s.plan.refundPolicy.rawValue, "contributedMinor": s.contributed, "matchedMinor": s.matched,
            "contributions": s.contributions, "escrowMinor": s.escrow,
            "beneficiary": ["partner": s.plan.partner, "institution": s.plan.institution, "account": s.plan.account],
            "disbursedMinor": s.disbursed,
            "milestones": s.milestones.map {
                ["position": $0.position, "description": $0.description, "amountMinor": $0.amount, "state": $0.state,
                 "disbursedMinor": $0.disbursed, "transfer": $0.transferId?.description as Any, "attempts": $0.attempts,
                 "evidence": $0.evidence] as [String: Any]
            },
            "sponsors": s.sponsorships.map {
                ["sponsor": $0.rule.sponsorId, "name": $0.sponsorName, "ratioPpm": $0.rule.ratioPpm,
                 "projectCapMinor": $0.rule.projectCap, "contributorCapMinor": $0.rule.contributorCap,
                 "minContributionMinor": $0.rule.minContribution, "sendCountries": $0.rule.sendCountries,
                 "matchedMinor": $0.matched, "returnedMinor": $0.returned] as [String: Any]
            },
            "receipts": receipts.map { r -> [String: Any] in
                ["number": r.number, "transfer": r.transferId.description, "leg": r.leg, "operator": r.operatorId,
                 "contributor": r.contributorName, "sendCountry": r.sendCountry, "amountMinor": r.amount,
                 "receivedAt": Ledger.utcTimestamp(r.receivedAt), "state": r.state, "entry": r.entryId,
                 "refundEntry": r.refundEntryId as Any,
                 "matches": r.matches.map { ["sponsor": $0.sponsorId, "amountMinor": $0.amount, "entry": $0.entryId] }]
            },
        ]
    }

    static func csv(_ s: ProjectStatement, _ receipts: [ContributionReceipt]) -> String {
        let sponsors = s.sponsorships.map(\.rule.sponsorId)
        var out = (["receipt", "received_at", "operator", "transfer", "leg", "contributor", "send_country", "currency", "amount"]
            + sponsors.map { "matched_" + $0 } + ["state"]).joined(separator: ",") + "\n"
        for r in receipts {
            let matched = sponsors.map { id in r.matches.first { $0.sponsorId == id }.map { Money($0.amount, s.plan.currency).formatted } ?? "0" }
            out += ([String(r.number), Ledger.utcTimestamp(r.receivedAt), r.operatorId, r.transferId.description, String(r.leg),
                     field(r.contributorName), r.sendCountry, s.plan.currency.code, Money(r.amount, s.plan.currency).formatted]
                + matched + [r.state]).joined(separator: ",") + "\n"
        }
        return out
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
