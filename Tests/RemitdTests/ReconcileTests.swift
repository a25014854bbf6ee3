import Foundation
import RemitClient
import RemitLedger
import RemitProtocol
import RemitReconciliation
import XCTest

/// `remitctl reconcile` as operations run it: the built binary, a real daemon that paid (or lost
/// track of) real payouts, and statement files shaped like the partners' own: a mobile-money
/// provider's semicolon CSV export, a bank's camt.053.
final class ReconcileTests: XCTestCase {
    var daemon: Daemon!

    override func tearDown() {
        daemon?.remove()
    }

    /// The wallet provider (MPESA-KE) answers too late for every payout, so its payouts end in
    /// doubt and then in review; its statements come as CSV. KMFI pays and sends camt.053.
    func startDaemon() throws {
        daemon = try Daemon()
        try daemon.setWalletPartner("""
            latency_ms = 300
            timeout_ms = 50
            statement_format = "csv"
            statement_delimiter = ";"
            statement_amount = "Amount"
            statement_currency_code = "KES"
            statement_end_to_end_id = "Originator Conversation ID"
            statement_reference = "Receipt No."
            statement_date = "Completion Time"
            statement_date_format = "DD/MM/YYYY"
            statement_status = "Transaction Status"
            statement_pending_values = ["Pending"]
            statement_reversal_values = ["Reversed"]
            statement_return_reason = "Reason"
            """, sections: "\n[payouts]\nfirst_inquiry_ms = 50\nmax_inquiries = 2\n")
        daemon = try daemon.restart()
    }

    func payouts(_ partner: String) throws -> [String: PartnerPayout] {
        let ledger = try Ledger.openForReading(path: daemon.path("ledger.sqlite"))
        return Dictionary(uniqueKeysWithValues: try ledger.partnerPayouts(partner).map { ($0.key.transferId.description, $0) })
    }

    func decimal(_ minor: Int64) -> String { String(format: "%lld.%02lld", minor / 100, minor % 100) }

    var today: Date { Date() }

