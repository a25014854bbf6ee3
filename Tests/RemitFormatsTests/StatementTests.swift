import Foundation
import RemitFormats
import XCTest

/// Partners' statements read into lines: camt.053 and camt.054 (our own files, shaped like a
/// bank's statement of the gateway's float, valid against the ISO XSDs as Fuzz/seeds/camt has
/// them, then the shared real-shaped samples), and CSV exports with a column mapping. Each limit
/// and each malformed input gets its error. In ISO files the end-to-end id is the one the
/// gateway's pain.001 files carry (at most 35 characters: the transfer id's hex and the leg).
final class CamtStatementTests: XCTestCase {
    static func camt053(version: String = "02", entries: String, opening: String = "1000000.00", closing: String = "993950.00")
        -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.\(version)">
          <BkToCstmrStmt>
            <GrpHdr><MsgId>MPESA-KE-STMT-20261124</MsgId><CreDtTm>2026-11-25T01:00:00+03:00</CreDtTm></GrpHdr>
            <Stmt>
              <Id>STMT-20261124-FLOAT</Id>
              <CreDtTm>2026-11-25T01:00:00+03:00</CreDtTm>
              <Acct><Id><Othr><Id>REMIT-GATEWAY-FLOAT</Id></Othr></Id><Ccy>KES</Ccy></Acct>
              <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="KES">\(opening)</Amt>
                <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-24</Dt></Dt></Bal>
              <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="KES">\(closing)</Amt>
                <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-24</Dt></Dt></Bal>
              \(entries)
            </Stmt>
          </BkToCstmrStmt>
        </Document>
        """
    }

    static let entries = """
        <Ntry><Amt Ccy="KES">5000.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
          <BookgDt><Dt>2026-11-24</Dt></BookgDt><AcctSvcrRef>QK7H2AB9</AcctSvcrRef>
          <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
          <NtryDtls><TxDtls><Refs><EndToEndId>0191f3c27a107c4e9d2b3f6a8e1c5b07-0</EndToEndId></Refs></TxDtls></NtryDtls>
        </Ntry>
        <Ntry><Amt Ccy="KES">1500.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
          <BookgDt><DtTm>2026-11-24T10:15:00+03:00</DtTm></BookgDt>
          <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
          <NtryDtls>
            <TxDtls><Refs><AcctSvcrRef>QK7H2AC1</AcctSvcrRef><EndToEndId>0191f3c27a107c4e9d2b3f6a8e1c5b08-0</EndToEndId></Refs>
              <AmtDtls><TxAmt><Amt Ccy="KES">1000.25</Amt></TxAmt></AmtDtls></TxDtls>
            <TxDtls><Refs><AcctSvcrRef>QK7H2AC2</AcctSvcrRef><EndToEndId>0191f3c27a107c4e9d2b3f6a8e1c5b08-1</EndToEndId></Refs>
              <AmtDtls><TxAmt><Amt Ccy="KES">500.25</Amt></TxAmt></AmtDtls></TxDtls>
          </NtryDtls>
        </Ntry>
        <Ntry><Amt Ccy="KES">450.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd><Sts>BOOK</Sts>
          <BookgDt><Dt>2026-11-24</Dt></BookgDt><AcctSvcrRef>QK7H2AD4</AcctSvcrRef>
          <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
          <NtryDtls><TxDtls><Refs><EndToEndId>0191f3c27a107c4e9d2b3f6a8e1c5b09-0</EndToEndId></Refs>
            <RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf></TxDtls></NtryDtls>
        </Ntry>
        <Ntry><Amt Ccy="KES">99.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>PDNG</Sts>
          <ValDt><Dt>2026-11-25</Dt></ValDt>
          <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
          <NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs></TxDtls></NtryDtls>
        </Ntry>
        """

    func parse(_ text: String) throws -> [PartnerStatement] { try CamtStatement.parse(Data(text.utf8)) }

    func testAStatementGivesALinePerPayoutAndBalancesThatAgree() throws {
        let statements = try parse(Self.camt053(entries: Self.entries))
        XCTAssertEqual(statements.count, 1)
        let statement = statements[0]
        XCTAssertEqual(statement.id, "STMT-20261124-FLOAT")
        XCTAssertEqual(statement.account, "REMIT-GATEWAY-FLOAT")
        XCTAssertEqual(statement.currency, "KES")
        XCTAssertEqual(statement.opening, PartnerStatement.Balance(amount: 100_000_000, currency: "KES", date: "2026-11-24"))
        XCTAssertEqual(statement.closing?.amount, 99_395_000)
        XCTAssertEqual(statement.lines, [
            PartnerStatement.Line(number: 1, endToEndId: "0191f3c27a107c4e9d2b3f6a8e1c5b07-0", reference: "QK7H2AB9",
                                  amount: 500_000, currency: "KES", direction: .debit, date: "2026-11-24"),
            PartnerStatement.Line(number: 2, endToEndId: "0191f3c27a107c4e9d2b3f6a8e1c5b08-0", reference: "QK7H2AC1",
                                  amount: 100_025, currency: "KES", direction: .debit, date: "2026-11-24"),
            PartnerStatement.Line(number: 3, endToEndId: "0191f3c27a107c4e9d2b3f6a8e1c5b08-1", reference: "QK7H2AC2",
                                  amount: 50_025, currency: "KES", direction: .debit, date: "2026-11-24"),
            PartnerStatement.Line(number: 4, endToEndId: "0191f3c27a107c4e9d2b3f6a8e1c5b09-0", reference: "QK7H2AD4",
                                  amount: 45_050, currency: "KES", direction: .credit, status: .reversal, date: "2026-11-24",
                                  returnReason: "AC04"),
            PartnerStatement.Line(number: 5, amount: 9_900, currency: "KES", direction: .debit, status: .pending,
                                  date: "2026-11-25"),
        ])
        // Opening plus what was booked is the closing balance; the pending line is not booked.
        XCTAssertEqual(statement.opening!.amount + statement.bookedNet, statement.closing!.amount)
    }

    /// The fixture is a valid camt.053.001.02 (and the fuzz seed is the fixture), when xmllint
    /// and the shared XSDs are on this machine.
    func testTheFixtureIsValidAgainstTheXSDAndIsTheFuzzSeed() throws {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let seed = here.appendingPathComponent("../../Fuzz/seeds/camt/statement-053.xml")
        XCTAssertEqual(try CamtStatement.parse(Data(contentsOf: seed)), try parse(Self.camt053(entries: Self.entries)))
        let xsd = here.appendingPathComponent("../../../shared/iso20022/xsd/camt.053.001.02.xsd")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/xmllint"), FileManager.default.fileExists(atPath: xsd.path)
        else { throw XCTSkip("xmllint or ../shared/iso20022 is not on this machine") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("camt-\(UUID().uuidString).xml")
        try Self.camt053(entries: Self.entries).write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/xmllint")
        process.arguments = ["--noout", "--schema", xsd.path, file.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0,
                       String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    func testVersions04And08ReadTheSame() throws {
        let v02 = try parse(Self.camt053(entries: Self.entries))
        for version in ["04", "08"] {
            // v08 carries the entry status as a code.
            let entries = version == "08"
                ? Self.entries.replacingOccurrences(of: "<Sts>BOOK</Sts>", with: "<Sts><Cd>BOOK</Cd></Sts>")
                    .replacingOccurrences(of: "<Sts>PDNG</Sts>", with: "<Sts><Cd>PDNG</Cd></Sts>")
                : Self.entries
            XCTAssertEqual(try parse(Self.camt053(version: version, entries: entries)), v02, version)
        }
    }

    func testANotificationHasLinesAndNoBalances() throws {
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
              <GrpHdr><MsgId>N1</MsgId><CreDtTm>2026-11-24T12:00:00Z</CreDtTm></GrpHdr>
              <Ntfctn><Id>NTF-1</Id><Acct><Id><IBAN>KE12BANK000012345678</IBAN></Id><Ccy>KES</Ccy></Acct>
                \(Self.entries)
              </Ntfctn>
            </BkToCstmrDbtCdtNtfctn></Document>
            """
        let statements = try parse(text)
        XCTAssertEqual(statements.map(\.id), ["NTF-1"])
        XCTAssertEqual(statements[0].account, "KE12BANK000012345678")
        XCTAssertNil(statements[0].opening)
        XCTAssertEqual(statements[0].lines.count, 5)
        XCTAssertFalse(statements[0].complete, "a notification carries only the movements it reports")
        XCTAssertTrue(try parse(Self.camt053(version: "02", entries: Self.entries))[0].complete)
    }

    func testMalformedStatementsAreRefusedWithTheirReason() {
        let cases: [(String, String)] = [
            (Self.camt053(entries: Self.entries).replacingOccurrences(of: "camt.053.001.02", with: "pain.002.001.10"),
             "not a camt.053 or camt.054 document"),
            (Self.camt053(entries: Self.entries.replacingOccurrences(of: "5000.00", with: "5000.005")), "is not an amount in KES"),
            (Self.camt053(entries: Self.entries.replacingOccurrences(of: "Ccy=\"KES\">5000", with: "Ccy=\"XXY\">5000")),
             "unknown currency"),
            (Self.camt053(entries: Self.entries.replacingOccurrences(of: "2026-11-25", with: "2026-02-30")), "is not a date"),
            (Self.camt053(entries: Self.entries.replacingOccurrences(of: "<Amt Ccy=\"KES\">99.00</Amt>", with: "")),
             "without its amount"),
            (Self.camt053(entries: Self.entries, opening: "-5.00"), "balance OPBD"),
            (String(Self.camt053(entries: Self.entries).dropLast(12)), "ends before </Document>"),
            // Foundation's parser on Linux accepts a document cut short: the reader's own check refuses it.
            (String(Self.camt053(entries: Self.entries).dropLast(40)), "ends before </Document>"),
            (Self.camt053(entries: Self.entries.replacingOccurrences(of: "</AcctSvcrRef>", with: "</AcctSvcRef>")), "not well-formed"),
            (Self.camt053(entries: "").replacingOccurrences(of: "<Id>STMT-20261124-FLOAT</Id>", with: ""), "without its Id"),
            ("<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt/></Document>",
             "no Stmt"),
            ("<?xml version=\"1.0\"?><?x?><Document/>", "processing instruction"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try parse(text), expected) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error) should say \(expected)")
            }
        }
    }

    /// The shared real-shaped samples (Finnish banks' guideline files, a two-account statement):
    /// each reads, and where a statement has both balances, opening plus booked lines is closing.
    func testTheSharedSamplesRead() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/iso20022/samples")
        let names = ["camt.053.001.02_fffs_finland_2009-10-30.xml", "camt.053.001.02_multi_statement_2015-03-10.xml",
                     "camt.054.001.02_fffs_finland_2009-10-30.xml"]
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(names[0]).path) else {
            throw XCTSkip("../shared/iso20022/samples is not beside the project")
        }
        var counts: [Int] = []
        for name in names {
            let statements = try CamtStatement.parse(Data(contentsOf: folder.appendingPathComponent(name)))
            counts.append(statements.count)
            for statement in statements {
                XCTAssertFalse(statement.lines.isEmpty, "\(name) \(statement.id)")
                if let opening = statement.opening, let closing = statement.closing {
                    XCTAssertEqual(opening.amount + statement.bookedNet, closing.amount, "\(name) \(statement.id)")
                }
            }
        }
        XCTAssertEqual(counts, [1, 2, 1])
    }
}

