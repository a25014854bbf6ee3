import ArgumentParser
import Foundation
import RemitDomain
import RemitGateway
import RemitLedger

/// `remitctl partners list|enable|disable`: the daemon's partners and their switches, through
/// the admin socket (the switches live in the running daemon).
struct PartnersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partners", abstract: "List payout partners; switch one off or on while the daemon runs.",
        subcommands: [List.self, Health.self, Enable.self, Disable.self])

    struct Health: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask every partner now whether it can take payouts (a heartbeat, an authenticated read, its folders).",
            discussion: "Exit codes: 0 none is down, 1 a partner is down, 69 daemon not reachable.")
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let response = try ask(AdminRequest(command: "partners-health"), socket.path)
            try show(response, json: json) { response in
                print(TransferText.align([["PARTNER", "ADAPTER", "HEALTH", "CIRCUIT", "DETAIL"]] + (response.partners ?? []).map {
                    [$0.id, $0.adapter, $0.health ?? "-", $0.circuitOpen ? "open" : "closed", $0.healthDetail ?? ""]
                }))
            }
            if response.partners?.contains(where: { $0.health == "down" }) == true { throw ExitCode(1) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Partners with their switch and circuit.", discussion: "Exit codes: 0 listed, 69 daemon not reachable.")
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let response = try ask(AdminRequest(command: "partners"), socket.path)
            try show(response, json: json)
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let the partner take new legs again (until the next start; the configuration decides after).",
            discussion: "Exit codes: 0 done, 1 refused, 69 daemon not reachable.")
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Argument(help: "The partner id.") var partner: String
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try show(try ask(AdminRequest(command: "partner-enable", partner: partner), socket.path), json: json)
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop sending new legs to the partner (legs already with it are still settled).",
            discussion: "Exit codes: 0 done, 1 refused, 69 daemon not reachable.")
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Argument(help: "The partner id.") var partner: String
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try show(try ask(AdminRequest(command: "partner-disable", partner: partner), socket.path), json: json)
        }
    }

    static func table(_ partners: [PartnerStatus]) -> String {
        TransferText.align([["PARTNER", "ADAPTER", "ENABLED", "CIRCUIT", "COUNTRIES", "PRODUCTS"]] + partners.map {
            [$0.id, $0.adapter, $0.enabled ? "yes" : "no", $0.circuitOpen ? "open" : "closed",
             $0.countries.joined(separator: ","), $0.products.joined(separator: ",")]
        })
    }
}

/// Prints an admin answer: JSON, or `success` for people (by default the partners table and
/// the transfer's new state), or the refusal on standard error with exit code 1.
func show(_ response: AdminResponse, json: Bool, success: ((AdminResponse) -> Void)? = nil) throws {
    if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(response), as: UTF8.self))
    } else if response.ok {
        if let success { success(response) } else {
            if let partners = response.partners { print(PartnersCommand.table(partners)) }
            if let status = response.status { print("transfer now \(status)") }
        }
    } else {
        FileHandle.standardError.write(Data("remitctl: \(response.error ?? "refused")\n".utf8))
    }
    if !response.ok { throw ExitCode(1) }
}

func ask(_ request: AdminRequest, _ path: String) throws -> AdminResponse {
    do { return try AdminSocketClient(path: path).send(request) } catch {
        FileHandle.standardError.write(Data("remitctl: \(error)\n".utf8))
        throw ExitCode(69)
    }
}

