import Foundation
import RemitDomain
import RemitFormats
import RemitLedger
import RemitReconciliation
import XCTest

/// The matcher on its own: each way a line finds its payout, each break type, the changes a
/// statement proves, the statement's own arithmetic, and the reports' escaping.
final class ReconcilerTests: XCTestCase {
    /// 2026-11-23 12:00 UTC.
    let noon: Int64 = 1_795_435_200_000
    let day: Int64 = 86_400_000

    func key(_ n: UInt64, leg: Int = 0, redirect: Bool = false, operatorId: String = "ACME") -> PayoutKey {
        PayoutKey(operatorId: operatorId, transferId: TransferID(high: 0x0191_f3c2_7a10_7c4e, low: n), leg: leg, redirect: redirect)
    }

    func payout(_ n: UInt64, _ amount: Int64, _ standing: PartnerPayout.Standing, reference: String = "", at: Int64? = nil,
                redirect: Bool = false) -> PartnerPayout {
        let state: LegState = switch standing {
        case .open: .inDoubt
        case .paid: redirect ? .redirected : .paid
        case .reversed: .reversed
        case .unpaid: .refunded
        }
        return PartnerPayout(key: key(n, redirect: redirect), amount: amount, currency: "KES", standing: standing, state: state,
                             partnerReference: reference, updatedAt: at ?? noon)
    }

    func line(_ number: Int, id: String? = nil, reference: String? = nil, _ amount: Int64, _ direction: PartnerStatement.Direction = .debit,
              status: PartnerStatement.Status = .booked, date: String? = "2026-11-23", reason: String? = nil) -> PartnerStatement.Line {
        PartnerStatement.Line(number: number, endToEndId: id, reference: reference, amount: amount, currency: "KES",
                              direction: direction, status: status, date: date, returnReason: reason)
    }

    func run(_ lines: [PartnerStatement.Line], _ payouts: [PartnerPayout], opening: Int64? = nil, closing: Int64? = nil)
        -> Reconciliation {
        let statement = PartnerStatement(
            id: "STMT-1", currency: "KES", opening: opening.map { .init(amount: $0, currency: "KES", date: "2026-11-23") },
            closing: closing.map { .init(amount: $0, currency: "KES", date: "2026-11-23") }, lines: lines)
        return Reconciler(partner: "MPESA", statements: [statement], payouts: payouts, label: "mpesa.csv").run()
    }

    func testEachWayALineFindsItsPayout() {
        let payouts = [payout(1, 10_000, .paid), payout(2, 20_000, .paid), payout(3, 30_000, .paid, reference: "MP-3"),
                       payout(4, 40_000, .paid, at: noon - 2 * day), payout(5, 40_000, .paid, at: noon - day)]
        let result = run([
            line(1, id: key(1).text, 10_000),
            line(2, id: Reconciler.compact(key(2)).uppercased(), 20_000),  // the 35-character form, case as a bank prints it
            line(3, id: "NOTPROVIDED-X", reference: "MP-3", 30_000),
            line(4, 40_000),  // no id: the payout of that amount with the closest date (yesterday's)
            line(5, 40_000),  // then the other, two days off: within the tolerance of three
        ], payouts)
        XCTAssertEqual(result.breaks, [])
        XCTAssertEqual(result.matched, 5)
        XCTAssertEqual(result.matchedBy, [.endToEndId: 2, .reference: 1, .amountAndDate: 2])
        XCTAssertEqual(result.actions, [])
        XCTAssertTrue(result.isClean)
        XCTAssertEqual(result.days, [Reconciliation.Day(date: "2026-11-23", matched: 5, broken: 0)])
    }

    /// The form the ISO 20022 adapter writes into pain.001 (ISO20022AdapterTests checks it there).
    func testTheCompactEndToEndId() {
        let key = PayoutKey(operatorId: "ACME", transferId: TransferID(uuid: "0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07")!, leg: 2,
                            redirect: true)
        XCTAssertEqual(Reconciler.compact(key), "0191f3c27a107c4e9d2b3f6a8e1c5b07-2r")
        XCTAssertEqual(Reconciler.compact(PayoutKey(operatorId: "B", transferId: TransferID(high: 1, low: 2), leg: 0)),
                       "00000000000000010000000000000002-0")
    }

