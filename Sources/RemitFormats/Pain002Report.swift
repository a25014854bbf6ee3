import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads an ISO 20022 `pain.002` customer payment status report (versions 001.03 to 001.10
/// share the elements read here): the original message's group status, each original payment
/// information block's status, and each transaction's status by its original end-to-end id,
/// with the first reason code and the bank's reference.
public struct Pain002Report: Equatable, Sendable {
    public struct Status: Equatable, Sendable {
        public enum Scope: Equatable, Sendable {
            case group
            case paymentInformation(String)
            case transaction(endToEndId: String)
        }

        public var scope: Scope
        /// `ACSC`, `RJCT`, `PDNG`, …
        public var code: String
        public var reason: String?
        public var reference: String?
    }

    public var originalMessageId: String
    public var statuses: [Status]

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// At most 16 MiB; external entities are never resolved.
    public static func parse(_ data: Data) throws(Invalid) -> Pain002Report {
        guard data.count <= 16 << 20 else { throw Invalid(description: "a report larger than 16 MiB") }
        let reader = Reader()
        let failure = XMLInput.parse(data, namespaces: true, delegate: reader)
        if let problem = reader.problem ?? failure { throw Invalid(description: problem) }
        guard reader.closed else { throw Invalid(description: "the report ends before </Document>") }
        guard reader.sawReport, let messageId = reader.originalMessageId, !messageId.isEmpty else {
            throw Invalid(description: "not a pain.002 status report (no CstmrPmtStsRpt with an OrgnlMsgId)")
        }
        return Pain002Report(originalMessageId: messageId, statuses: reader.statuses)
    }

    private final class Reader: NSObject, XMLParserDelegate {
        var problem: String?
        var sawReport = false
        var closed = false
        var originalMessageId: String?
        var statuses: [Status] = []

        private var path: [String] = []
        private var text = ""
        /// The blocks open now, innermost last: a status, its reason and reference belong to it.
        private struct Block {
            var name: String
            var code: String?
            var reason: String?
            var reference: String?
            var endToEndId: String?
            var paymentInformationId: String?
        }
        private var blocks: [Block] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if path.isEmpty {
                guard name == "Document", namespaceURI?.hasPrefix("urn:iso:std:iso:20022:tech:xsd:pain.002.") == true else {
                    problem = "not a pain.002 document: \(namespaceURI ?? "no namespace")"
                    return parser.abortParsing()
                }
            }
            path.append(name)
            guard path.count <= 32 else {
                problem = "elements nested deeper than 32"
                return parser.abortParsing()
            }
            if name == "CstmrPmtStsRpt" { sawReport = true }
            if ["OrgnlGrpInfAndSts", "OrgnlPmtInfAndSts", "TxInfAndSts"].contains(name) {
                guard statuses.count < 1_000_000 else {
                    problem = "more than 1,000,000 statuses"
                    return parser.abortParsing()
                }
                blocks.append(Block(name: name))
            }
            text = ""
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
            switch name {
            case "Document" where path.count == 1: closed = true
            case "OrgnlMsgId" where parent == "OrgnlGrpInfAndSts": originalMessageId = value
            case "OrgnlPmtInfId" where parent == "OrgnlPmtInfAndSts": blocks[blocks.count - 1].paymentInformationId = value
            case "GrpSts", "PmtInfSts", "TxSts":
                if !blocks.isEmpty { blocks[blocks.count - 1].code = value }
            case "OrgnlEndToEndId" where parent == "TxInfAndSts": blocks[blocks.count - 1].endToEndId = value
            case "AcctSvcrRef" where parent == "TxInfAndSts": blocks[blocks.count - 1].reference = value
            case "Cd" where parent == "Rsn", "Prtry" where parent == "Rsn", "AddtlInf" where parent == "StsRsnInf":
                if !blocks.isEmpty, blocks[blocks.count - 1].reason == nil { blocks[blocks.count - 1].reason = value }
            case "OrgnlGrpInfAndSts", "OrgnlPmtInfAndSts", "TxInfAndSts":
                guard let block = blocks.popLast(), let code = block.code else { return }
                switch name {
                case "OrgnlGrpInfAndSts": statuses.append(Status(scope: .group, code: code, reason: block.reason))
                case "OrgnlPmtInfAndSts":
                    if let id = block.paymentInformationId {
                        statuses.append(Status(scope: .paymentInformation(id), code: code, reason: block.reason))
                    }
                default:
                    if let endToEndId = block.endToEndId {
                        statuses.append(Status(scope: .transaction(endToEndId: endToEndId), code: code, reason: block.reason,
                                               reference: block.reference))
                    }
                }
            default: break
            }
        }
    }
}