/// `remitctl in-doubt list|resolve`: payouts whose outcome is unknown, and settling one by hand
/// with the evidence that decides it.
struct InDoubtCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "in-doubt", abstract: "Payouts whose outcome is unknown; resolve one with evidence.",
        subcommands: [List.self, Resolve.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Legs in doubt or waiting for review, oldest first (reads the ledger).",
            discussion: "Exit codes: 0 listed, 66 no ledger.")
        @OptionGroup var ledger: LedgerOptions
        @Option(help: "At most this many (1 to 10000).") var limit = 100
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try reporting {
                let legs = try ledger.open().legsInDoubt(limit: max(1, min(limit, 10_000)))
                if json {
                    print(TransferText.json(legs.map { leg -> [String: Any] in
                        ["operator": leg.operatorId, "transfer": leg.transferId.description, "leg": leg.leg,
                         "state": leg.state.rawValue, "partner": leg.partner, "payoutAmount": leg.payoutAmount,
                         "payoutCurrency": leg.payoutCurrency, "since": Ledger.utcTimestamp(leg.since),
                         "inquiries": leg.inquiries, "review": leg.inReview, "redirected": leg.redirect]
                    }))
                } else {
                    print(TransferText.align([["OPERATOR", "TRANSFER", "LEG", "PARTNER", "PAYOUT", "STATE", "INQUIRIES", "SINCE (UTC)"]]
                        + legs.map {
                            [$0.operatorId, $0.transferId.description, $0.redirect ? "\($0.leg) → 0" : String($0.leg), $0.partner,
                             TransferText.amount($0.payoutAmount, $0.payoutCurrency),
                             $0.inReview ? "\($0.state.rawValue), review" : $0.state.rawValue, String($0.inquiries),
                             Ledger.utcTimestamp($0.since)]
                        }) + (legs.isEmpty ? "\n(no payouts in doubt)" : ""))
                }
            }
        }
    }

    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Settle a leg in doubt as paid or failed, with the evidence that proves it.",
            discussion: """
                remitctl in-doubt resolve ACME 0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07 0 --paid MP-88121 \\
                  --evidence "MPESA statement 2026-11-23 line 412"
                remitctl in-doubt resolve ACME 0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07 0 --failed \\
                  --evidence "ticket 5531: partner confirms no payout"

                A failed leg is refunded to the operator's prefund. The evidence is kept in the ledger \
                beside the leg. Exit codes: 0 resolved, 1 refused, 64 usage, 69 daemon not reachable.
                """)
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Argument(help: "The operator.") var operatorId: String
        @Argument(help: "The transfer id.") var transfer: String
        @Argument(help: "The leg index.") var leg: Int
        @Option(help: "It was paid: the partner's reference for the payout.") var paid: String?
        @Flag(help: "It was not paid.") var failed = false
        @Option(help: "What proves it: a statement line, a ticket (required).") var evidence: String
        @Flag(help: "JSON for scripts.") var json = false

        func validate() throws {
            guard (paid != nil) != failed else { throw ValidationError("give either --paid REFERENCE or --failed") }
        }

        func run() throws {
            try show(try ask(AdminRequest(command: "resolve-payout", operator: operatorId, reference: paid, transfer: transfer,
                                          leg: leg, outcome: failed ? "failed" : "paid", evidence: evidence), socket.path),
                     json: json)
        }
    }
}

/// `remitctl review list|approve|reject`: transfers held by sanctions screening.
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review", abstract: "Transfers held for compliance review: list, approve, reject.",
        subcommands: [List.self, Approve.self, Reject.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Transfers in review, oldest first, with the screening that held them (reads the ledger).",
            discussion: "Exit codes: 0 listed, 66 no ledger.")
        @OptionGroup var ledger: LedgerOptions
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try reporting {
                let held = try ledger.open().transfersInReview(limit: 1_000)
                let rows = held.flatMap { item in
                    item.screenings.filter { $0.decision != "clear" }.map { (item.transfer, $0) }
                }
                if json {
                    print(TransferText.json(rows.map { view, screening -> [String: Any] in
                        ["operator": view.operatorId, "transfer": view.transferId.description, "party": screening.party,
                         "decision": screening.decision, "scoreBps": screening.scoreBps, "entry": screening.entryId ?? "",
                         "matchedName": screening.matchedName ?? "", "list": screening.source ?? ""]
                    }))
                } else {
                    print(TransferText.align([["OPERATOR", "TRANSFER", "PARTY", "SCORE", "LISTED AS", "ENTRY", "LIST"]] + rows.map {
                        [$0.0.operatorId, $0.0.transferId.description, $0.1.party, TransferText.percent(UInt16($0.1.scoreBps)),
                         $0.1.matchedName ?? "", $0.1.entryId ?? "", $0.1.source ?? ""]
                    }) + (rows.isEmpty ? "\n(no transfers in review)" : ""))
                }
            }
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release a held transfer for payout.",
            discussion: "Exit codes: 0 approved, 1 refused, 69 daemon not reachable.")
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Argument(help: "The operator.") var operatorId: String
        @Argument(help: "The transfer id.") var transfer: String
        @Option(help: "Why (required; kept in the ledger).") var note: String

        func run() throws {
            try show(try ask(AdminRequest(command: "review-approve", operator: operatorId, transfer: transfer, evidence: note),
                             socket.path), json: false)
        }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject a held transfer: its hold returns to the operator's prefund.",
            discussion: "Exit codes: 0 rejected, 1 refused, 69 daemon not reachable.")
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Argument(help: "The operator.") var operatorId: String
        @Argument(help: "The transfer id.") var transfer: String
        @Option(help: "Why (required; kept in the ledger).") var note: String

        func run() throws {
            try show(try ask(AdminRequest(command: "review-reject", operator: operatorId, transfer: transfer, evidence: note),
                             socket.path), json: false)
        }
    }
}
