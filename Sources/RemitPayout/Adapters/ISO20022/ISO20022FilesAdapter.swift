import Foundation
import RemitDomain
import RemitFormats
import RemitLedger

/// Pays through a bank that takes ISO 20022 files: payouts are gathered into `pain.001.001.09`
/// batch files in an outbox folder the bank collects from, and the bank's `pain.002` status
/// reports are read back from an inbox folder.
///
/// Exactly once, across crashes: a batch is written to a hidden part file and synced, its keys
/// are recorded in the adapter's journal and synced, and only then is the file renamed into the
/// outbox, where the bank sees it. A key in the journal is never written into another file; a
/// part file whose keys reached the journal is published at the next start, one whose keys did
/// not is deleted. Reports are recorded in the journal before they are moved to
/// `inbox/processed/`, so each is read once; one that cannot be read goes to `inbox/unreadable/`.
///
/// A submitted leg is pending until a report settles it: `ACSC` or `ACCC` pays it (reference:
/// the bank's `AcctSvcrRef`), `RJCT` or `CANC` refuses it, at the transaction, payment
/// information or group level (the finest level wins). The end-to-end id is the transfer id's
/// 32 hex digits and the leg (`0f8e3c1a8d3b4c559a0e2b7d4f6a9c11-1`, `…-2r` for a redirect).
public final class ISO20022FilesAdapter: PartnerAdapter {
    public struct Settings: Sendable {
        public var outbox: String
        public var inbox: String
        /// The adapter's journal lives here.
        public var state: String
        public var debtorName: String
        /// The gateway's account at the bank: an IBAN, or the bank's account number.
        public var debtorAccount: String
        public var debtorBIC: String?
        public var initiatingParty: String
        public var batchMax: Int
        public var batchWindowMs: Int

        public init(outbox: String, inbox: String, state: String, debtorName: String, debtorAccount: String,
                    debtorBIC: String? = nil, initiatingParty: String? = nil, batchMax: Int = 100, batchWindowMs: Int = 1_000) {
            self.outbox = outbox
            self.inbox = inbox
            self.state = state
            self.debtorName = debtorName
            self.debtorAccount = debtorAccount
            self.debtorBIC = debtorBIC
            self.initiatingParty = initiatingParty ?? debtorName
            self.batchMax = batchMax
            self.batchWindowMs = batchWindowMs
        }
    }

    public let id: String
    public let capabilities: PartnerCapabilities
    let book: Book

    public init(id: String, capabilities: PartnerCapabilities, settings: Settings) throws {
        self.id = id
        self.capabilities = capabilities
        book = try Book(settings: settings)
    }

    public func submit(_ instruction: PayoutInstruction) async -> PayoutOutcome { await book.submit(instruction) }
    public func status(_ instruction: PayoutInstruction) async -> PayoutOutcome { await book.status(instruction) }
    /// The folders can be written and read; how many files wait for the bank, and how many of
    /// its reports wait to be read.
    public func checkHealth() async -> PartnerHealthCheck { await book.checkHealth() }

    /// Files only: the bank does not call back.
    public func callbackOutcome(idempotencyKey: String, body: [UInt8]) -> PayoutOutcome? { nil }

    /// The end-to-end id a payout carries in the files (at most 35 characters).
    public static func endToEndId(_ key: String) -> String {
        guard let parsed = PayoutKey(key) else { return String(key.prefix(35)) }
        let hex = parsed.transferId.description.replacingOccurrences(of: "-", with: "")
        return "\(hex)-\(parsed.leg)\(parsed.redirect ? "r" : "")"
    }
}

