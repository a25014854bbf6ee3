import ArgumentParser
import Crypto
import Foundation
import RemitFormats
import RemitGateway
import RemitLedger
import RemitReconciliation

/// `remitctl reconcile PARTNER FILE`: a partner's statement against the ledger's payouts to it.
/// Reads the statement and the ledger (read-only), matches, books what the statement proves
/// through the daemon (one ledger writer), records the import on the audit log, and reports.
struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Match a partner's statement against the ledger's payouts; book what it proves; report every break.",
        discussion: """
            remitctl reconcile MPESA mpesa-2026-11-23.csv --breaks breaks.csv --html report.html
            remitctl reconcile KCB camt053-2026-11-23.xml --dry-run --json

            The statement is camt.053 or camt.054 XML, or CSV read through the partner's \
            statement_* column mapping in the daemon's configuration (docs/configuration.md). \
            Lines match payouts by end-to-end id (the leg's key ACME-<transfer>-<leg>, or the \
            35-character <32 hex>-<leg> that ISO 20022 files carry), then by the partner's \
            reference, then by amount, currency and date within --date-tolerance days.

            Breaks: amount-mismatch, missing-at-partner (paid in the ledger within the statement's \
            period, on no line), missing-in-ledger (a line no payout explains, or a payout the \
            ledger refunded), duplicate-at-partner, returned-or-reversed. What the statement proves \
            is booked through the daemon with the statement line as evidence: payouts in doubt \
            booked paid, or failed when the partner returned them; paid payouts the partner \
            returned are reversed. Importing the same statement again changes nothing. The file's \
            SHA-256 goes on the audit log.

            Exit codes: 0 reconciled, no break; 2 breaks found or the balances disagree; 1 a \
            change was refused; 64 usage; 65 the statement cannot be read; 66 no ledger or no file; \
            69 the daemon is not reachable; 78 the configuration cannot be read or has no such partner.
            """)

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "The daemon's admin socket (default: admin.sock in the state folder).") var socket: String?
    @Argument(help: "The partner, as configured.") var partner: String
    @Argument(help: "The statement file.") var file: String
    @Option(help: ArgumentHelp("The daemon's configuration, for the partner's statement mapping (default: $REMIT_CONFIG, else remitd.toml in the state folder).",
                               valueName: "path"))
    var config: String?
    @Option(help: "Days a line's date may differ from the payout's when matching by amount and date (0 to 31).")
    var dateTolerance = 3
    @Flag(help: "Match and report only: book nothing, record nothing.") var dryRun = false
    @Option(help: ArgumentHelp("Write the breaks to this file: CSV, or JSON when it ends in .json.", valueName: "path"))
    var breaks: String?
    @Option(help: ArgumentHelp("Write a self-contained HTML report to this file.", valueName: "path")) var html: String?
    @Flag(help: "The whole result as JSON on standard output, for scripts.") var json = false
    @Flag(inversion: .prefixedNo, help: "A progress bar on standard error (default: when it is a terminal).")
    var progress: Bool?

    var socketPath: String { socket ?? (ledger.stateDir as NSString).appendingPathComponent("admin.sock") }

    func validate() throws {
        guard (0...31).contains(dateTolerance) else { throw ValidationError("--date-tolerance must be 0 to 31 days") }
    }

    func run() throws {
        try reporting {
            let bar = ProgressBar(enabled: progress ?? (isatty(2) == 1))
            defer { bar.finish() }  // every way out clears the bar's line before an error is printed
            let format = try statementFormat()
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandFailure("cannot read \(file)", exitCode: 66)
            }
            let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            let name = (file as NSString).lastPathComponent
            let statements: [PartnerStatement]
            do {
                switch format {
                case .camt:
                    bar.show("reading camt", 0, 1)
                    statements = try CamtStatement.parse(data)
                case .csv(let mapping):
                    statements = [try CSVStatement.parse(data, mapping, id: name) { bar.show("reading", $0, data.count) }]
                }
            } catch {
                throw CommandFailure("\(file): \(error)", exitCode: 65)  // EX_DATAERR
            }
            bar.show("ledger", 0, 1)
            let books = try ledger.open()
            let payouts: [PartnerPayout]
            do { payouts = try books.partnerPayouts(partner) } catch {
                throw CommandFailure("cannot read the ledger's payouts: \(error)", exitCode: 66)
            }
            let label = "\(name) sha256 \(digest.prefix(12))"
            let result = Reconciler(partner: partner, statements: statements, payouts: payouts, label: label,
                                    dateTolerance: dateTolerance, progress: { bar.show("matching", $0, $1) }).run()
            let before = (try? books.audit(action: "reconcile", detailContaining: "sha256 \(digest)", limit: 1))?.first
                .map { "\(Ledger.utcTimestamp($0.at)) by \($0.actor)" }

            var applied: [ReconciliationReport.Applied] = []
            if !dryRun {
                for (number, action) in result.actions.enumerated() {
                    bar.show("booking", number, result.actions.count)
                    applied.append(book(action))
                }
                let summary = "\(result.lines) lines, \(result.matched) matched, \(result.breaks.count) breaks, "
                    + "\(applied.filter(\.ok).count) of \(result.actions.count) changes booked"
                let answer = try ask(AdminRequest(command: "record-statement", reference: name, partner: partner,
                                                  evidence: summary, digest: digest), socketPath)
                if !answer.ok { FileHandle.standardError.write(Data("remitctl: statement not recorded: \(answer.error ?? "")\n".utf8)) }
            }
            bar.finish()
            let report = ReconciliationReport(result: result, applied: applied, importedBefore: before, dryRun: dryRun)
            if let breaks {
                let text = breaks.lowercased().hasSuffix(".json") ? report.breaksJSON + "\n" : report.breaksCSV
                guard FileManager.default.createFile(atPath: breaks, contents: Data(text.utf8)) else {
                    throw CommandFailure("cannot write \(breaks)", exitCode: 73)
                }
            }
            if let html {
                guard FileManager.default.createFile(atPath: html, contents: Data(report.html.utf8)) else {
                    throw CommandFailure("cannot write \(html)", exitCode: 73)
                }
            }
            print(json ? report.json : report.text)
            if applied.contains(where: { !$0.ok }) { throw ExitCode(1) }
            if !result.isClean { throw ExitCode(2) }
        }
    }

    /// The partner's statement format from the daemon's configuration.
    func statementFormat() throws -> GatewayConfiguration.StatementFormat {
        let path = ledger.configurationPath(config)
        let configuration: GatewayConfiguration
        do { configuration = try GatewayConfiguration.load(path: path, secrets: .skip) } catch {
            throw CommandFailure("\(error)", exitCode: 78)  // EX_CONFIG
        }
        guard let found = configuration.partners.first(where: { $0.id == partner }) else {
            throw CommandFailure("partner \(partner) is not in \(path); configured: "
                                 + configuration.partners.map(\.id).joined(separator: ", "), exitCode: 78)
        }
        return found.statement
    }

    /// One change through the admin socket; a refusal is reported, not thrown.
    func book(_ action: Reconciliation.Action) -> ReconciliationReport.Applied {
        let key = action.key
        let request: AdminRequest
        switch action {
        case .resolvePaid(_, let reference, let evidence):
            request = AdminRequest(command: "resolve-payout", operator: key.operatorId, reference: reference,
                                   transfer: key.transferId.description, leg: key.leg, outcome: "paid", evidence: evidence)
        case .resolveFailed(_, let evidence):
            request = AdminRequest(command: "resolve-payout", operator: key.operatorId, transfer: key.transferId.description,
                                   leg: key.leg, outcome: "failed", evidence: evidence)
        case .reverse(_, let evidence):
            request = AdminRequest(command: "reverse-payout", operator: key.operatorId, transfer: key.transferId.description,
                                   leg: key.leg, evidence: evidence)
        }
        do {
            let answer = try AdminSocketClient(path: socketPath).send(request)
            return answer.ok ? .init(action: action, outcome: "done, transfer \(answer.status ?? "?")", ok: true)
                : .init(action: action, outcome: "refused: \(answer.error ?? "")", ok: false)
        } catch {
            return .init(action: action, outcome: "not sent: \(error)", ok: false)
        }
    }
}

/// A one-line progress bar on standard error, redrawn at most ten times a second.
final class ProgressBar {
    let enabled: Bool
    private var last = Date.distantPast
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ phase: String, _ done: Int, _ total: Int) {
        guard enabled, Date().timeIntervalSince(last) >= 0.1 else { return }
        last = Date()
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let filled = Int(fraction * 30)
        let line = "\r\(phase.padding(toLength: 12, withPad: " ", startingAt: 0)) [\(String(repeating: "#", count: filled))"
            + "\(String(repeating: ".", count: 30 - filled))] \(Int(fraction * 100))%"
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    func finish() {
        guard enabled, drawn else { return }
        FileHandle.standardError.write(Data("\r\(String(repeating: " ", count: 60))\r".utf8))
        drawn = false
    }
}
