import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RemitClient
import RemitLedger
import RemitProtocol
import XCTest

/// Payouts through the real daemon and its simulated partners: a remittance split into a
/// wallet and a savings deposit is paid leg by leg, and the operator follows it in events.
final class PayoutTests: XCTestCase {
    var daemon: Daemon!

    override func tearDown() {
        daemon?.remove()
    }

    /// Reads events until the transfer reaches a final state; returns them.
    func events(until id: ID128, _ client: RemitClient) async throws -> [Event] {
        let (_, stream) = try await client.subscribe(after: 0)
        var seen: [Event] = []
        for try await event in stream {
            seen.append(event)
            try await client.acknowledge(through: event.sequence)
            if event.transferId == id, case .transfer(let state) = event.change,
               [.paid, .partiallyPaid, .refunded, .reversed].contains(state) {
                break
            }
        }
        return seen
    }

    func testASplitRemittanceIsPaidLegByLegAndTheBooksBalance() async throws {
        daemon = try Daemon()
        let client = try await daemon.connect()
        let id = ID128.random()
        let legs = [Leg(product: .mobileWallet, share: 7_000, account: "254712345678"),
                    Leg(product: .savingsDeposit, share: 2_000, institution: "KMFI", account: "SAV-001"),
                    Leg(product: .loanRepayment, share: 1_000, institution: "KMFI", account: "LOAN-77")]
        let result = try await client.submit([GatewayTests.transfer(id, amount: 50_000, legs: legs)])[0]
        XCTAssertEqual(result.errorCode, .none)
        let events = try await events(until: id, client)
        let changes = events.filter { $0.transferId == id }.map(\.change)
        XCTAssertEqual(changes.first, .transfer(.accepted))
        XCTAssertEqual(changes.last, .transfer(.paid))
        XCTAssertTrue(changes.contains(.transfer(.dispatched)))
        for leg in 0..<3 { XCTAssertTrue(changes.contains(.leg(index: UInt8(leg), state: .paid)), "\(changes)") }
        let status = try await client.transfer(id)
        XCTAssertEqual(status.state, .paid)
        XCTAssertEqual(status.legs.map(\.state), [.paid, .paid, .paid])
        XCTAssertEqual(status.legs.map(\.institution), ["MPESA-KE", "KMFI", "KMFI"])
        XCTAssertTrue(status.legs.allSatisfy { !$0.partnerReference.isEmpty })
        try await client.close()
        try assertBooksBalance()
        try assertReports()
    }

    /// The cost report prices the transfer as its quote would (USD 500.00: fee 1.99 + 0.5 %, and a
    /// 1 % margin, 1.898 % in all), and the flow report shows each partner's paid legs.
    func assertReports() throws {
        let costs = try daemon.remitctl(["report", "costs", "--json"])
        XCTAssertEqual(costs.status, 0, costs.err)
        let rows = try JSONSerialization.jsonObject(with: Data(costs.out.utf8)) as! [[String: Any]]
        XCTAssertEqual(rows.count, 1, costs.out)
        XCTAssertEqual(rows.first?["sendCountry"] as? String, "US")
        XCTAssertEqual(rows.first?["payoutCurrency"] as? String, "KES")
        XCTAssertEqual(rows.first?["count"] as? Int, 1)
        XCTAssertEqual(rows.first?["sendVolumeMinor"] as? Int, 50_000)
        XCTAssertEqual(rows.first?["feesMinor"] as? Int, 449)
        XCTAssertEqual(rows.first?["averageCostPpm"] as? Int, 8_980 + 10_000)
        XCTAssertEqual(rows.first?["meetsTarget"] as? Bool, true)
        let table = try daemon.remitctl(["report", "costs", "--period", "year"])
        XCTAssertTrue(table.out.contains("US USD → KE KES  1      USD 500.00"), table.out)
        XCTAssertTrue(table.out.contains("1.89%") && table.out.contains("meets 3%"), table.out)
        XCTAssertEqual(try daemon.remitctl(["report", "costs", "--period", "week"]).status, 64)

        let flows = try daemon.remitctl(["report", "flows", "--json"])
        XCTAssertEqual(flows.status, 0, flows.err)
        let lines = try JSONSerialization.jsonObject(with: Data(flows.out.utf8)) as! [[String: Any]]
        XCTAssertEqual(lines.map { $0["partner"] as? String }, ["KMFI", "MPESA-KE"], flows.out)
        XCTAssertEqual(lines.map { $0["legs"] as? Int }, [2, 1])
        XCTAssertEqual(lines.map { $0["transfers"] as? Int }, [1, 1])
        // Tomorrow on: nothing yet.
        let later = try daemon.remitctl(["report", "flows", "--from", "2099-01-01"])
        XCTAssertTrue(later.out.contains("(no paid legs in the period)"), later.out)

        // The margin and the rounding show in the books beside the fee.
        let balance = try daemon.remitctl(["trial-balance"])
        XCTAssertTrue(balance.out.contains("revenue/fx-margin"), balance.out)
    }

