import GRDB
import RemitDomain
import RemitLedger
import XCTest

/// The audit log: lines written in the action's transaction, refusals logged as refused, and a
/// chain that verify walks, so that an edited, inserted or deleted line shows.
final class AuditTests: LedgerTestCase {
    func record(_ action: String, _ detail: String = "") -> AuditRecord {
        AuditRecord(actor: "admin uid 0 (root)", action: action, subject: "operator ACME", detail: detail)
    }

    func testActionsAndRefusalsAreLoggedInOrderWithTheirOutcome() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        await expectDone(.audited(record("fund", "USD 100.00 wire 42"), .fund(operatorId: "ACME", amount: usd(10_000), reference: "wire 42")))
        let refused = await ledger.apply(.audited(record("withdraw", "USD 500.00"),
                                                  .withdraw(operatorId: "ACME", amount: usd(50_000), reference: "too much")))
        guard case .rejected(.belowFloor) = refused else { return XCTFail("\(refused)") }
        await expectDone(.audit(AuditRecord(actor: "admin uid 1000 (ops)", action: "partner-disable", subject: "partner KMFI",
                                            detail: "")))
        let lines = try ledger.audit()
        XCTAssertEqual(lines.map(\.id), [1, 2, 3])
        XCTAssertEqual(lines.map(\.action), ["fund", "withdraw", "partner-disable"])
        XCTAssertEqual(lines[0].outcome, "done")
        XCTAssertTrue(lines[1].outcome.hasPrefix("refused: "), lines[1].outcome)
        XCTAssertEqual(lines[2].actor, "admin uid 1000 (ops)")
        XCTAssertEqual(try ledger.audit(after: 2).map(\.id), [3])
        // The refused withdrawal moved nothing; the fund did.
        let report = try ledger.verify()
        XCTAssertTrue(report.isClean, "\(report)")
        XCTAssertEqual(report.auditLines, 3)
        XCTAssertEqual(report.entries, 1)
    }

    func testVerifyFindsAnEditedADeletedAndAnInsertedLine() async throws {
        await expectDone(.openOperator(id: "ACME", currency: usd, creditLimit: 0))
        for n in 1...4 { await expectDone(.audit(record("note", "line \(n)"))) }
        let queue = try DatabaseQueue(path: path)
        try await queue.write { try $0.execute(sql: "UPDATE audit SET detail = 'line two' WHERE id = 2") }
        XCTAssertEqual(try ledger.verify().problems, ["audit 2: hash does not follow from its content and the row before"])
        try await queue.write { try $0.execute(sql: "UPDATE audit SET detail = 'line 2' WHERE id = 2; DELETE FROM audit WHERE id = 3") }
        XCTAssertEqual(try ledger.verify().problems, ["audit 3: missing (next is 4)",
                                                      "audit 4: hash does not follow from its content and the row before"])
        try await queue.write { try $0.execute(sql: "INSERT INTO audit SELECT 3, at, actor, action, subject, 'forged', outcome, hash FROM audit WHERE id = 2") }
        XCTAssertEqual(try ledger.verify().problems.count, 2, "a forged line breaks the chain at itself and after it")
    }

    func testFieldsAreCutVisiblyAtTheirLimits() {
        let long = AuditRecord(actor: String(repeating: "a", count: 500), action: "x", subject: "",
                               detail: String(repeating: "é", count: 3_000))
        XCTAssertEqual(long.actor.utf8.count, AuditRecord.maxActor)
        XCTAssertTrue(long.actor.hasSuffix("…"))
        XCTAssertLessThanOrEqual(long.detail.utf8.count, AuditRecord.maxDetail)
        XCTAssertTrue(long.detail.hasSuffix("é…"))
    }
}