    /// Keys as partners echo them: read from the end, the operator keeping hyphens of its own.
    func testKeysReadFromStatements() {
        let id = "0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07"
        let transfer = TransferID(uuid: id)!
        XCTAssertEqual(PayoutKey("ACME-\(id)-0"), PayoutKey(operatorId: "ACME", transferId: transfer, leg: 0))
        XCTAssertEqual(PayoutKey("AC-ME-\(id.uppercased())-12r"), PayoutKey(operatorId: "AC-ME", transferId: transfer, leg: 12, redirect: true))
        XCTAssertEqual(PayoutKey("ACME-\(id)-255")?.leg, 255)
        for text in ["ACME-\(id)-01", "ACME-\(id)-256", "ACME-\(id)-", "ACME-\(id)-r", "-\(id)-0", "\(id)-0", "ACME-\(id)-+1",
                     "ACME-\(id.dropLast())x-0", "ACME_\(id)-0", "ACME-\(id)-0rr", String(repeating: "A", count: 90) + "-\(id)-0", ""] {
            XCTAssertNil(PayoutKey(text), text)
        }
        XCTAssertEqual(TransferID(uuid: "0191F3C27A107C4E9D2B3F6A8E1C5B07"), transfer)
        XCTAssertNil(TransferID(uuid: "0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b0g"))
        XCTAssertNil(TransferID(uuid: "0191f3c2+7a10-7c4e-9d2b-3f6a8e1c5b07"))
    }

    func testAmountAndDateStayWithinTheTolerance() {
        let result = run([line(1, 40_000)], [payout(4, 40_000, .paid, at: noon - 4 * day)])
        XCTAssertEqual(result.breaks.map(\.type), [.missingInLedger], "four days apart: no match")
        XCTAssertEqual(result.matched, 0)
    }

    func testEachBreakType() {
        let payouts = [
            payout(1, 10_000, .paid),                  // paid at the partner for less
            payout(2, 20_000, .paid),                  // not on the statement
            payout(3, 30_000, .unpaid),                // refunded here, paid there
            payout(4, 40_000, .paid),                  // paid twice there
            payout(5, 50_000, .paid, reference: "MP-5"),  // returned there
            payout(6, 60_000, .paid, redirect: true),  // a redirected payout returned there
            payout(7, 70_000, .reversed),              // reversed here, only paid there
            payout(8, 80_000, .paid, at: noon - 30 * day),  // outside the statement's period: not missing
        ]
        let result = run([
            line(1, id: key(1).text, 9_999),
            line(2, id: key(3).text, 30_000),
            line(3, id: key(4).text, 40_000),
            line(4, id: key(4).text, 40_000),
            line(5, id: key(5).text, 50_000),
            line(6, reference: "MP-5", 50_000, .credit, reason: "AC04"),
            line(7, id: key(6, redirect: true).text, 60_000),
            line(8, id: key(6, redirect: true).text, 60_000, .credit, status: .reversal),
            line(9, id: key(7).text, 70_000),
            line(10, id: key(99).text, 1_000),
            line(11, id: "ACME-not-a-key", 1_500, .credit, reason: "AC01"),
        ], payouts)
        XCTAssertEqual(result.breaks.map(\.type), [.amountMismatch, .missingAtPartner, .missingInLedger, .missingInLedger,
                                                   .missingInLedger, .duplicateAtPartner, .returnedOrReversed,
                                                   .returnedOrReversed, .returnedOrReversed])
        let byType = Dictionary(grouping: result.breaks, by: \.type)
        XCTAssertEqual(byType[.amountMismatch]?.first?.payout, key(1).text)
        XCTAssertEqual(byType[.amountMismatch]?.first?.ledgerAmount, 10_000)
        XCTAssertEqual(byType[.missingAtPartner]?.map(\.payout), [key(2).text])
        XCTAssertEqual(byType[.missingInLedger]?.map(\.line), [2, 10, 11])
        XCTAssertTrue(byType[.missingInLedger]![0].detail.contains("the money left twice"), byType[.missingInLedger]![0].detail)
        XCTAssertEqual(byType[.duplicateAtPartner]?.map(\.line), [4])
        XCTAssertEqual(byType[.returnedOrReversed]?.map(\.line), [6, 8, 9])
        XCTAssertEqual(byType[.returnedOrReversed]?.map(\.action), ["reversal booked", "", ""])
        // Only the plain paid payout's return is booked; the redirected one is for operations.
        XCTAssertEqual(result.actions, [.reverse(key(5), evidence: "mpesa.csv: statement STMT-1 line 6")])
        XCTAssertFalse(result.isClean)
    }