    func testAPayoutInDoubtIsInquiredAndPaidOnce() async throws {
        daemon = try Daemon()
        // Every wallet payout's answer is lost; the partner paid it, and says so when asked.
        try daemon.setWalletPartner("unknown_bps = 10000", sections: "\n[payouts]\nfirst_inquiry_ms = 200\n")
        daemon = try daemon.restart()
        let client = try await daemon.connect()
        let id = ID128.random()
        _ = try await client.submit([GatewayTests.transfer(id)])
        let changes = try await events(until: id, client).filter { $0.transferId == id }.map(\.change)
        XCTAssertEqual(changes, [.transfer(.accepted), .leg(index: 0, state: .dispatched), .transfer(.dispatched),
                                 .leg(index: 0, state: .inDoubt), .transfer(.inDoubt), .leg(index: 0, state: .paid),
                                 .transfer(.paid)])
        try await client.close()
        try assertBooksBalance()
    }

    func testARefusedPayoutIsRefundedToThePrefund() async throws {
        daemon = try Daemon()
        try daemon.setWalletPartner("reject_bps = 10000")
        daemon = try daemon.restart()
        let client = try await daemon.connect()
        let id = ID128.random()
        _ = try await client.submit([GatewayTests.transfer(id)])
        let changes = try await events(until: id, client).filter { $0.transferId == id }.map(\.change)
        XCTAssertEqual(changes.suffix(3), [.leg(index: 0, state: .refunded), .transfer(.failed), .transfer(.refunded)])
        let status = try await client.transfer(id)
        XCTAssertEqual(status.errorCode, .partnerRejected)
        XCTAssertEqual(status.legs[0].errorCode, .partnerRejected)
        try await client.close()
        try assertBooksBalance()
    }

    /// remitctl verify passes and every currency's trial balance is zero.
    func assertBooksBalance(file: StaticString = #filePath, line: UInt = #line) throws {
        let remitctl = Bundle.main.bundleURL.appendingPathComponent("remitctl").path
        let verify = try runProgram(remitctl, ["verify", "--state-dir", daemon.stateDir.path], holdOpen: 0)
        XCTAssertEqual(verify.status, 0, String(decoding: verify.out, as: UTF8.self) + verify.err, file: file, line: line)
        let balance = try runProgram(remitctl, ["trial-balance", "--json", "--state-dir", daemon.stateDir.path], holdOpen: 0)
        let object = try JSONSerialization.jsonObject(with: balance.out) as! [String: Any]
        var sums: [String: Int] = [:]
        for account in object["accounts"] as! [[String: Any]] {
            // Balances are in each account's normal terms: debit-normal types count up, the rest down.
            let sign = ["asset", "expense"].contains(account["type"] as! String) ? 1 : -1
            sums[account["currency"] as! String, default: 0] += sign * (account["balanceMinor"] as! Int)
        }
        XCTAssertTrue(sums.values.allSatisfy { $0 == 0 }, "\(sums)", file: file, line: line)
    }
}