final class CSVStatementTests: XCTestCase {
    func mapping() -> CSVStatement.Mapping {
        var mapping = CSVStatement.Mapping(amount: "Amount")
        mapping.endToEndId = "Client Reference"
        mapping.reference = "Receipt No."
        mapping.date = "Completion Time"
        mapping.currency = .fixed("KES")
        mapping.status = "Status"
        return mapping
    }

    func parse(_ text: String, _ mapping: CSVStatement.Mapping? = nil) throws -> PartnerStatement {
        try CSVStatement.parse(Data(text.utf8), mapping ?? self.mapping(), id: "MPESA-20261124")
    }

    func testAnExportWithQuotesSignsAndAStatusColumn() throws {
        let text = "\u{FEFF}Receipt No.,Completion Time,Details,Amount,Status,Client Reference\r\n"
            + "QK7H2AB9,2026-11-24 09:14:02,\"Payout to 2547..., \"\"Jane\"\"\",-5000.00,Completed,ACME-0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07-0\r\n"
            + "QK7H2AC1,2026-11-24 10:15:00,\"Two\nlines\",-1 000.25,Completed,\r\n"
            + "QK7H2AD4,2026-11-24 11:00:00,Reversal,+450.50,Reversed,BETA-0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b09-0\r\n"
            + "\r\n"
        let statement = try parse(text)
        XCTAssertEqual(statement.lines, [
            PartnerStatement.Line(number: 1, endToEndId: "ACME-0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07-0", reference: "QK7H2AB9",
                                  amount: 500_000, currency: "KES", direction: .debit, date: "2026-11-24"),
            PartnerStatement.Line(number: 2, reference: "QK7H2AC1", amount: 100_025, currency: "KES", direction: .debit,
                                  date: "2026-11-24"),
            PartnerStatement.Line(number: 3, endToEndId: "BETA-0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b09-0", reference: "QK7H2AD4",
                                  amount: 45_050, currency: "KES", direction: .credit, status: .reversal, date: "2026-11-24"),
        ])
        XCTAssertEqual(statement.bookedNet, -500_000 - 100_025 + 45_050)
    }