    func testAStatementSettlesPayoutsInDoubt() {
        let payouts = [payout(1, 10_000, .open), payout(2, 20_000, .open), payout(3, 30_000, .open), payout(4, 40_000, .open),
                       payout(5, 50_000, .open)]
        let result = run([
            line(1, id: key(1).text, reference: "MP-1", 10_000),                       // paid
            line(2, id: Reconciler.compact(key(2)), 20_000),                           // paid, no reference of the partner's
            line(3, id: key(3).text, 30_000),                                          // paid and returned: not paid
            line(4, id: key(3).text, 30_000, .credit, reason: "AC04"),
            line(5, id: key(4).text, 40_000, status: .pending),                        // not booked yet
        ], payouts)
        XCTAssertEqual(result.breaks, [])
        XCTAssertEqual(result.actions, [
            .resolvePaid(key(1), reference: "MP-1", evidence: "mpesa.csv: statement STMT-1 line 1"),
            .resolvePaid(key(2), reference: Reconciler.compact(key(2)), evidence: "mpesa.csv: statement STMT-1 line 2"),
            .resolveFailed(key(3), evidence: "mpesa.csv: statement STMT-1 line 4"),
        ])
        XCTAssertEqual(result.pending, 1)
        XCTAssertEqual(result.openNotShown, 1, "payout 5")
        // Once booked, the same statement changes nothing and matches everything.
        let settled = [payout(1, 10_000, .paid, reference: "MP-1"), payout(2, 20_000, .paid), payout(3, 30_000, .unpaid),
                       payout(4, 40_000, .open), payout(5, 50_000, .open)]
        let again = run([line(1, id: key(1).text, reference: "MP-1", 10_000), line(2, id: Reconciler.compact(key(2)), 20_000),
                         line(3, id: key(3).text, 30_000), line(4, id: key(3).text, 30_000, .credit, reason: "AC04"),
                         line(5, id: key(4).text, 40_000, status: .pending)], settled)
        XCTAssertEqual(again.actions, [])
        XCTAssertEqual(again.breaks, [])
        XCTAssertEqual(again.matched, 4)
    }

    /// A notification (camt.054) lists some movements: the paid payouts it leaves out are not missing.
    func testANotificationLooksForNoMissingPayouts() {
        let notification = PartnerStatement(id: "NTF-1", lines: [line(1, id: key(1).text, 10_000)], complete: false)
        let result = Reconciler(partner: "MPESA", statements: [notification],
                                payouts: [payout(1, 10_000, .paid), payout(2, 20_000, .paid)], label: "ntf.xml").run()
        XCTAssertEqual(result.breaks, [])
        XCTAssertFalse(result.checkedMissing)
        XCTAssertTrue(ReconciliationReport(result: result, applied: []).text.contains("not looked for"))
    }

    func testOpeningPlusBookedLinesMustMakeTheClosing() {
        let lines = [line(1, 10_000), line(2, 5_000, .credit), line(3, 7_000, status: .pending)]
        XCTAssertEqual(run(lines, [], opening: 100_000, closing: 95_000).balances.first?.agrees, true)
        let off = run(lines, [], opening: 100_000, closing: 95_001)
        XCTAssertEqual(off.balances.first?.agrees, false)
        XCTAssertEqual(off.balances.first?.difference, 1)
        XCTAssertFalse(off.isClean)
        XCTAssertNil(run(lines, []).balances.first?.agrees)
        XCTAssertEqual(run(lines, []).notPayouts, 1, "the credit without a return reason is a funding")
    }

    func testReportsEscapeWhatTheStatementSays() throws {
        let result = run([line(1, id: "=HYPERLINK(\"http://x\")", reference: "<script>alert(1)</script>", 1_000)], [])
        let report = ReconciliationReport(result: result, applied: [])
        let csv = report.breaksCSV.components(separatedBy: "\r\n")
        XCTAssertEqual(csv[0], ReconciliationReport.csvHeader.joined(separator: ","))
        XCTAssertTrue(csv[1].hasPrefix("missing-in-ledger,STMT-1,1,2026-11-23,\"'=HYPERLINK(\"\"http://x\"\")\",<script>alert(1)</script>,10.00,KES,"),
                      csv[1])
        XCTAssertFalse(report.html.contains("<script>"))
        XCTAssertTrue(report.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssertTrue(report.html.contains("<svg"))
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        XCTAssertEqual(json["lines"] as? Int, 1)
        XCTAssertEqual((json["breakCounts"] as? [String: Int])?["missing-in-ledger"], 1)
        XCTAssertEqual((json["breaks"] as? [[String: Any]])?.first?["amount"] as? String, "10.00")
        XCTAssertTrue(report.text.split(separator: "\n").contains { $0.hasPrefix("break: missing-in-ledger ") && $0.hasSuffix(" 1") },
                      report.text)
    }
}
