import NIOCore
import RemitProtocol
import XCTest

/// The sizes PROTOCOL.md section 13 states, so the document cannot drift from the encoder.
final class SizeTests: XCTestCase {
    func encodedSize(_ transfers: [Transfer]) throws -> Int {
        var buffer = ByteBuffer()
        try Frame(requestId: 1, message: .submitTransfers(SubmitTransfers(transfers: transfers))).encode(into: &buffer)
        return buffer.readableBytes
    }

    func testTypicalRemittanceSizes() throws {
        XCTAssertEqual(try encodedSize([Samples.walletTransfer]), 188)
        let batch = Array(repeating: Samples.walletTransfer, count: 8_189)
        XCTAssertEqual(try encodedSize(batch), 24 + 2 + 4 + 8_189 * 158)
        XCTAssertEqual(try encodedSize([Samples.splitTransfer]) - 30, 285)
    }

    func testLargestTransfer() throws {
        var transfer = Samples.walletTransfer
        transfer.operatorReference = String(repeating: "r", count: FieldLimit.operatorReference)
        transfer.senderName = String(repeating: "n", count: FieldLimit.name)
        transfer.senderAccount = String(repeating: "a", count: FieldLimit.account)
        transfer.senderAddress = String(repeating: "d", count: FieldLimit.address)
        transfer.senderNationalId = String(repeating: "i", count: FieldLimit.nationalId)
        transfer.senderPlaceOfBirth = String(repeating: "p", count: FieldLimit.placeOfBirth)
        transfer.beneficiaryName = String(repeating: "b", count: FieldLimit.name)
        transfer.beneficiaryAccount = String(repeating: "c", count: FieldLimit.account)
        transfer.legs = Array(repeating: Leg(product: .savingsDeposit, share: 1_250,
                                             institution: String(repeating: "I", count: FieldLimit.institution),
                                             account: String(repeating: "A", count: FieldLimit.account)), count: 8)
        XCTAssertEqual(try encodedSize([transfer]) - 30, 1_127)
        XCTAssertEqual((4_194_304 - 6) / 1_127, 3_721)
    }
}
