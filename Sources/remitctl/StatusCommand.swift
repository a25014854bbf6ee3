import ArgumentParser
import Foundation
import RemitGateway
import RemitLedger

/// `remitctl status`: what the person paged at 3 a.m. looks at first. Whether the daemon answers
/// on its admin socket, its partners' switches and circuits, and the books: the outbox, payouts in
/// doubt or waiting for review, the newest entry.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Whether the daemon answers, its partners, and the ledger's outbox, payouts in doubt and newest entry.",
        discussion: """
            The ledger part is read from the file, so it shows even when the daemon is down. Exit codes: \
            0 the daemon answers; 69 it does not (the ledger part is still shown); 66 no ledger.
            """)

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "The daemon's admin socket (default: admin.sock in the state folder).") var socket: String?
    @Flag(help: "JSON for scripts.") var json = false

    func run() throws {
        try reporting {
            let path = socket ?? (ledger.stateDir as NSString).appendingPathComponent("admin.sock")
            let client = AdminSocketClient(path: path, timeoutSeconds: 5)
            var daemonError: String?
            var serving: String?
            var partners: [PartnerStatus] = []
            do {
                serving = try client.send(AdminRequest(command: "status")).status
                partners = try client.send(AdminRequest(command: "partners")).partners ?? []
            } catch {
                daemonError = "\(error)"
            }
            let books = try ledger.open()
            let outbox = try books.outboxDepth(), inDoubt = try books.inDoubtCount(), review = try books.payoutsInReview()
            let overdue = try books.overdueHolds(asOf: Ledger.wallClock())
            let last = try books.lastEntry()
            let operators = try books.operators().count
            if json {
                var object: [String: Any] = ["daemon": daemonError == nil ? "up" : "down", "database": ledger.database,
                                             "operators": operators, "outbox": outbox, "transfersInDoubt": inDoubt,
                                             "payoutsInReview": review, "overdueHolds": overdue,
                                             "partners": partners.map { ["id": $0.id, "enabled": $0.enabled, "circuitOpen": $0.circuitOpen] }]
                object["serving"] = serving
                object["error"] = daemonError
                if let last { object["lastEntry"] = ["id": last.id, "at": Ledger.utcTimestamp(last.at)] as [String: Any] }
                print(TransferText.json(object))
            } else {
                var rows = [["daemon", daemonError.map { "DOWN: \($0)" } ?? "up, \(serving ?? "")"], ["ledger", ledger.database],
                            ["operators", String(operators)], ["outbox", "\(outbox) legs waiting to be sent or answered"],
                            ["in doubt", "\(inDoubt) transfers, \(review) payouts waiting for review"],
                            ["overdue", "\(overdue) holds of transfers not settled within hold_expiry_hours"],
                            ["newest entry", last.map { "\($0.id) at \(Ledger.utcTimestamp($0.at))" } ?? "none"]]
                for partner in partners {
                    rows.append(["partner \(partner.id)", (partner.enabled ? "enabled" : "DISABLED") + (partner.circuitOpen ? ", circuit OPEN" : "")])
                }
                print(TransferText.align(rows))
            }
            if daemonError != nil { throw ExitCode(69) }
        }
    }
}
