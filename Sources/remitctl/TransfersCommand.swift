import ArgumentParser
import Foundation
import RemitDomain
import RemitGateway
import RemitLedger

/// `remitctl transfers list|show|reverse`: transfers as the ledger has them, read-only beside the
/// daemon; a paid leg's reversal booked through the daemon.
struct TransfersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfers", abstract: "List transfers, show one with its legs, or book a paid leg's reversal.",
        subcommands: [List.self, Show.self, Reverse.self])

    struct Reverse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Book a partner's reversal of a paid leg, with the evidence that shows it.",
            discussion: """
                remitctl transfers reverse ACME 0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07 0 \\
                  --evidence "MPESA statement 2026-11-24 line 88: reversal of MP-88121"

                For a payout the partner paid and then took back (the money is back on the gateway's \
                float there). A new ledger entry mirrors the leg's payment: its send amount and fee \
                return to the operator's prefund, the leg becomes REVERSED, and the transfer REVERSED \
                (or PARTIALLY_PAID while other legs stay paid); the operator gets the events. Partners \
                that report reversals by callback have them booked the same way without this command. \
                Exit codes: 0 booked, 1 refused (the leg is not paid, say), 64 usage, 69 daemon not reachable.
                """)
        @OptionGroup var socket: OperatorsCommand.SocketOptions
        @Argument(help: "The operator.") var operatorId: String
        @Argument(help: "The transfer id.") var transfer: String
        @Argument(help: "The leg index.") var leg: Int
        @Option(help: "What shows the reversal: a statement line, a ticket (required, up to 500 bytes).") var evidence: String
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try show(try ask(AdminRequest(command: "reverse-payout", operator: operatorId, transfer: transfer, leg: leg,
                                          evidence: evidence), socket.path),
                     json: json)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The newest transfers first.",
            discussion: "Exit codes: 0 listed, 66 no ledger, 64 usage.")

        @OptionGroup var ledger: LedgerOptions
        @Option(help: "Only this operator's transfers.") var `operator`: String?
        @Option(help: "Only transfers in this state: accepted, dispatched, inDoubt, paid, partiallyPaid, refunded, reversed, ….")
        var state: String?
        @Option(help: "Only transfers made on or after this day (YYYY-MM-DD, UTC).") var from: String?
        @Option(help: "Only transfers made on or before this day (YYYY-MM-DD, UTC).") var to: String?
        @Option(help: "Only the transfer with the operator's own reference.") var reference: String?
        @Option(help: "At most this many (1 to 10000).") var limit = 50
        @Flag(help: "JSON for scripts, one object per transfer in an array.") var json = false

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000") }
            if let state, TransferState(rawValue: state) == nil {
                throw ValidationError("no state \(state); one of \(TransferState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            try reporting {
                let filter = TransferFilter(operatorId: `operator`, state: state.flatMap(TransferState.init(rawValue:)),
                                            from: try from.map(parseDay), to: try to.map { try parseDay($0) + 86_400_000 },
                                            operatorReference: reference)
                let views = try ledger.open().transfers(filter, limit: limit)
                if json {
                    print(TransferText.json(views.map(TransferText.object)))
                } else {
                    print(TransferText.table(views))
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One transfer with its legs, its events and the ledger entries that moved its money.",
            discussion: "Exit codes: 0 shown, 1 no such transfer, 66 no ledger, 64 usage.")

        @OptionGroup var ledger: LedgerOptions
        @Argument(help: "The transfer id (UUID form).") var id: String
        @Option(help: "The operator, when several used this id.") var `operator`: String?
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            try reporting {
                guard let transferId = TransferID(uuid: id) else { throw CommandFailure("not a transfer id: \(id)", exitCode: 64) }
                let opened = try ledger.open()
                var views = try opened.transfers(id: transferId)
                if let `operator` { views = views.filter { $0.operatorId == `operator` } }
                guard !views.isEmpty else { throw CommandFailure("no transfer \(id)") }
                // Reversals, with who reported them and the evidence, beside the legs.
                let reversals = try views.map { try opened.reversals(operatorId: $0.operatorId, transferId: $0.transferId) }
                let events = try views.map { try opened.events(operatorId: $0.operatorId, transferId: $0.transferId) }
                let entries = try views.map { try opened.entries(operatorId: $0.operatorId, transferId: $0.transferId) }
                if json {
                    let objects = zip(views, reversals).enumerated().map { position, pair -> [String: Any] in
                        let (view, booked) = pair
                        var object = view.object
                        object["events"] = events[position].map(TransferText.object)
                        object["entries"] = entries[position].map(TransferText.object)
                        if !booked.isEmpty {
                            object["reversals"] = booked.map {
                                ["leg": $0.leg, "entry": $0.entryId, "source": $0.source, "evidence": $0.evidence,
                                 "reversedAt": Ledger.utcTimestamp($0.reversedAt)] as [String: Any]
                            }
                        }
                        return object
                    }
                    print(TransferText.json(objects.count == 1 ? objects[0] : objects))
                } else {
                    print(zip(views, reversals).enumerated().map { position, pair in
                        let (view, booked) = pair
                        return TransferText.detail(view) + booked.map {
                            "\nleg \($0.leg) reversed \(Ledger.utcTimestamp($0.reversedAt)) (entry \($0.entryId), reported by \($0.source)): \($0.evidence)"
                        }.joined() + "\n\nevents\n" + TransferText.events(events[position])
                            + "\n\nledger entries\n" + TransferText.entries(entries[position])
                    }.joined(separator: "\n\n"))
                }
            }
        }
    }
}

