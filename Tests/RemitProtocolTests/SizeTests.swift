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

    /// Version 3: a statement at every limit (strings at their maximum, 8 sponsors, 20
    /// milestones, 256 receipts of 8 matches) is far below the frame limit.
    func testLargestProjectStatement() throws {
        func text(_ count: Int) -> String { String(repeating: "t", count: count) }
        let id = text(FieldLimit.identifier)
        let receipt = Receipt(number: 1, transferId: Samples.transferId, amount: 1, receivedAt: 1, legIndex: 0, state: .held,
                              sendCountry: Samples.us, contributorName: text(FieldLimit.name),
                              matches: Array(repeating: Receipt.Match(amount: 1, sponsorId: id), count: ProjectLimit.matchesPerReceipt))
        var statement = Samples.clinicStatement
        (statement.projectId, statement.associationId) = (id, id)
        (statement.associationName, statement.title) = (text(FieldLimit.projectText), text(FieldLimit.projectText))
        (statement.institution, statement.account) = (text(FieldLimit.institution), text(FieldLimit.account))
        statement.sponsors = Array(repeating: .init(ratioPpm: 1, projectCap: 1, contributorCap: 1, matched: 0, sponsorId: id,
                                                    name: text(FieldLimit.projectText),
                                                    sendCountries: text(FieldLimit.sendCountries)),
                                   count: ProjectLimit.sponsors)
        statement.milestones = Array(repeating: .init(amount: 1, description: text(FieldLimit.projectText)),
                                     count: ProjectLimit.milestones)
        statement.receipts = Array(repeating: receipt, count: ProjectLimit.receiptsPerStatement)
        var buffer = ByteBuffer()
        try Frame(version: 3, requestId: 1, message: .projectStatement(statement)).encode(into: &buffer)
        XCTAssertEqual(buffer.readableBytes, 144_266)
        XCTAssertLessThan(buffer.readableBytes, ProtocolLimits.default.maxBodyLength / 25)
    }
}