    func day(_ format: String) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = format
        return formatter.string(from: today)
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testAWalletProvidersCSVSettlesPayoutsInDoubtAndAReimportChangesNothing() async throws {
        try startDaemon()
        let client = try await daemon.connect()
        let ids = (0..<3).map { _ in ID128.random() }
        for id in ids { _ = try await client.submit([GatewayTests.transfer(id)]) }
        for _ in 0..<400 {
            if try payouts("MPESA-KE").count == 3, try daemon.remitctl(["in-doubt", "list", "--json"]).out
                .components(separatedBy: "\"review\" : true").count == 4 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let open = try payouts("MPESA-KE")
        XCTAssertEqual(open.values.map(\.standing), [.open, .open, .open])
        let (paid, returned, silent) = (open["\(ids[0])"]!, open["\(ids[1])"]!, open["\(ids[2])"]!)
        let stamp = day("dd/MM/yyyy") + " 14:02:11"
        let csv = """
            Receipt No.;Completion Time;Details;Transaction Status;Amount;Originator Conversation ID;Reason
            RKT1A2B3C4;\(stamp);Business Payment to 254712345678;Completed;-\(decimal(paid.amount));\(paid.key.text);
            RKT5D6E7F8;\(stamp);Business Payment to 254712345678;Completed;-\(decimal(returned.amount));\(returned.key.text);
            RKT5D6E7F9;\(stamp);Reversal of RKT5D6E7F8;Reversed;\(decimal(returned.amount));\(returned.key.text);Account closed
            FND0000001;\(stamp);Float top-up from KCB;Completed;500000.00;;
            RKT9Z9Z9Z9;\(stamp);Business Payment to 254700000000;Completed;-100.00;ACME-0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07-0;
            RKTPENDING;\(stamp);Business Payment to 254711111111;Pending;-50.00;;

            """
        let file = daemon.path("mpesa-statement.csv")
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let prefundBefore = try daemon.prefund("ACME")

        let first = try daemon.remitctl(["reconcile", "MPESA-KE", file, "--json", "--breaks", daemon.path("breaks.csv"),
                                         "--html", daemon.path("report.html")])
        XCTAssertEqual(first.status, 2, "a break: \(first.out) \(first.err)")
        let report = try json(first.out)
        XCTAssertEqual(report["lines"] as? Int, 6)
        XCTAssertEqual(report["matched"] as? Int, 3, "the paid line and the returned payout's two lines")
        XCTAssertEqual(report["pending"] as? Int, 1)
        XCTAssertEqual(report["notPayouts"] as? Int, 1)
        XCTAssertEqual(report["openNotShown"] as? Int, 1)
        XCTAssertEqual((report["breakCounts"] as? [String: Int])?["missing-in-ledger"], 1)
        let changes = try XCTUnwrap(report["changes"] as? [[String: Any]])
        XCTAssertEqual(Set(changes.map { "\($0["action"]!) \($0["payout"]!) \($0["ok"]!)" }),
                       ["resolve paid \(paid.key.text) 1", "resolve failed \(returned.key.text) 1"])
        XCTAssertNil(report["importedBefore"])

        // The ledger took both, with the statement as evidence; the third is still in doubt.
        let paidStatus = try await client.transfer(ID128(paid.key.transferId.description)!)
        XCTAssertEqual(paidStatus.state, .paid)
        XCTAssertEqual(paidStatus.legs[0].partnerReference, "RKT1A2B3C4")
        let refunded = try await client.transfer(ID128(returned.key.transferId.description)!)
        XCTAssertEqual(refunded.state, .refunded)
        let still = try await client.transfer(ID128(silent.key.transferId.description)!)
        XCTAssertEqual(still.state, .inDoubt)
        let prefundAfter = try daemon.prefund("ACME")
        XCTAssertNotEqual(prefundAfter, prefundBefore, "the returned payout's hold went back to the prefund")

        let breaks = try String(contentsOfFile: daemon.path("breaks.csv"), encoding: .utf8).components(separatedBy: "\r\n")
        XCTAssertEqual(breaks.filter { !$0.isEmpty }.count, 2, "header and one break: \(breaks)")
        XCTAssertTrue(breaks[1].hasPrefix("missing-in-ledger,mpesa-statement.csv,5,"), breaks[1])
        let html = try String(contentsOfFile: daemon.path("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<svg") && html.contains("missing-in-ledger") && html.contains("RKT9Z9Z9Z9"))
        let audit = try daemon.remitctl(["audit", "--json"]).out
        XCTAssertTrue(audit.contains("resolve-payout") && audit.contains("reconcile"), audit)

        // The same file again: recognised, nothing booked, the prefund as it was.
        let second = try daemon.remitctl(["reconcile", "MPESA-KE", file, "--json"])
        XCTAssertEqual(second.status, 2, second.err)
        let again = try json(second.out)
        XCTAssertEqual((again["changes"] as? [Any])?.count, 0)
        XCTAssertNotNil(again["importedBefore"])
        XCTAssertEqual(again["matched"] as? Int, 3)
        XCTAssertEqual((again["breakCounts"] as? [String: Int])?["missing-in-ledger"], 1)
        XCTAssertEqual(try daemon.prefund("ACME"), prefundAfter)
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)

        // A people's summary, and the refusals.
        let text = try daemon.remitctl(["reconcile", "MPESA-KE", file, "--dry-run", "--progress"])
        XCTAssertEqual(text.status, 2)
        XCTAssertTrue(text.err.contains("%") && text.err.contains("\r"), "a progress bar on standard error: \(text.err)")
        XCTAssertTrue(text.out.contains("this statement was imported before"), text.out)
        XCTAssertTrue(text.out.contains("1 break:"), text.out)
        XCTAssertTrue(text.out.contains("missing-in-ledger  5 "), text.out)
        try "Receipt No.;Completion Time;Transaction Status;Amount;Originator Conversation ID;Reason\nX;\(stamp);Completed;-12.345;;\n".write(toFile: daemon.path("bad.csv"), atomically: true, encoding: .utf8)
        let bad = try daemon.remitctl(["reconcile", "MPESA-KE", daemon.path("bad.csv")])
        XCTAssertEqual(bad.status, 65, bad.err)
        XCTAssertTrue(bad.err.contains("row 2"), bad.err)
        XCTAssertEqual(try daemon.remitctl(["reconcile", "NOPE", file]).status, 78)
        XCTAssertEqual(try daemon.remitctl(["reconcile", "MPESA-KE", daemon.path("absent.csv")]).status, 66)
        let tolerance = try daemon.remitctl(["reconcile", "MPESA-KE", file, "--date-tolerance", "32"])
        XCTAssertEqual(tolerance.status, 64)
        XCTAssertTrue(tolerance.err.contains("0 to 31 days"), tolerance.err)
        XCTAssertEqual(try daemon.remitctl(["reconcile", "MPESA-KE", file, "--date-tolerance", "-1"]).status, 64)
        try await client.close()
    }

