import Foundation
import RemitDomain

/// Writes a batch of payouts as one ISO 20022 `pain.001.001.09` customer credit transfer
/// initiation: a group header, one payment information block per currency (the debtor is the
/// gateway's account at the bank), one credit transfer per leg. The XML is generated, not
/// templated: every text is escaped and cut to its type's length, and the result validates
/// against the published XSD (the tests check it with xmllint).
struct Pain001Writer {
    struct Debtor: Sendable {
        var name: String
        /// An IBAN, or the bank's own account number.
        var account: String
        var bic: String?
    }

    struct Payment {
        var endToEndId: String
        var amount: Money
        var account: String
        var creditorName: String?
        /// The remittance's sender: the ultimate debtor (the gateway is the debtor).
        var originatorName: String?
        var remittanceInformation: String
    }

    let debtor: Debtor
    let initiatingParty: String

    /// The message, and each payment's payment information id (per currency).
    func document(messageId: String, created: Date, payments: [Payment]) -> (xml: String, paymentInformationIds: [String]) {
        precondition(!payments.isEmpty && messageId.utf8.count <= 35)
        let byCurrency = Dictionary(grouping: payments.indices, by: { payments[$0].amount.currency.code })
        let currencies = byCurrency.keys.sorted()
        var paymentInformationIds = [String](repeating: "", count: payments.count)
        var blocks = ""
        for (number, code) in currencies.enumerated() {
            let indices = byCurrency[code]!
            let pmtInfId = "\(messageId)-\(number + 1)"
            for index in indices { paymentInformationIds[index] = pmtInfId }
            blocks += """
                    <PmtInf>
                      <PmtInfId>\(Self.text(pmtInfId, 35))</PmtInfId>
                      <PmtMtd>TRF</PmtMtd>
                      <NbOfTxs>\(indices.count)</NbOfTxs>
                      <CtrlSum>\(Self.sum(indices.map { payments[$0].amount }))</CtrlSum>
                      <ReqdExctnDt><Dt>\(Self.day(created))</Dt></ReqdExctnDt>
                      <Dbtr><Nm>\(Self.text(debtor.name, 140))</Nm></Dbtr>
                      <DbtrAcct><Id>\(Self.accountId(debtor.account))</Id></DbtrAcct>
                      <DbtrAgt><FinInstnId>\(debtor.bic.map { "<BICFI>\(Self.text($0, 11))</BICFI>" } ?? "<Othr><Id>NOTPROVIDED</Id></Othr>")</FinInstnId></DbtrAgt>

                """
            for index in indices {
                let payment = payments[index]
                let creditor = payment.creditorName.map { "<Cdtr><Nm>\(Self.text($0, 140))</Nm></Cdtr>" } ?? ""
                let originator = payment.originatorName.map { "<UltmtDbtr><Nm>\(Self.text($0, 140))</Nm></UltmtDbtr>\n            " } ?? ""
                blocks += """
                          <CdtTrfTxInf>
                            <PmtId><EndToEndId>\(Self.text(payment.endToEndId, 35))</EndToEndId></PmtId>
                            <Amt><InstdAmt Ccy="\(code)">\(payment.amount.formatted)</InstdAmt></Amt>
                            \(originator)\(creditor)<CdtrAcct><Id>\(Self.accountId(payment.account))</Id></CdtrAcct>
                            <RmtInf><Ustrd>\(Self.text(payment.remittanceInformation, 140))</Ustrd></RmtInf>
                          </CdtTrfTxInf>

                    """
            }
            blocks += "    </PmtInf>\n"
        }
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">
              <CstmrCdtTrfInitn>
                <GrpHdr>
                  <MsgId>\(Self.text(messageId, 35))</MsgId>
                  <CreDtTm>\(Self.timestamp(created))</CreDtTm>
                  <NbOfTxs>\(payments.count)</NbOfTxs>
                  <CtrlSum>\(Self.sum(payments.map(\.amount)))</CtrlSum>
                  <InitgPty><Nm>\(Self.text(initiatingParty, 140))</Nm></InitgPty>
                </GrpHdr>
            \(blocks)  </CstmrCdtTrfInitn>
            </Document>

            """
        return (xml, paymentInformationIds)
    }

    /// An IBAN goes in `<IBAN>`; anything else is the bank's own account number.
    static func accountId(_ account: String) -> String {
        if isIBAN(account) { return "<IBAN>\(account)</IBAN>" }
        return "<Othr><Id>\(text(account, 34))</Id></Othr>"
    }

    static func isIBAN(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (15...34).contains(bytes.count) else { return false }
        let letters = bytes.prefix(2).allSatisfy { $0 >= 65 && $0 <= 90 }
        let digits = bytes.dropFirst(2).prefix(2).allSatisfy { $0 >= 48 && $0 <= 57 }
        let rest = bytes.dropFirst(4).allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) }
        guard letters && digits && rest else { return false }
        // ISO 13616: the country code and check digits moved to the end, letters as 10…35,
        // the whole number modulo 97 is 1.
        var remainder = 0
        for byte in bytes.dropFirst(4) + bytes.prefix(4) {
            let value = byte >= 65 ? Int(byte) - 55 : Int(byte) - 48
            remainder = (value >= 10 ? remainder * 100 + value : remainder * 10 + value) % 97
        }
        return remainder == 1
    }

    /// The sum of amounts as a decimal number (the schema's CtrlSum adds amounts whatever their
    /// currency), exactly: amounts are brought to the largest exponent among them.
    static func sum(_ amounts: [Money]) -> String {
        let exponent = amounts.map(\.currency.exponent).max() ?? 0
        var total: Int64 = 0
        for amount in amounts {
            var minor = amount.minorUnits
            for _ in 0..<(exponent - amount.currency.exponent) { minor *= 10 }
            total += minor
        }
        guard exponent > 0 else { return String(total) }
        var scale: Int64 = 1
        for _ in 0..<exponent { scale *= 10 }
        let fraction = String(total % scale)
        return "\(total / scale).\(String(repeating: "0", count: exponent - fraction.count))\(fraction)"
    }

    /// Escaped for XML and cut to `limit` characters; control characters become spaces.
    static func text(_ value: String, _ limit: Int) -> String {
        var out = ""
        for character in value.prefix(limit) {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out += character.unicodeScalars.allSatisfy({ $0.value >= 0x20 }) ? String(character) : " "
            }
        }
        return out
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func day(_ date: Date) -> String {
        let time = UTCTime(Int64(date.timeIntervalSince1970 * 1_000))
        return String(format: "%04d-%02d-%02d", Int(time.year), Int(time.month), Int(time.day))
    }
}