extension TransferView {
    var object: [String: Any] { TransferText.object(self) }
}

/// Transfers for people (aligned tables) and for scripts (JSON with stable keys).
enum TransferText {
    static func amount(_ minor: Int64, _ code: String?) -> String {
        guard let code, let currency = try? Currency(code) else { return String(minor) }
        return "\(code) \(Money(minor, currency).formatted)"
    }

    static func object(_ view: TransferView) -> [String: Any] {
        var object: [String: Any] = [
            "operator": view.operatorId, "id": view.transferId.description, "state": view.state.rawValue,
            "reason": Int(view.reason.rawValue), "sendAmount": view.sendAmount, "fee": view.fee,
            "payoutAmount": view.payoutAmount, "createdAt": Ledger.utcTimestamp(view.createdAt),
            "updatedAt": Ledger.utcTimestamp(view.updatedAt), "lastEventSequence": view.lastEventSequence,
            "operatorReference": view.operatorReference, "rate": view.rate,
        ]
        object["sendCurrency"] = view.sendCurrency
        object["payoutCurrency"] = view.payoutCurrency
        object["sendCountry"] = view.sendCountry
        object["payoutCountry"] = view.payoutCountry
        object["standingInstructionRevision"] = view.standingInstructionRevision
        object["legs"] = view.legs.map { leg -> [String: Any] in
            ["index": leg.index, "product": leg.product, "institution": leg.institution, "account": leg.account,
             "share": Int(leg.share), "payoutAmount": leg.payoutAmount, "state": leg.state.rawValue,
             "reason": Int(leg.reason.rawValue), "partnerReference": leg.partnerReference]
        }
        return object
    }