    func testABanksCamt053BooksAReturnAndReportsEachBreak() async throws {
        try startDaemon()
        let client = try await daemon.connect()
        let savings = [Leg(product: .savingsDeposit, share: 10_000, institution: "KMFI", account: "SAV-001")]
        let ids = (0..<4).map { _ in ID128.random() }
        for id in ids {
            let result = try await client.submit([GatewayTests.transfer(id, legs: savings)])[0]
            XCTAssertEqual(result.errorCode, .none)
        }
        for id in ids { _ = try await final(id, client, seconds: 30) }
        let found = try payouts("KMFI")
        let (good, short, back, absent) = (found["\(ids[0])"]!, found["\(ids[1])"]!, found["\(ids[2])"]!, found["\(ids[3])"]!)
        XCTAssertEqual([good, short, back, absent].map(\.standing), [.paid, .paid, .paid, .paid])
        let date = day("yyyy-MM-dd")
        func entry(_ amount: Int64, _ indicator: String, e2e: String, reference: String, extra: String = "") -> String {
            """
            <Ntry><Amt Ccy="KES">\(decimal(amount))</Amt><CdtDbtInd>\(indicator)</CdtDbtInd><Sts>BOOK</Sts>
              <BookgDt><Dt>\(date)</Dt></BookgDt><AcctSvcrRef>\(reference)</AcctSvcrRef>
              <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
              <NtryDtls><TxDtls><Refs><EndToEndId>\(e2e)</EndToEndId></Refs>\(extra)</TxDtls></NtryDtls>
            </Ntry>
            """
        }
        let opening: Int64 = 100_000_000
        let closing = opening - good.amount - (short.amount - 100)
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
              <BkToCstmrStmt>
                <GrpHdr><MsgId>KMFI-STMT-1</MsgId><CreDtTm>\(date)T23:00:00Z</CreDtTm></GrpHdr>
                <Stmt>
                  <Id>KMFI-FLOAT-\(date)</Id>
                  <CreDtTm>\(date)T23:00:00Z</CreDtTm>
                  <Acct><Id><Othr><Id>REMIT-GATEWAY-FLOAT</Id></Othr></Id><Ccy>KES</Ccy></Acct>
                  <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="KES">\(decimal(opening))</Amt>
                    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>\(date)</Dt></Dt></Bal>
                  <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="KES">\(decimal(closing))</Amt>
                    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>\(date)</Dt></Dt></Bal>
            \(entry(good.amount, "DBIT", e2e: Reconciler.compact(good.key), reference: "KM-0001"))
            \(entry(short.amount - 100, "DBIT", e2e: Reconciler.compact(short.key), reference: "KM-0002"))
            \(entry(back.amount, "DBIT", e2e: Reconciler.compact(back.key), reference: "KM-0003"))
            \(entry(back.amount, "CRDT", e2e: Reconciler.compact(back.key), reference: "KM-0004",
                    extra: "<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>"))
                </Stmt>
              </BkToCstmrStmt>
            </Document>
            """
        let file = daemon.path("kmfi-camt053.xml")
        try xml.write(toFile: file, atomically: true, encoding: .utf8)

        // A dry run changes nothing.
        let dry = try daemon.remitctl(["reconcile", "KMFI", file, "--dry-run", "--json"])
        XCTAssertEqual(dry.status, 2, dry.err)
        XCTAssertEqual((try json(dry.out)["changes"] as? [[String: Any]])?.map { $0["action"] as? String }, ["reverse"])
        let backID = ID128(back.key.transferId.description)!
        var status = try await client.transfer(backID)
        XCTAssertEqual(status.state, .paid)

        let run = try daemon.remitctl(["reconcile", "KMFI", file, "--json", "--breaks", daemon.path("breaks.json")])
        XCTAssertEqual(run.status, 2, run.err)
        let report = try json(run.out)
        XCTAssertEqual(report["breakCounts"] as? [String: Int], ["amount-mismatch": 1, "missing-at-partner": 1,
                                                                 "missing-in-ledger": 0, "duplicate-at-partner": 0,
                                                                 "returned-or-reversed": 1])
        let balance = try XCTUnwrap((report["balances"] as? [[String: Any]])?.first)
        XCTAssertEqual(balance["agrees"] as? Bool, true, "opening + booked lines = closing")
        XCTAssertEqual((report["changes"] as? [[String: Any]])?.first?["ok"] as? Bool, true)
        status = try await client.transfer(backID)
        XCTAssertEqual(status.state, .reversed)
        let breaks = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: daemon.path("breaks.json"))))
            as? [[String: Any]])
        XCTAssertEqual(Set(breaks.compactMap { $0["payout"] as? String }), [short.key.text, absent.key.text, back.key.text])

        // Again: the reversal is known now, so the return matches and only two breaks remain.
        let again = try json(try daemon.remitctl(["reconcile", "KMFI", file, "--json"]).out)
        XCTAssertEqual((again["changes"] as? [Any])?.count, 0)
        XCTAssertEqual((again["breaks"] as? [Any])?.count, 2)
        XCTAssertNotNil(again["importedBefore"])

        // A camt.054 notification of two more payouts booked as one batched entry: each
        // transaction is a line, both match, and the payouts it does not mention are not missing.
        let more = (0..<2).map { _ in ID128.random() }
        for id in more { _ = try await client.submit([GatewayTests.transfer(id, legs: savings)]) }
        for id in more { _ = try await final(id, client, seconds: 30) }
        let batch = try payouts("KMFI")
        let (first, second) = (batch["\(more[0])"]!, batch["\(more[1])"]!)
        let notification = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">
              <BkToCstmrDbtCdtNtfctn>
                <GrpHdr><MsgId>KMFI-NTF-2</MsgId><CreDtTm>\(date)T12:00:00Z</CreDtTm></GrpHdr>
                <Ntfctn>
                  <Id>KMFI-NTF-2-1</Id>
                  <CreDtTm>\(date)T12:00:00Z</CreDtTm>
                  <Acct><Id><Othr><Id>REMIT-GATEWAY-FLOAT</Id></Othr></Id><Ccy>KES</Ccy></Acct>
                  <Ntry><Amt Ccy="KES">\(decimal(first.amount + second.amount))</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
                    <BookgDt><Dt>\(date)</Dt></BookgDt>
                    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
                    <NtryDtls>
                      <TxDtls><Refs><AcctSvcrRef>KM-0101</AcctSvcrRef><EndToEndId>\(Reconciler.compact(first.key))</EndToEndId></Refs>
                        <AmtDtls><TxAmt><Amt Ccy="KES">\(decimal(first.amount))</Amt></TxAmt></AmtDtls></TxDtls>
                      <TxDtls><Refs><AcctSvcrRef>KM-0102</AcctSvcrRef><EndToEndId>\(Reconciler.compact(second.key))</EndToEndId></Refs>
                        <AmtDtls><TxAmt><Amt Ccy="KES">\(decimal(second.amount))</Amt></TxAmt></AmtDtls></TxDtls>
                    </NtryDtls>
                  </Ntry>
                </Ntfctn>
              </BkToCstmrDbtCdtNtfctn>
            </Document>
            """
        try notification.write(toFile: daemon.path("kmfi-camt054.xml"), atomically: true, encoding: .utf8)
        let notified = try daemon.remitctl(["reconcile", "KMFI", daemon.path("kmfi-camt054.xml"), "--json"])
        XCTAssertEqual(notified.status, 0, "no break: \(notified.out) \(notified.err)")
        let clean = try json(notified.out)
        XCTAssertEqual(clean["matched"] as? Int, 2)
        XCTAssertEqual(clean["missingLookedFor"] as? Bool, false)
        XCTAssertEqual(clean["clean"] as? Bool, true)
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
        try await client.close()
    }
}
