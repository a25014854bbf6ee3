import Foundation
import FoundationNetworking
import PartnerServers
import RemitClient
import RemitProtocol
import XCTest

/// The partner fault matrix in one place: the real daemon pays through a GSMA Mobile Money API
/// server on loopback that misbehaves in each way a provider can, one transfer per fault. Then
/// each transfer's final state is the expected one, the provider paid each paid leg once and no
/// other, for the ledger's amount; callbacks that must not change anything did not; verify and
/// the trial balance pass. docs/reliability.md has the table, with the other partners' faults.
final class PartnerFaultMatrixTests: XCTestCase {
    let secret = Array("matrix-wallet-callback-secret-0123456789".utf8)

    struct Case: Sendable {
        let fault: String
        let prepare: @Sendable (MobileMoneyServer) -> Void
        let expected: TransferState
    }

    static let cases: [Case] = [
        Case(fault: "answers 500 without paying: unknown, then the inquiry finds no such transaction",
             prepare: { $0.inject(.reply(500, #"{"errorCategory":"internal","errorCode":"genericError"}"#)) }, expected: .refunded),
        Case(fault: "answers 503: busy, sent again under the same correlation id",
             prepare: { $0.inject(.reply(503, #"{"errorCategory":"serviceUnavailable","errorCode":"serviceUnavailable"}"#)) },
             expected: .paid),
        Case(fault: "refuses with 422 businessRule: rejected",
             prepare: { $0.inject(.reply(422, #"{"errorCategory":"businessRule","errorCode":"recipientNotAllowed"}"#)) },
             expected: .refunded),
        Case(fault: "pays, then never answers: in doubt until an inquiry finds it paid",
             prepare: { $0.inject(.payThenStall) }, expected: .paid),
        Case(fault: "pays, then drops the connection", prepare: { $0.inject(.payThenDrop) }, expected: .paid),
        Case(fault: "pays, then answers success after the timeout",
             prepare: { $0.inject(.payThenAnswerLate(3_000)) }, expected: .paid),
        Case(fault: "accepts, pays, and calls back twice",
             prepare: { $0.answerByCallback(delayMs: 100, duplicate: true) }, expected: .paid),
        Case(fault: "accepts, pays, calls back after the timeout's inquiries began",
             prepare: { $0.answerByCallback(delayMs: 1_500) }, expected: .paid),
    ]

    func testEachFaultEndsWhereItShouldAndNothingIsPaidTwice() async throws {
        let wallet = try await MobileMoneyServer.start(secret: secret)
        let daemon = try Daemon.payingThrough(wallet, secret: secret, callbacks: true)
        defer { daemon.remove() }
        let client = try await daemon.connect()
        var acknowledged: [(Case, TransferResult)] = []
        for matrixCase in Self.cases {
            wallet.answerAtOnce()
            matrixCase.prepare(wallet)
            let result = try await client.submit([GatewayTests.transfer(amount: .random(in: 1_000...5_000))])[0]
            XCTAssertEqual(result.errorCode, .none, matrixCase.fault)
            _ = try await final(result.transferId, client, seconds: 30)
            acknowledged.append((matrixCase, result))
        }
        wallet.answerAtOnce()

        var paidLegs: [String: Int64] = [:]
        for (matrixCase, result) in acknowledged {
            let status = try await client.transfer(result.transferId)
            XCTAssertEqual(status.state, matrixCase.expected, matrixCase.fault)
            if status.state == .paid { paidLegs["ACME-\(result.transferId)-0"] = status.legs.first?.payoutAmount }
        }

        // Callbacks that must change nothing, about the transfer paid after a stall.
        let stalled = acknowledged[3].1.transferId
        let transaction = try XCTUnwrap(wallet.transactions.first { $0.key == "ACME-\(stalled)-0" })
        let late = await wallet.callBack(transaction, status: "completed")
        XCTAssertEqual(late, 200, "a late duplicate: already known")
        let forged = await wallet.callBack(transaction, status: "failed", signer: CallbackSigner(secret: Array("forged".utf8)))
        XCTAssertEqual(forged, 401, "a forged callback")
        let refused = await wallet.callBack(transaction, status: "failed")
        XCTAssertEqual(refused, 409, "paid, then reported failed: not changed, operations alerted")
        var unknown = transaction
        unknown.callbackURL = transaction.callbackURL?.replacingOccurrences(of: "\(stalled)", with: "\(ID128.random())")
        let stranger = await wallet.callBack(unknown, status: "completed")
        XCTAssertEqual(stranger, 404, "a callback for a payout it never had")
        let after = try await client.transfer(stalled)
        XCTAssertEqual(after.state, .paid)
        XCTAssertTrue(daemon.stderr.contains("partner reports a paid leg refused"), daemon.stderr)

        // Paid, then reversed by the provider: booked as a reversal, the money back on the prefund.
        let prefund = try daemon.prefund("ACME")
        let reversedOne = acknowledged[1].1
        let paidTransaction = try XCTUnwrap(wallet.transactions.first { $0.key == "ACME-\(reversedOne.transferId)-0" })
        let reversal = await wallet.reverse(paidTransaction)
        XCTAssertEqual(reversal, 200, "paid, then reversed: booked")
        let again = await wallet.callBack(paidTransaction, status: "reversed")
        XCTAssertEqual(again, 200, "the same reversal again: already known")
        let reversedStatus = try await client.transfer(reversedOne.transferId)
        XCTAssertEqual(reversedStatus.state, .reversed)
        XCTAssertEqual(reversedStatus.legs.first?.state, .reversed)
        XCTAssertEqual(try daemon.prefund("ACME") - prefund, reversedOne.sendAmount + reversedOne.fee,
                       "the send amount and the fee are back on the prefund, once")
        paidLegs["ACME-\(reversedOne.transferId)-0"] = nil

        assertProviderAgrees(wallet, paidLegs)
        try await client.close()
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
        XCTAssertEqual(try daemon.remitctl(["trial-balance"]).status, 0, "a currency's total is not zero")
        await wallet.stop()
    }
}