extension ISO20022FilesAdapter {
    actor Book {
        struct Sent {
            var endToEndId: String
            var messageId: String
            var paymentInformationId: String
        }

        let settings: Settings
        let writer: Pain001Writer
        let journal: FileHandle
        var sent: [String: Sent] = [:]
        var keyByEndToEnd: [String: String] = [:]
        var outcomes: [String: PayoutOutcome] = [:]
        var batch: [(instruction: PayoutInstruction, waiter: CheckedContinuation<PayoutOutcome, Never>)] = []
        var flushScheduled = false
        var sequence = 0

        init(settings: Settings) throws {
            self.settings = settings
            writer = Pain001Writer(debtor: .init(name: settings.debtorName, account: settings.debtorAccount,
                                                 bic: settings.debtorBIC),
                                   initiatingParty: settings.initiatingParty)
            let manager = FileManager.default
            for folder in [settings.outbox, settings.inbox, settings.state, "\(settings.inbox)/processed",
                           "\(settings.inbox)/unreadable"] {
                try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            let journalPath = "\(settings.state)/journal.tsv"
            if !manager.fileExists(atPath: journalPath) { _ = manager.createFile(atPath: journalPath, contents: nil) }
            let text = (try? String(contentsOfFile: journalPath, encoding: .utf8)) ?? ""
            // A line cut short by a crash is the last one, and has fewer fields: it is ignored.
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                if fields.count == 5, fields[0] == "S" {
                    sent[fields[1]] = Sent(endToEndId: fields[2], messageId: fields[3], paymentInformationId: fields[4])
                    keyByEndToEnd[fields[2]] = fields[1]
                } else if fields.count == 4, fields[0] == "O" {
                    outcomes[fields[1]] = fields[2] == "paid" ? .paid(reference: fields[3]) : .rejected(reason: fields[3])
                }
            }
            guard let handle = FileHandle(forWritingAtPath: journalPath) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: journalPath])
            }
            handle.seekToEndOfFile()
            journal = handle
            // Batches written but not yet published when the process stopped.
            let published = Set(sent.values.map(\.messageId))
            for name in (try? manager.contentsOfDirectory(atPath: settings.outbox)) ?? []
            where name.hasPrefix(".") && name.hasSuffix(".xml.part") {
                let messageId = String(name.dropFirst().dropLast(".xml.part".count))
                let part = "\(settings.outbox)/\(name)"
                if published.contains(messageId) {
                    try manager.moveItem(atPath: part, toPath: "\(settings.outbox)/pain.001.\(messageId).xml")
                } else {
                    try manager.removeItem(atPath: part)
                }
            }
            Self.syncFolder(settings.outbox)
        }

        func submit(_ instruction: PayoutInstruction) async -> PayoutOutcome {
            let key = instruction.idempotencyKey
            if let outcome = outcomes[key] { return outcome }
            // Sent before: asking again is an inquiry.
            if sent[key] != nil {
                readReports()
                return outcomes[key] ?? .pending
            }
            let endToEndId = ISO20022FilesAdapter.endToEndId(key)
            if let other = keyByEndToEnd[endToEndId], other != key {
                return .rejected(reason: "end-to-end id \(endToEndId) is another payout's")
            }
            guard instruction.amount.minorUnits > 0, !instruction.account.isEmpty else {
                return .rejected(reason: "a payout needs an amount and an account")
            }
            return await withCheckedContinuation { waiter in
                batch.append((instruction, waiter))
                if batch.count >= settings.batchMax {
                    flush()
                } else if !flushScheduled {
                    flushScheduled = true
                    let window = settings.batchWindowMs
                    Task {
                        try? await Task.sleep(for: .milliseconds(window))
                        self.flush()
                    }
                }
            }
        }

        /// Writes what is gathered as one file and tells each leg's caller.
        func flush() {
            flushScheduled = false
            guard !batch.isEmpty else { return }
            var taken = batch
            batch.removeAll()
            // The same key twice in one batch goes into the file once.
            var seen: Set<String> = []
            let unique = taken.map(\.instruction).filter { seen.insert($0.idempotencyKey).inserted }
            let outcome = write(unique)
            for index in taken.indices { taken[index].waiter.resume(returning: outcome) }
            taken.removeAll()
        }

        private func write(_ instructions: [PayoutInstruction]) -> PayoutOutcome {
            let now = Date()
            sequence += 1
            let time = UTCTime(Int64(now.timeIntervalSince1970 * 1_000))
            let messageId = String(format: "RG%04d%02d%02d%02d%02d%02d%03d-%04d", Int(time.year), Int(time.month), Int(time.day),
                                   Int(time.hour), Int(time.minute), Int(time.second), Int(time.millisecond), sequence % 10_000)
            let payments = instructions.map {
                Pain001Writer.Payment(endToEndId: ISO20022FilesAdapter.endToEndId($0.idempotencyKey), amount: $0.amount,
                                      account: $0.account,
                                      creditorName: $0.beneficiaryName.isEmpty ? nil : $0.beneficiaryName,
                                      originatorName: $0.senderName.isEmpty ? nil : $0.senderName,
                                      remittanceInformation: "Remittance \($0.idempotencyKey)")
            }
            let (xml, paymentInformationIds) = writer.document(messageId: messageId, created: now, payments: payments)
            let part = "\(settings.outbox)/.\(messageId).xml.part"
            let final = "\(settings.outbox)/pain.001.\(messageId).xml"
            // 1. The file, synced but not yet visible to the bank.
            guard FileManager.default.createFile(atPath: part, contents: Data(xml.utf8)),
                  let handle = FileHandle(forWritingAtPath: part)
            else { return .busy(reason: "cannot write \(part)") }
            do {
                try handle.synchronize()
                try handle.close()
            } catch {
                try? FileManager.default.removeItem(atPath: part)
                return .busy(reason: "cannot sync \(part): \(error)")
            }
            // 2. The keys, in the journal, synced: from here on they are never written again.
            var lines = ""
            for (instruction, pmtInfId) in zip(instructions, paymentInformationIds) {
                let endToEndId = ISO20022FilesAdapter.endToEndId(instruction.idempotencyKey)
                lines += "S\t\(instruction.idempotencyKey)\t\(endToEndId)\t\(messageId)\t\(pmtInfId)\n"
            }
            do {
                try journal.write(contentsOf: Data(lines.utf8))
                try journal.synchronize()
            } catch {
                try? FileManager.default.removeItem(atPath: part)
                return .busy(reason: "cannot write the journal: \(error)")
            }
            for (instruction, pmtInfId) in zip(instructions, paymentInformationIds) {
                let endToEndId = ISO20022FilesAdapter.endToEndId(instruction.idempotencyKey)
                sent[instruction.idempotencyKey] = Sent(endToEndId: endToEndId, messageId: messageId,
                                                         paymentInformationId: pmtInfId)
                keyByEndToEnd[endToEndId] = instruction.idempotencyKey
            }
            // 3. Published. Should the rename fail, the next start publishes the part file.
            try? FileManager.default.moveItem(atPath: part, toPath: final)
            Self.syncFolder(settings.outbox)
            return .pending
        }

        func status(_ instruction: PayoutInstruction) async -> PayoutOutcome {
            readReports()
            let key = instruction.idempotencyKey
            if let outcome = outcomes[key] { return outcome }
            if sent[key] != nil || batch.contains(where: { $0.instruction.idempotencyKey == key }) { return .pending }
            return .rejected(reason: "never written to a file")
        }

        /// Reads new status reports in the inbox, oldest name first, once each.
        func readReports() {
            let manager = FileManager.default
            let names = ((try? manager.contentsOfDirectory(atPath: settings.inbox)) ?? [])
                .filter { !$0.hasPrefix(".") && $0.lowercased().hasSuffix(".xml") }.sorted()
            for name in names {
                let path = "\(settings.inbox)/\(name)"
                guard let data = manager.contents(atPath: path), let report = try? Pain002Report.parse(data) else {
                    try? manager.moveItem(atPath: path, toPath: "\(settings.inbox)/unreadable/\(name)")
                    continue
                }
                var lines = ""
                var settled: [String: PayoutOutcome] = [:]
                for (key, outcome) in outcomes(of: report) where outcomes[key] == nil {
                    settled[key] = outcome
                    switch outcome {
                    case .paid(let reference): lines += "O\t\(key)\tpaid\t\(Self.field(reference))\n"
                    case .rejected(let reason): lines += "O\t\(key)\trejected\t\(Self.field(reason))\n"
                    default: break
                    }
                }
                do {
                    try journal.write(contentsOf: Data(lines.utf8))
                    try journal.synchronize()
                } catch {
                    return  // read again next time
                }
                outcomes.merge(settled) { first, _ in first }
                try? manager.moveItem(atPath: path, toPath: "\(settings.inbox)/processed/\(name)")
            }
        }

        /// Final outcomes a report gives, by key: the group's status, then each payment
        /// information block's, then each transaction's, the finer overriding the coarser.
        func outcomes(of report: Pain002Report) -> [String: PayoutOutcome] {
            var result: [String: PayoutOutcome] = [:]
            func apply(_ status: Pain002Report.Status, to key: String) {
                let code = status.code.uppercased()
                switch code {
                case "ACSC", "ACCC":
                    let endToEndId = sent[key]?.endToEndId ?? key
                    result[key] = .paid(reference: String((status.reference ?? "\(report.originalMessageId)/\(endToEndId)").prefix(64)))
                case "RJCT", "CANC":
                    result[key] = .rejected(reason: "\(code)\(status.reason.map { " \($0)" } ?? "")")
                default:
                    result[key] = nil  // not final: pending
                }
            }
            for status in report.statuses {
                if case .group = status.scope {
                    for (key, sent) in sent where sent.messageId == report.originalMessageId { apply(status, to: key) }
                }
            }
            for status in report.statuses {
                if case .paymentInformation(let id) = status.scope {
                    for (key, sent) in sent where sent.paymentInformationId == id { apply(status, to: key) }
                }
            }
            for status in report.statuses {
                if case .transaction(let endToEndId) = status.scope, let key = keyByEndToEnd[endToEndId] {
                    apply(status, to: key)
                }
            }
            return result
        }

        func checkHealth() -> PartnerHealthCheck {
            let manager = FileManager.default
            guard manager.isWritableFile(atPath: settings.outbox) else {
                return PartnerHealthCheck(.down, "cannot write \(settings.outbox)")
            }
            guard manager.isWritableFile(atPath: settings.inbox) else {
                return PartnerHealthCheck(.down, "cannot move reports out of \(settings.inbox)")
            }
            let waiting = ((try? manager.contentsOfDirectory(atPath: settings.outbox)) ?? []).filter { $0.hasPrefix("pain.001.") }
            let unread = ((try? manager.contentsOfDirectory(atPath: settings.inbox)) ?? []).filter {
                !$0.hasPrefix(".") && $0.lowercased().hasSuffix(".xml")
            }
            let unreadable = ((try? manager.contentsOfDirectory(atPath: "\(settings.inbox)/unreadable")) ?? []).count
            let detail = "\(waiting.count) file(s) waiting for the bank, \(unread.count) report(s) unread, \(unreadable) unreadable"
            return PartnerHealthCheck(unreadable > 0 ? .degraded : .up, detail)
        }

        static func field(_ text: String) -> String {
            String(text.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 }.prefix(200))
        }

        static func syncFolder(_ path: String) {
            let descriptor = open(path, O_RDONLY)
            guard descriptor >= 0 else { return }
            fsync(descriptor)
            close(descriptor)
        }
    }
}