    func testADirectionColumnDayFirstDatesAndAnotherDelimiter() throws {
        var mapping = CSVStatement.Mapping(amount: "Betrag")
        mapping.delimiter = UInt8(ascii: ";")
        mapping.direction = "S/H"
        mapping.date = "Datum"
        mapping.dateFormat = .dotted
        mapping.currency = .column("Währung")
        let text = "Datum;Betrag;Währung;S/H\n24.11.2026;1250.00;EUR;S\n25.11.2026;10.00;EUR;H\n"
        mapping.debitValues = ["S"]
        mapping.creditValues = ["H"]
        let statement = try CSVStatement.parse(Data(text.utf8), mapping, id: "bank")
        XCTAssertEqual(statement.lines.map(\.direction), [.debit, .credit])
        XCTAssertEqual(statement.lines.map(\.amount), [125_000, 1_000])
        XCTAssertEqual(statement.lines.map(\.date), ["2026-11-24", "2026-11-25"])
        XCTAssertEqual(statement.lines.map(\.currency), ["EUR", "EUR"])
    }

    func testEachMalformedExportIsRefusedWithItsRowAndReason() {
        let header = "Receipt No.,Completion Time,Amount,Status,Client Reference\n"
        let cases: [(String, String)] = [
            ("", "an empty file"),
            ("Receipt,Time,Sum\n1,2026-11-24,5\n", "no column \"Amount\" for the amount"),
            (header + "R1,2026-11-24,-5.001,Completed,X\n", "row 2: \"5.001\" is not an amount in KES"),
            (header + "R1,2026-11-24,abc,Completed,X\n", "row 2"),
            (header + "R1,2026-11-24,,Completed,X\n", "row 2: no amount"),
            (header + "R1,24/11/2026,-5,Completed,X\n", "row 2: date \"24/11/2026\" is not YYYY-MM-DD"),
            (header + "R1,2026-11-31,-5,Completed,X\n", "is not YYYY-MM-DD"),
            (header + "R1,2026-11-24,-5,Completed,\"never closed\n", "row 2: a quoted field is never closed"),
            (header + String(repeating: "x,", count: 70) + "\n", "row 2: more than 64 columns"),
            (header + String(repeating: "x", count: 70_000) + "\n", "row 2: longer than 65536 bytes"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try parse(text), expected) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error) should say \(expected)")
            }
        }
        XCTAssertThrowsError(try CSVStatement.parse(Data([0x41, 0x6D, 0x6F, 0x75, 0x6E, 0x74, 0x0A, 0xFF, 0x0A]),
                                                    CSVStatement.Mapping(amount: "Amount"), id: "x")) { error in
            XCTAssertTrue("\(error)".contains("not UTF-8 text at byte 7"), "\(error)")
        }
        var unknown = mapping()
        unknown.currency = .fixed("XXY")
        XCTAssertThrowsError(try parse(header, unknown)) { XCTAssertTrue("\($0)".contains("unknown currency"), "\($0)") }
        var direction = mapping()
        direction.direction = "Status"
        XCTAssertThrowsError(try parse(header + "R1,2026-11-24,5,Sideways,X\n", direction)) {
            XCTAssertTrue("\($0)".contains("direction \"SIDEWAYS\" is neither a debit nor a credit"), "\($0)")
        }
    }
}
