import Foundation
import PartnerServers
import RemitClient
import RemitProtocol
import XCTest

extension Daemon {
    /// The demo, in `folder` (default: a new temporary one), with its MPESA-KE partner paying
    /// through `wallet`, a GSMA Mobile Money API server on loopback, so that the provider's own
    /// record of payments can be checked against the ledger. With `callbacks`, a callback
    /// endpoint on a port that stays the same across restarts.
    static func payingThrough(_ wallet: MobileMoneyServer, secret: [UInt8], callbacks: Bool = false,
                              folder: URL? = nil) throws -> Daemon {
        let daemon = try Daemon(folder: folder)
        let callbackSection = callbacks ? "\n[callbacks]\nlisten = \"127.0.0.1:\(try freePort())\"\n" : ""
        try String(decoding: secret, as: UTF8.self).write(toFile: daemon.path("mpesa-callback.secret"), atomically: true,
                                                          encoding: .utf8)
        try daemon.editConfiguration { text in
            text.replacingOccurrences(of: """
                id = "MPESA-KE"
                adapter = "simulated"
                """, with: """
                id = "MPESA-KE"
                adapter = "mobile-wallet"
                base_url = "\(wallet.baseURL)"
                debit_account = "REMIT-GW-01"
                callback_secret_file = "mpesa-callback.secret"
                timeout_ms = 2000
                """).replacingOccurrences(of: "priority = 1\nlatency_ms = 150\n\n[[partner]]\nid = \"KMFI\"",
                                          with: "priority = 1\n\n[[partner]]\nid = \"KMFI\"")
                + callbackSection + "\n[payouts]\nfirst_inquiry_ms = 100\npoll_interval_ms = 50\n"
        }
        return try daemon.restart()
    }
}

extension XCTestCase {
    /// Waits for each acknowledged transfer to end and checks that it is paid with the amounts
    /// its acknowledgement gave; returns each one's leg as the provider keys it, with the ledger's
    /// payout amount.
    func paid(_ acknowledged: [TransferResult], _ client: RemitClient, seconds: Int = 60) async throws -> [String: Int64] {
        var legs: [String: Int64] = [:]
        for result in acknowledged {
            let status = try await final(result.transferId, client, seconds: seconds)
            XCTAssertEqual(status.state, .paid, "\(result.transferId)")
            XCTAssertEqual(status.sendAmount, result.sendAmount)
            XCTAssertEqual(status.fee, result.fee)
            XCTAssertEqual(status.payoutAmount, result.payoutAmount)
            legs["ACME-\(result.transferId)-0"] = status.legs.first?.payoutAmount
        }
        return legs
    }

    /// The provider's own record against the ledger's `paidLegs`: each leg paid once, for the
    /// ledger's amount, and nothing the ledger does not know. Transactions the provider reversed
    /// are no longer paid.
    func assertProviderAgrees(_ wallet: MobileMoneyServer, _ paidLegs: [String: Int64],
                              file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(wallet.paidCounts.values.filter { $0 != 1 }.count, 0, "legs paid more than once", file: file, line: line)
        let reversed = Set(wallet.transactions.filter { $0.status == "reversed" }.map(\.key))
        XCTAssertEqual(Set(wallet.paidCounts.keys).subtracting(reversed), Set(paidLegs.keys),
                       "the provider and the ledger disagree on what was paid", file: file, line: line)
        for transaction in wallet.transactions where transaction.status != "reversed" {
            let minor = NSDecimalNumber(string: transaction.amount).multiplying(byPowerOf10: 2).int64Value
            XCTAssertEqual(minor, paidLegs[transaction.key], transaction.key, file: file, line: line)
        }
    }
}