/// What operations do about payouts, through remitctl and the admin socket.
final class PayoutOperationsTests: XCTestCase {
    var daemon: Daemon!

    override func tearDown() {
        daemon?.remove()
    }

    func remitctl(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try daemon.remitctl(arguments)
    }

    func testAPayoutLeftForReviewIsResolvedWithEvidence() async throws {
        daemon = try Daemon()
        // The wallet partner never answers in time: every call is in doubt, and after two
        // inquiries the leg is left for review.
        try daemon.setWalletPartner("latency_ms = 300\ntimeout_ms = 50",
                                    sections: "\n[payouts]\nfirst_inquiry_ms = 50\nmax_inquiries = 2\n")
        daemon = try daemon.restart()
        let client = try await daemon.connect()
        let id = ID128.random()
        _ = try await client.submit([GatewayTests.transfer(id)])
        var listed = ""
        for _ in 0..<200 {
            listed = try remitctl(["in-doubt", "list"]).out
            if listed.contains("review") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertTrue(listed.contains("\(id)"), listed)
        XCTAssertTrue(listed.contains("inDoubt, review"), listed)
        let doubtful = try await client.transfer(id)
        XCTAssertEqual(doubtful.state, .inDoubt)

        let missing = try remitctl(["in-doubt", "resolve", "ACME", "\(id)", "0", "--paid", "MP-88121", "--evidence", ""])
        XCTAssertEqual(missing.status, 1)
        let resolved = try remitctl(["in-doubt", "resolve", "ACME", "\(id)", "0", "--paid", "MP-88121",
                                     "--evidence", "MPESA statement 2026-11-23 line 412"])
        XCTAssertEqual(resolved.status, 0, resolved.err)
        XCTAssertTrue(resolved.out.contains("transfer now paid"), resolved.out)
        let status = try await client.transfer(id)
        XCTAssertEqual(status.state, .paid)
        XCTAssertEqual(status.legs[0].partnerReference, "MP-88121")
        XCTAssertTrue(try remitctl(["in-doubt", "list"]).out.contains("(no payouts in doubt)"))
        // A second resolution is refused: the leg has its answer.
        XCTAssertEqual(try remitctl(["in-doubt", "resolve", "ACME", "\(id)", "0", "--failed", "--evidence", "x"]).status, 1)
        try await client.close()
    }

    /// A split remittance paid in full; the wallet provider then reverses its leg, seen on its
    /// statement: operations book it, and the savings leg stays paid. Then the savings leg too.
    func testAReversalSeenOnAStatementIsBookedWithEvidenceAndTheOperatorIsTold() async throws {
        daemon = try Daemon()
        let client = try await daemon.connect()
        let id = ID128.random()
        let legs = [Leg(product: .mobileWallet, share: 7_000, account: "254712345678"),
                    Leg(product: .savingsDeposit, share: 3_000, institution: "KMFI", account: "SAV-001")]
        let result = try await client.submit([GatewayTests.transfer(id, amount: 50_000, legs: legs)])[0]
        XCTAssertEqual(result.errorCode, .none)
        let paid = try await final(id, client, seconds: 30)
        XCTAssertEqual(paid.state, .paid)
        let prefund = try daemon.prefund("ACME")
        let (_, stream) = try await client.subscribe(after: paid.lastEventSequence)

        let unproven = try remitctl(["transfers", "reverse", "ACME", "\(id)", "0", "--evidence", ""])
        XCTAssertEqual(unproven.status, 1, "evidence is required")
        let booked = try remitctl(["transfers", "reverse", "ACME", "\(id)", "0",
                                   "--evidence", "MPESA statement 2026-11-24 line 88: reversal of the credit"])
        XCTAssertEqual(booked.status, 0, booked.err)
        XCTAssertTrue(booked.out.contains("transfer now partiallyPaid"), booked.out)
        let again = try remitctl(["transfers", "reverse", "ACME", "\(id)", "0", "--evidence", "the same line"])
        XCTAssertEqual(again.status, 1, "a leg is reversed once")
        XCTAssertTrue(again.err.contains("reversed"), again.err)

        // The operator hears of it in its event stream: the leg, then the transfer.
        var changes: [Event.Change] = []
        for try await event in stream where event.transferId == id {
            changes.append(event.change)
            try await client.acknowledge(through: event.sequence)
            if changes.count == 2 { break }
        }
        XCTAssertEqual(changes, [.leg(index: 0, state: .reversed), .transfer(.partiallyPaid)])
        let status = try await client.transfer(id)
        XCTAssertEqual(status.legs.map(\.state), [.reversed, .paid])
        XCTAssertEqual(status.errorCode, .partnerReversed)
        // The wallet leg's share of the send amount and of the fee is back, as its hold had it.
        let share = TransferSubmission.legHolds(sendAmount: result.sendAmount, fee: result.fee, shares: [7_000, 3_000])[0]
        XCTAssertEqual(try daemon.prefund("ACME") - prefund, share.send + share.fee)

        XCTAssertEqual(try remitctl(["transfers", "reverse", "ACME", "\(id)", "1", "--evidence", "KMFI ticket 77"]).status, 0)
        let reversed = try await client.transfer(id)
        XCTAssertEqual(reversed.state, .reversed)
        XCTAssertEqual(try daemon.prefund("ACME") - prefund, result.sendAmount + result.fee, "everything is back")
        let shown = try remitctl(["transfers", "show", "\(id)"]).out
        XCTAssertTrue(shown.contains("leg 0 reversed") && shown.contains("reported by operations): MPESA statement 2026-11-24 line 88"),
                      shown)
        let audit = try remitctl(["audit", "--json"]).out
        XCTAssertEqual(audit.components(separatedBy: "reverse-payout").count - 1, 3,
                       "two booked, one refused by the ledger (the request without evidence never reached it): \(audit)")
        XCTAssertEqual(try remitctl(["verify"]).status, 0)
        XCTAssertEqual(try remitctl(["trial-balance"]).status, 0)
        try await client.close()
    }

    func testADisabledPartnerTakesNoNewLegsUntilEnabled() async throws {
        daemon = try Daemon()
        let listed = try remitctl(["partners", "list"])
        XCTAssertEqual(listed.status, 0, listed.err)
        XCTAssertTrue(listed.out.contains("MPESA-KE  simulated  yes"), listed.out)
        XCTAssertEqual(try remitctl(["partners", "disable", "MPESA-KE"]).status, 0)
        XCTAssertTrue(try remitctl(["partners", "list"]).out.contains("MPESA-KE  simulated  no"))
        let client = try await daemon.connect()
        let refused = try await client.submit([GatewayTests.transfer()])[0]
        XCTAssertEqual(refused.errorCode, .noPartnerAvailable)
        XCTAssertEqual(try remitctl(["partners", "enable", "MPESA-KE"]).status, 0)
        let accepted = try await client.submit([GatewayTests.transfer()])[0]
        XCTAssertEqual(accepted.errorCode, .none)
        XCTAssertEqual(try remitctl(["partners", "disable", "NOPE"]).status, 1)
        try await client.close()
        // The accepted transfer's payout shows in the partner metrics once it has been sent.
        var metrics = ""
        for _ in 0..<100 {
            let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(daemon.adminPort)/metrics")!)
            metrics = String(decoding: data, as: UTF8.self)
            if metrics.contains("remit_partner_calls_total{partner=\"MPESA-KE\"") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertTrue(metrics.contains("remit_partner_calls_total{partner=\"MPESA-KE\""), metrics)
        XCTAssertTrue(metrics.contains("remit_partner_call_seconds_bucket{partner=\"MPESA-KE\""), metrics)
    }
}
