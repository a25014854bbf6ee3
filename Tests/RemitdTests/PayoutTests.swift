import Foundation
import RemitClient
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
    }

    func testAPayoutInDoubtIsInquiredAndPaidOnce() async throws {
        daemon = try Daemon()
        // Every wallet payout's answer is lost; the partner paid it, and says so when asked.
        try daemon.editConfiguration {
            $0.replacingOccurrences(of: "priority = 1\nlatency_ms = 150\n\n[[partner]]\nid = \"KMFI\"",
                                    with: "priority = 1\nlatency_ms = 150\nunknown_bps = 10000\n\n[[partner]]\nid = \"KMFI\"")
                + "\n[payouts]\nfirst_inquiry_ms = 200\n"
        }
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
        try daemon.editConfiguration {
            $0.replacingOccurrences(of: "priority = 1\nlatency_ms = 150\n\n[[partner]]\nid = \"KMFI\"",
                                    with: "priority = 1\nlatency_ms = 150\nreject_bps = 10000\n\n[[partner]]\nid = \"KMFI\"")
        }
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
