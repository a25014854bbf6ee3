import Foundation
import RemitClient
import RemitProtocol
import XCTest

/// Sanctions screening on the real daemon, against the demo's fictitious list.
final class ScreeningIntegrationTests: XCTestCase {
    var daemon: Daemon!

    override func setUpWithError() throws {
        daemon = try Daemon()
    }

    override func tearDown() {
        daemon?.remove()
    }

    func testAListedBeneficiaryIsRefusedAndAPossibleMatchWaitsForReview() async throws {
        let client = try await daemon.connect()
        var listed = GatewayTests.transfer()
        listed.beneficiaryName = "Juan Carlos Doe Example"
        let refused = try await client.submit([listed])[0]
        XCTAssertEqual(refused.errorCode, .sanctionsMatchBeneficiary)
        XCTAssertEqual(refused.state, .rejected)

        // A close name: held with its money reserved, sent to no partner.
        var close = GatewayTests.transfer()
        close.senderName = "Ivan Carlos Doe Example"
        let held = try await client.submit([close])[0]
        XCTAssertEqual(held.errorCode, .none)
        XCTAssertEqual(held.state, .inReview)
        try await Task.sleep(for: .milliseconds(500))
        let waiting = try await client.transfer(close.transferId)
        XCTAssertEqual(waiting.state, .inReview)

        let list = try daemon.remitctl(["review", "list"])
        XCTAssertTrue(list.out.contains("\(close.transferId)".lowercased()), list.out)
        XCTAssertTrue(list.out.contains("DOE-EXAMPLE"), list.out)
        XCTAssertEqual(try daemon.remitctl(["review", "approve", "ACME", "\(close.transferId)", "--note", ""]).status, 1)
        let approved = try daemon.remitctl(["review", "approve", "ACME", "\(close.transferId)",
                                            "--note", "different person: DOB 1992, passport checked"])
        XCTAssertEqual(approved.status, 0, approved.err)
        // Approved, it is paid like any other.
        var state = TransferState.inReview
        for _ in 0..<100 where state != .paid {
            state = try await client.transfer(close.transferId).state
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertEqual(state, .paid)

        var another = GatewayTests.transfer()
        another.senderName = "Ivan Carlos Doe Example"
        _ = try await client.submit([another])
        let rejected = try daemon.remitctl(["review", "reject", "ACME", "\(another.transferId)", "--note", "confirmed match"])
        XCTAssertEqual(rejected.status, 0, rejected.err)
        let status = try await client.transfer(another.transferId)
        XCTAssertEqual(status.state, .rejected)
        XCTAssertEqual(status.errorCode, .sanctionsMatchSender)
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
        try await client.close()

        // The review decisions are on the audit log, with their notes.
        let audit = try daemon.remitctl(["audit"])
        XCTAssertTrue(audit.out.contains("review-approve"), audit.out)
        XCTAssertTrue(audit.out.contains("different person: DOB 1992, passport checked; done"), audit.out)
        XCTAssertTrue(audit.out.contains("review-reject"), audit.out)

        // A decision changed afterwards (the refused match made "clear" in its transfer's row)
        // breaks the screening chain's link that covers it, and verify says which.
        daemon.stop()
        let edit = try runProgram("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            where = "sender_decision = 'match' OR beneficiary_decision = 'match'"
            print(db.execute(f"SELECT min(screening_id) FROM transfer WHERE {where}").fetchone()[0])
            db.execute("UPDATE transfer SET sender_decision = 'clear' WHERE sender_decision = 'match'")
            db.execute("UPDATE transfer SET beneficiary_decision = 'clear' WHERE beneficiary_decision = 'match'")
            db.commit()
            """, daemon.path("ledger.sqlite")], holdOpen: 0)
        XCTAssertEqual(edit.status, 0, edit.err)
        let edited = String(decoding: edit.out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let verified = try daemon.remitctl(["verify"])
        XCTAssertEqual(verified.status, 1)
        XCTAssertTrue(verified.out.contains("screening \(edited): hash does not follow from its transfers' decisions and the link before"),
                      verified.out)
    }
}