    static func json(_ value: Any) -> String {
        let data = try! JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    static func table(_ views: [TransferView]) -> String {
        let header = ["ID", "OPERATOR", "STATE", "SEND", "FEE", "PAYOUT", "CREATED (UTC)"]
        let rows = views.map { view in
            [view.transferId.description, view.operatorId, view.state.rawValue,
             amount(view.sendAmount, view.sendCurrency), amount(view.fee, view.sendCurrency),
             amount(view.payoutAmount, view.payoutCurrency), Ledger.utcTimestamp(view.createdAt)]
        }
        return align([header] + rows) + (views.isEmpty ? "\n(no transfers)" : "")
    }

    static func detail(_ view: TransferView) -> String {
        var lines = [
            "transfer   \(view.transferId)",
            "operator   \(view.operatorId)\(view.operatorReference.isEmpty ? "" : "  reference \(view.operatorReference)")",
            "state      \(view.state.rawValue)\(view.reason.rawValue == 0 ? "" : "  reason \(view.reason.rawValue)")",
            "corridor   \(view.sendCountry ?? "?") \(view.sendCurrency ?? "?") → \(view.payoutCountry ?? "?") \(view.payoutCurrency ?? "?")",
            "send       \(amount(view.sendAmount, view.sendCurrency))  fee \(amount(view.fee, view.sendCurrency))",
            "payout     \(amount(view.payoutAmount, view.payoutCurrency))\(view.rate > 0 ? "  rate \(Rate(nanos: view.rate).text)" : "")",
            "created    \(Ledger.utcTimestamp(view.createdAt))  updated \(Ledger.utcTimestamp(view.updatedAt))",
        ]
        if let revision = view.standingInstructionRevision {
            lines.append("split by   the beneficiary's standing instruction, revision \(revision)")
        }
        if !view.legs.isEmpty {
            lines.append("")
            let rows = view.legs.map { leg in
                [String(leg.index), leg.product, leg.institution.isEmpty ? "-" : leg.institution, leg.account,
                 percent(leg.share),
                 amount(leg.payoutAmount, view.payoutCurrency), leg.state.rawValue]
            }
            lines.append(align([["LEG", "PRODUCT", "INSTITUTION", "ACCOUNT", "SHARE", "PAYOUT", "STATE"]] + rows))
        }
        return lines.joined(separator: "\n")
    }

    static func object(_ event: EventRecord) -> [String: Any] {
        var object: [String: Any] = ["sequence": Int64(clamping: event.sequence), "state": event.state,
                                     "reason": Int(event.reason.rawValue), "occurredAt": Ledger.utcTimestamp(event.occurredAt)]
        object["leg"] = event.leg
        if !event.partnerReference.isEmpty { object["partnerReference"] = event.partnerReference }
        return object
    }

    static func object(_ entry: EntryRecord) -> [String: Any] {
        var object: [String: Any] = [
            "id": entry.id, "kind": entry.kind, "reference": entry.reference, "createdAt": Ledger.utcTimestamp(entry.createdAt),
            "postings": entry.lines.map { ["account": $0.account, "currency": $0.currency, "amountMinor": $0.amount,
                                           "amount": amount($0.amount, $0.currency)] as [String: Any] },
        ]
        // A hold entry shared with other transfers: this transfer's part of it.
        if let part = entry.transferPart { object["transferPartMinor"] = part }
        return object
    }

    /// The operator's event stream for this transfer, oldest first.
    static func events(_ events: [EventRecord]) -> String {
        guard !events.isEmpty else { return "(none retained)" }
        return align([["SEQUENCE", "WHAT", "STATE", "REASON", "PARTNER REF", "AT (UTC)"]] + events.map {
            [String($0.sequence), $0.leg.map { "leg \($0)" } ?? "transfer", $0.state, $0.reason.rawValue == 0 ? "-" : String($0.reason.rawValue),
             $0.partnerReference.isEmpty ? "-" : $0.partnerReference, Ledger.utcTimestamp($0.occurredAt)]
        })
    }

    /// Each entry with its postings, debits and credits in columns of their own.
    static func entries(_ entries: [EntryRecord]) -> String {
        guard !entries.isEmpty else { return "(none)" }
        var rows = [["ENTRY", "KIND", "ACCOUNT", "DEBIT", "CREDIT"]]
        for entry in entries {
            for (position, line) in entry.lines.enumerated() {
                let money = amount(abs(line.amount), line.currency)
                rows.append([position == 0 ? "\(entry.id) \(Ledger.utcTimestamp(entry.createdAt))" : "", position == 0 ? entry.kind : "",
                             line.account, line.amount > 0 ? money : "", line.amount < 0 ? money : ""])
            }
            if let part = entry.transferPart, let currency = entry.lines.first?.currency {
                rows.append(["", "", "(of which this transfer's)", amount(part, currency), ""])
            }
        }
        return align(rows)
    }

    /// Basis points as a percentage: 7000 is "70%", 1250 is "12.5%", 1 is "0.01%".
    static func percent(_ share: UInt16) -> String {
        let whole = share / 100, hundredths = share % 100
        if hundredths == 0 { return "\(whole)%" }
        let decimals = hundredths % 10 == 0 ? "\(hundredths / 10)" : (hundredths < 10 ? "0\(hundredths)" : "\(hundredths)")
        return "\(whole).\(decimals)%"
    }

    static func align(_ rows: [[String]]) -> String {
        var widths = [Int](repeating: 0, count: rows.first?.count ?? 0)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
