import Foundation
import RemitDomain
@testable import RemitFormats
import RemitLedger
@testable import RemitPayout
import XCTest

/// The ISO 20022 files adapter: pain.001 batches out, pain.002 reports in, each payout written
/// once across restarts, and the files valid against the published schemas.
final class ISO20022AdapterTests: XCTestCase {
    var folder: URL!
    let kes = try! Currency("KES")

    override func setUp() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("iso20022-\(UUID().uuidString)")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func adapter(batchMax: Int = 10, windowMs: Int = 100) throws -> ISO20022FilesAdapter {
        try ISO20022FilesAdapter(
            id: "BANK-KE", capabilities: PartnerCapabilities(countries: ["KE"], currencies: ["KES"], products: ["accountCredit"]),
            settings: .init(outbox: path("outbox"), inbox: path("inbox"), state: path("state"), debtorName: "Remit Gateway Ltd",
                            debtorAccount: "KE00REMIT0000001", debtorBIC: "BANKKENAXXX", batchMax: batchMax,
                            batchWindowMs: windowMs))
    }

    func leg(_ n: Int, amount: Int64 = 1_281_555, redirect: Bool = false) -> PayoutInstruction {
        let key = PayoutKey(operatorId: "ACME", transferId: TransferID(high: 0xABC, low: UInt64(n)), leg: 1, redirect: redirect).text
        return PayoutInstruction(idempotencyKey: key, product: "accountCredit", account: "GB33BUKB20201555555555",
                                 amount: Money(amount, kes), country: "KE", originCountry: "US", senderName: "Maria Otieno",
                                 beneficiaryName: "Grace Wanjiru & Sons")
    }

