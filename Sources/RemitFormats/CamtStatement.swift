import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads ISO 20022 account statements (`camt.053`, each `Stmt` with its opening and closing
/// balances) and debit/credit notifications (`camt.054`, each `Ntfctn`, no balances), versions
/// 001.02 to 001.08: the elements read here are where those versions agree, with v08's `Sts/Cd`
/// for the entry status. Each entry is a line; an entry that batches several transactions
/// (`TxDtls` with their own amounts) is one line per transaction, so that each payout finds its
/// own. The end-to-end id is `Refs/EndToEndId` (`NOTPROVIDED` counts as absent); the partner's
/// reference is the transaction's `AcctSvcrRef`, or the entry's.
///
/// ```swift
/// for statement in try CamtStatement.parse(Data(contentsOf: url)) {
///     print(statement.id, statement.opening?.amount ?? 0, statement.lines.count)
/// }
/// ```
public enum CamtStatement {
    /// At most 512 MiB of XML (about two million entries); external entities never resolved.
    public static let maxBytes = 512 << 20

    public static func parse(_ data: Data) throws(PartnerStatement.Invalid) -> [PartnerStatement] {
        guard data.count <= maxBytes else { throw PartnerStatement.Invalid("a file larger than 512 MiB") }
        let reader = Reader()
        let failure = XMLInput.parse(data, namespaces: true, delegate: reader)
        if let problem = reader.problem ?? failure { throw PartnerStatement.Invalid(problem) }
        guard reader.closed else { throw PartnerStatement.Invalid("the file ends before </Document>") }
        guard !reader.statements.isEmpty else {
            throw PartnerStatement.Invalid("no Stmt (camt.053) or Ntfctn (camt.054) in the document")
        }
        return reader.statements
    }

    private final class Reader: NSObject, XMLParserDelegate {
        var problem: String?
        var closed = false
        var statements: [PartnerStatement] = []

        private var path: [String] = []
        private var text = ""
        private var currencyAttribute: String?
        private var lineCount = 0

        /// The statement being read.
        private var statement: PartnerStatement?
        private var balance: (code: String?, amount: String?, currency: String?, credit: Bool, date: String?)?
        /// The entry being read, and its transactions' details.
        private struct Entry {
            var amount: String?
            var currency: String?
            var credit = true
            var reversal = false
            var status: String?
            var date: String?
            var valueDate: String?
            var reference: String?
            var details: [Detail] = []
        }
        private struct Detail {
            var amount: String?
            var currency: String?
            var endToEndId: String?
            var reference: String?
            var returnReason: String?
        }
        private var entry: Entry?
        private var detail: Detail?

        private func fail(_ parser: XMLParser, _ message: String) {
            if problem == nil { problem = "line \(parser.lineNumber): \(message)" }
            parser.abortParsing()
        }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if path.isEmpty {
                let namespace = namespaceURI ?? ""
                guard name == "Document", namespace.hasPrefix("urn:iso:std:iso:20022:tech:xsd:camt.053.")
                        || namespace.hasPrefix("urn:iso:std:iso:20022:tech:xsd:camt.054.")
                else { return fail(parser, "not a camt.053 or camt.054 document: \(namespace.isEmpty ? "no namespace" : namespace)") }
            }
            path.append(name)
            guard path.count <= 32 else { return fail(parser, "elements nested deeper than 32") }
            text = ""
            currencyAttribute = attributes["Ccy"]
            let parent = path.count >= 2 ? path[path.count - 2] : ""
            switch name {
            case "Stmt" where parent == "BkToCstmrStmt", "Ntfctn" where parent == "BkToCstmrDbtCdtNtfctn":
                statement = PartnerStatement(id: "", lines: [], complete: name == "Stmt")
            case "Bal" where statement != nil:
                balance = (nil, nil, nil, true, nil)
            case "Ntry" where statement != nil:
                entry = Entry()
            case "TxDtls" where entry != nil:
                detail = Detail()
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard text.utf8.count + string.utf8.count <= 1_024 else { return }
            text += string
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            defer {
                path.removeLast()
                text = ""
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let parent = path.count >= 2 ? path[path.count - 2] : ""
            let grandparent = path.count >= 3 ? path[path.count - 3] : ""
            if name == "Document", path.count == 1 { closed = true }

            if detail != nil {
                switch name {
                case "EndToEndId" where parent == "Refs":
                    if value != "NOTPROVIDED", !value.isEmpty { detail?.endToEndId = value }
                case "AcctSvcrRef" where parent == "Refs": detail?.reference = value
                // v02 puts the transaction's amount in AmtDtls/TxAmt/Amt; v04 and later also as TxDtls/Amt.
                case "Amt" where parent == "TxDtls" || (parent == "TxAmt" && grandparent == "AmtDtls"):
                    if detail?.amount == nil || parent == "TxDtls" {
                        detail?.amount = value
                        detail?.currency = currencyAttribute
                    }
                case "Cd" where parent == "Rsn" && grandparent == "RtrInf", "Prtry" where parent == "Rsn" && grandparent == "RtrInf":
                    detail?.returnReason = value
                case "TxDtls":
                    if let finished = detail { entry?.details.append(finished) }
                    detail = nil
                    guard (entry?.details.count ?? 0) <= PartnerStatement.maxLines else {
                        return fail(parser, "more than \(PartnerStatement.maxLines) transactions in an entry")
                    }
                default: break
                }
                return
            }
            if entry != nil {
                switch name {
                case "Amt" where parent == "Ntry":
                    entry?.amount = value
                    entry?.currency = currencyAttribute
                case "CdtDbtInd" where parent == "Ntry": entry?.credit = value == "CRDT"
                case "RvslInd" where parent == "Ntry": entry?.reversal = value == "true" || value == "1"
                case "Sts" where parent == "Ntry" && !value.isEmpty, "Cd" where parent == "Sts" && grandparent == "Ntry":
                    entry?.status = value
                case "Dt" where parent == "BookgDt", "DtTm" where parent == "BookgDt":
                    guard let day = CSVStatement.isoDate(value, .iso) else { return fail(parser, "\(name): \"\(value.prefix(30))\" is not a date") }
                    entry?.date = day
                case "Dt" where parent == "ValDt", "DtTm" where parent == "ValDt":
                    guard let day = CSVStatement.isoDate(value, .iso) else { return fail(parser, "\(name): \"\(value.prefix(30))\" is not a date") }
                    entry?.valueDate = day
                case "AcctSvcrRef" where parent == "Ntry": entry?.reference = value
                case "Ntry":
                    if let finished = entry { addLines(parser, finished) }
                    entry = nil
                default: break
                }
                return
            }
            if balance != nil {
                switch name {
                case "Cd" where parent == "CdOrPrtry": balance?.code = value
                case "Amt" where parent == "Bal":
                    balance?.amount = value
                    balance?.currency = currencyAttribute
                case "CdtDbtInd" where parent == "Bal": balance?.credit = value != "DBIT"
                case "Dt" where parent == "Dt", "DtTm" where parent == "Dt":
                    guard let day = CSVStatement.isoDate(value, .iso) else { return fail(parser, "\(name): \"\(value.prefix(30))\" is not a date") }
                    balance?.date = day
                case "Bal": addBalance(parser)
                default: break
                }
                return
            }
            guard statement != nil else { return }
            switch name {
            case "Id" where parent == "Stmt" || parent == "Ntfctn": statement?.id = value
            case "IBAN" where parent == "Id" && grandparent == "Acct": statement?.account = value
            case "Id" where parent == "Othr" && path.count >= 4 && path[path.count - 4] == "Acct":
                if statement?.account == nil { statement?.account = value }
            case "Ccy" where parent == "Acct": statement?.currency = value
            case "Stmt", "Ntfctn":
                if let finished = statement {
                    guard !finished.id.isEmpty else { return fail(parser, "a \(name) without its Id") }
                    statements.append(finished)
                }
                statement = nil
            default: break
            }
        }

        private func addBalance(_ parser: XMLParser) {
            defer { balance = nil }
            guard let found = balance, let code = found.code, ["OPBD", "CLBD"].contains(code) else { return }
            guard let amount = found.amount, let currency = found.currency else {
                return fail(parser, "balance \(code) without an amount and its currency")
            }
            let minor: Int64
            do { minor = try PartnerStatement.minorUnits(amount, currency, at: "balance \(code)") } catch {
                return fail(parser, error.description)
            }
            let balance = PartnerStatement.Balance(amount: found.credit ? minor : 0 - minor, currency: currency, date: found.date)
            if code == "OPBD" { statement?.opening = balance } else { statement?.closing = balance }
        }

        private func addLines(_ parser: XMLParser, _ entry: Entry) {
            guard let amount = entry.amount, let currency = entry.currency else {
                return fail(parser, "an entry (Ntry) without its amount and currency")
            }
            let status: PartnerStatement.Status = switch entry.status {
            case "PDNG", "INFO", "FUTR": .pending
            default: entry.reversal ? .reversal : .booked
            }
            let direction: PartnerStatement.Direction = entry.credit ? .credit : .debit
            // One line per transaction when the entry's transactions carry their own amounts.
            let parts: [Detail] = entry.details.count > 1 && entry.details.allSatisfy({ $0.amount != nil })
                ? entry.details : [entry.details.first ?? Detail()]
            let single = parts.count == 1
            for part in parts {
                lineCount += 1
                guard lineCount <= PartnerStatement.maxLines else {
                    return fail(parser, "more than \(PartnerStatement.maxLines) lines")
                }
                let text = single ? amount : part.amount ?? amount
                let code = single ? currency : part.currency ?? currency
                let minor: Int64
                do { minor = try PartnerStatement.minorUnits(text, code, at: "entry") } catch {
                    return fail(parser, error.description)
                }
                statement?.lines.append(PartnerStatement.Line(
                    number: lineCount, endToEndId: part.endToEndId, reference: part.reference ?? entry.reference,
                    amount: minor, currency: code, direction: direction, status: status,
                    date: entry.date ?? entry.valueDate, returnReason: part.returnReason))
            }
        }
    }
}