    func outboxFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path("outbox")).filter { !$0.hasPrefix(".") }.sorted()
    }

    func messageId(_ file: String) throws -> String {
        let xml = try String(contentsOfFile: path("outbox/\(file)"), encoding: .utf8)
        let start = try XCTUnwrap(xml.range(of: "<MsgId>")), end = try XCTUnwrap(xml.range(of: "</MsgId>"))
        return String(xml[start.upperBound..<end.lowerBound])
    }

    func report(_ messageId: String, group: String? = nil, _ transactions: [(String, String, String?)]) -> String {
        let txs = transactions.map { endToEndId, status, reason in
            """
                  <TxInfAndSts>
                    <OrgnlEndToEndId>\(endToEndId)</OrgnlEndToEndId>
                    <TxSts>\(status)</TxSts>
                    \(reason.map { "<StsRsnInf><Rsn><Cd>\($0)</Cd></Rsn></StsRsnInf>" } ?? "")
                    \(status == "ACSC" ? "<AcctSvcrRef>BANK-\(endToEndId.prefix(6))</AcctSvcrRef>" : "")
                  </TxInfAndSts>
            """
        }.joined(separator: "\n")
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">
              <CstmrPmtStsRpt>
                <GrpHdr><MsgId>STS-\(messageId)</MsgId><CreDtTm>2026-11-23T17:00:00Z</CreDtTm></GrpHdr>
                <OrgnlGrpInfAndSts>
                  <OrgnlMsgId>\(messageId)</OrgnlMsgId>
                  <OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>
                  \(group.map { "<GrpSts>\($0)</GrpSts><StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf>" } ?? "")
                </OrgnlGrpInfAndSts>
                \(transactions.isEmpty ? "" : "<OrgnlPmtInfAndSts><OrgnlPmtInfId>\(messageId)-1</OrgnlPmtInfId>\n\(txs)\n</OrgnlPmtInfAndSts>")
              </CstmrPmtStsRpt>
            </Document>

            """
    }

    func testABatchIsOneFileAndEachKeyIsWrittenOnceAcrossRestarts() async throws {
        let bank = try adapter()
        let (one, two, three) = (leg(1), leg(2, amount: 100), leg(3, redirect: true))
        async let a = bank.submit(one)
        async let b = bank.submit(two)
        async let c = bank.submit(three)
        let outcomes = await [a, b, c]
        XCTAssertEqual(outcomes, [.pending, .pending, .pending])
        XCTAssertEqual(try outboxFiles().count, 1)
        let xml = try String(contentsOfFile: path("outbox/\(try outboxFiles()[0])"), encoding: .utf8)
        XCTAssertEqual(xml.components(separatedBy: "<CdtTrfTxInf>").count - 1, 3)
        XCTAssertTrue(xml.contains("<NbOfTxs>3</NbOfTxs>") && xml.contains("<CtrlSum>25632.10</CtrlSum>"), xml)
        XCTAssertTrue(xml.contains("<EndToEndId>\(ISO20022FilesAdapter.endToEndId(leg(3, redirect: true).idempotencyKey))</EndToEndId>"))
        XCTAssertTrue(xml.contains("<IBAN>GB33BUKB20201555555555</IBAN>") && xml.contains("<BICFI>BANKKENAXXX</BICFI>"))
        // The originator as ultimate debtor, the beneficiary as creditor, escaped.
        XCTAssertTrue(xml.contains("<UltmtDbtr><Nm>Maria Otieno</Nm></UltmtDbtr>"), xml)
        XCTAssertTrue(xml.contains("<Cdtr><Nm>Grace Wanjiru &amp; Sons</Nm></Cdtr>"), xml)
        // Not an IBAN (its check digits are wrong): the bank's own account number.
        XCTAssertTrue(xml.contains("<DbtrAcct><Id><Othr><Id>KE00REMIT0000001</Id></Othr></Id></DbtrAcct>"), xml)
        XCTAssertEqual(ISO20022FilesAdapter.endToEndId(leg(3, redirect: true).idempotencyKey).count, 35)
        // Sent again, by this process or after a restart: never into a second file.
        let again = await bank.submit(leg(1))
        XCTAssertEqual(again, .pending)
        let restarted = try adapter()
        let afterRestart = await restarted.submit(leg(2, amount: 100))
        XCTAssertEqual(afterRestart, .pending)
        XCTAssertEqual(try outboxFiles().count, 1)
        let never = await restarted.status(leg(9))
        guard case .rejected = never else { return XCTFail("\(never)") }
    }

    func testStatusReportsSettleLegsOnceAndSurviveARestart() async throws {
        let bank = try adapter()
        let (one, two, three) = (leg(1), leg(2), leg(3))
        async let a = bank.submit(one)
        async let b = bank.submit(two)
        async let c = bank.submit(three)
        _ = await [a, b, c]
        let id = try messageId(try outboxFiles()[0])
        let e2e = (1...3).map { ISO20022FilesAdapter.endToEndId(leg($0).idempotencyKey) }
        try report(id, [(e2e[0], "ACSC", nil), (e2e[1], "RJCT", "AC01"), (e2e[2], "PDNG", nil)])
            .write(toFile: path("inbox/status-1.xml"), atomically: true, encoding: .utf8)
        try "not xml".write(toFile: path("inbox/status-0.xml"), atomically: true, encoding: .utf8)
        let first = await bank.status(leg(1)), second = await bank.status(leg(2)), third = await bank.status(leg(3))
        XCTAssertEqual(first, .paid(reference: "BANK-\(e2e[0].prefix(6))"))
        XCTAssertEqual(second, .rejected(reason: "RJCT AC01"))
        XCTAssertEqual(third, .pending)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("inbox/processed/status-1.xml")))
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("inbox/unreadable/status-0.xml")))
        // A later report cannot change a final outcome; the pending one settles.
        try report(id, [(e2e[0], "RJCT", "AM04"), (e2e[2], "ACCC", nil)])
            .write(toFile: path("inbox/status-2.xml"), atomically: true, encoding: .utf8)
        let restarted = try adapter()
        let stillPaid = await restarted.status(leg(1)), nowPaid = await restarted.status(leg(3))
        XCTAssertEqual(stillPaid, .paid(reference: "BANK-\(e2e[0].prefix(6))"))
        guard case .paid = nowPaid else { return XCTFail("\(nowPaid)") }
        // A settled leg submitted again gets its outcome, not a new file.
        let resubmitted = await restarted.submit(leg(2))
        XCTAssertEqual(resubmitted, .rejected(reason: "RJCT AC01"))
        XCTAssertEqual(try outboxFiles().count, 1)
    }

    func testAGroupRejectionRefusesEveryLegOfTheMessage() async throws {
        let bank = try adapter(batchMax: 2, windowMs: 60_000)
        // Two legs fill the batch: written at once, not after the minute's window.
        let (one, two) = (leg(1), leg(2))
        async let a = bank.submit(one)
        async let b = bank.submit(two)
        _ = await [a, b]
        let id = try messageId(try outboxFiles()[0])
        try report(id, group: "RJCT", []).write(toFile: path("inbox/r.xml"), atomically: true, encoding: .utf8)
        let first = await bank.status(leg(1)), second = await bank.status(leg(2))
        XCTAssertEqual(first, .rejected(reason: "RJCT AM04"))
        XCTAssertEqual(second, .rejected(reason: "RJCT AM04"))
    }

    func testABatchCutShortByACrashIsPublishedOrDiscardedAtStart() throws {
        _ = try adapter()
        let manager = FileManager.default
        try "<Document/>".write(toFile: path("outbox/.RGKNOWN.xml.part"), atomically: true, encoding: .utf8)
        try "<Document/>".write(toFile: path("outbox/.RGUNKNOWN.xml.part"), atomically: true, encoding: .utf8)
        let journal = try XCTUnwrap(FileHandle(forWritingAtPath: path("state/journal.tsv")))
        journal.seekToEndOfFile()
        journal.write(Data("S\t\(leg(7).idempotencyKey)\tE2E7\tRGKNOWN\tRGKNOWN-1\nS\tcut".utf8))
        try journal.close()
        _ = try adapter()
        XCTAssertEqual(try outboxFiles(), ["pain.001.RGKNOWN.xml"])
        XCTAssertFalse(manager.fileExists(atPath: path("outbox/.RGUNKNOWN.xml.part")))
    }

    /// The published XSDs, from the shared folder beside the project; skipped without it.
    func testGeneratedFilesValidateAgainstTheSchemas() async throws {
        guard let xsd = Self.schemaFolder()?.path else { throw XCTSkip("no ISO 20022 schemas beside the project") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/xmllint") else { throw XCTSkip("xmllint is not installed") }
        let bank = try adapter()
        var local = leg(2)
        local.account = "0012345678"  // not an IBAN: the bank's own account number
        let one = leg(1), other = local
        async let a = bank.submit(one)
        async let b = bank.submit(other)
        _ = await [a, b]
        let file = path("outbox/\(try outboxFiles()[0])")
        XCTAssertEqual(try Self.xmllint(schema: "\(xsd)/pain.001.001.09.xsd", file: file), 0)
        let id = try messageId(try outboxFiles()[0])
        try report(id, [(ISO20022FilesAdapter.endToEndId(leg(1).idempotencyKey), "RJCT", "AC01")])
            .write(toFile: path("report.xml"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try Self.xmllint(schema: "\(xsd)/pain.002.001.10.xsd", file: path("report.xml")), 0)
        // A real bank's report reads too (group status only).
        let sample = xsd.replacingOccurrences(of: "/xsd", with: "/samples/pain.002.001.10_hypovereinsbank_DE_vop_RCVC.xml")
        let parsed = try Pain002Report.parse(try Data(contentsOf: URL(fileURLWithPath: sample)))
        XCTAssertEqual(parsed.originalMessageId, "2025-11-02T18:33:03:0287")
        XCTAssertEqual(parsed.statuses.first, .init(scope: .group, code: "RCVC",
                                                    reason: "RCVC Der angegebene Empfaengername stimmt mit dem Namen des Kontoinhabers ueberein."))
    }

    func testReportsThatAreNotReportsAreRefused() {
        for (text, problem) in [("<x/>", "not a pain.002"), ("", "ends before"),
                                ("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.002.001.10\"><CstmrPmtStsRpt>", "ends before"),
                                ("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.002.001.10\"></Document>", "no CstmrPmtStsRpt")] {
            XCTAssertThrowsError(try Pain002Report.parse(Data(text.utf8))) { error in
                XCTAssertTrue("\(error)".contains(problem), "\(error) should say \(problem)")
            }
        }
    }

    static func schemaFolder() -> URL? {
        if let path = ProcessInfo.processInfo.environment["REMIT_ISO20022_XSD_DIR"] { return URL(fileURLWithPath: path) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for candidate in [root.appendingPathComponent("../shared/iso20022/xsd").standardized,
                          URL(fileURLWithPath: "/work/shared/iso20022/xsd")]
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("pain.001.001.09.xsd").path) {
            return candidate
        }
        return nil
    }

    static func xmllint(schema: String, file: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/xmllint")
        process.arguments = ["--noout", "--schema", schema, file]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
