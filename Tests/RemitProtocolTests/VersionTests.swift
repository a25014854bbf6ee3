import NIOCore
import RemitProtocol
import XCTest

/// What a frame may carry depends on its version (PROTOCOL.md section 11): the encoder refuses
/// what the version cannot say, and a version-1 transfer is the same bytes in version 2.
final class VersionTests: XCTestCase {
    func testVersion2MessagesAndOptionsCannotBeWrittenInVersion1() {
        var buffer = ByteBuffer()
        let get = Frame(version: 1, requestId: 3, message: .getStandingInstruction(GetStandingInstruction(beneficiaryAccount: "B")))
        XCTAssertThrowsError(try get.encode(into: &buffer)) {
            XCTAssertEqual(($0 as? ProtocolError)?.code, .unknownMessageType)
        }
        let submit = Frame(version: 1, requestId: 3, message: .submitTransfers(SubmitTransfers(transfers: [Samples.standingTransfer])))
        XCTAssertThrowsError(try submit.encode(into: &buffer)) {
            XCTAssertEqual(($0 as? ProtocolError)?.code, .invalidValue)
            XCTAssertEqual(($0 as? ProtocolError)?.field, .options)
        }
        XCTAssertThrowsError(try Frame(version: 4, requestId: 3, message: .heartbeat(Heartbeat(sentAt: 0))).encode(into: &buffer)) {
            XCTAssertEqual(($0 as? ProtocolError)?.code, .unsupportedVersion)
        }
        XCTAssertEqual(buffer.readableBytes, 0, "a refused frame writes nothing")
    }

    func testVersion3MessagesCannotBeWrittenInVersion2() {
        var buffer = ByteBuffer()
        for message in [Message.openProject(Samples.openClinic), .getProject(GetProject(projectId: "KISUMU-CLINIC")),
                        .getContributionReceipt(GetContributionReceipt(transferId: Samples.transferId))] {
            XCTAssertThrowsError(try Frame(version: 2, requestId: 3, message: message).encode(into: &buffer)) {
                XCTAssertEqual(($0 as? ProtocolError)?.code, .unknownMessageType)
            }
        }
        XCTAssertEqual(buffer.readableBytes, 0)
    }

    func testVersion2MessagesAreTheSameBytesInVersion3() {
        let two = Samples.encoded(Frame(version: 2, requestId: 7, message: .submitTransfers(SubmitTransfers(transfers: [Samples.standingTransfer]))))
        let three = Samples.encoded(Frame(version: 3, requestId: 7, message: .submitTransfers(SubmitTransfers(transfers: [Samples.standingTransfer]))))
        XCTAssertEqual([two[2], three[2]], [2, 3])
        XCTAssertEqual(two[3...], three[3...])
    }

    func testAVersion1TransferIsTheSameBytesInVersion2() throws {
        let one = Samples.encoded(Frame(version: 1, requestId: 7, message: .submitTransfers(SubmitTransfers(transfers: [Samples.walletTransfer]))))
        let two = Samples.encoded(Frame(version: 2, requestId: 7, message: .submitTransfers(SubmitTransfers(transfers: [Samples.walletTransfer]))))
        XCTAssertEqual(one[0..<2], two[0..<2])
        XCTAssertEqual([one[2], two[2]], [1, 2])
        XCTAssertEqual(one[3...], two[3...])
        var withOption = Samples.walletTransfer
        withOption.applyStandingInstruction = true
        XCTAssertNotEqual(try withOption.canonicalBytes(), try Samples.walletTransfer.canonicalBytes(),
                          "the option is part of the content a replay compares")
    }

    /// The content a replay compares is the transfer's entry in `SubmitTransfers`, byte for byte,
    /// also for a transfer larger than the buffer its bytes are first written to.
    func testCanonicalBytesAreTheTransfersEntryInTheFrame() throws {
        var large = Samples.splitTransfer
        large.senderAddress = String(repeating: "Avenida 5 de Mayo ", count: 7)
        large.legs += (0..<4).map {
            Leg(product: .educationFund, share: 0, institution: "KWFT", account: "EDU-\($0)-" + String(repeating: "7", count: 24))
        }
        for transfer in [Samples.walletTransfer, large] {
            let canonical = try transfer.canonicalBytes()
            let submit = SubmitTransfers(transfers: [transfer])
            let frame = Samples.encoded(Frame(version: 3, requestId: 1, message: .submitTransfers(submit)))
            XCTAssertNotNil(frame.firstRange(of: canonical), "\(canonical.count) bytes")
            XCTAssertEqual(try transfer.withCanonicalBytes { Array($0) }, canonical)
        }
        XCTAssertGreaterThan(try large.canonicalBytes().count, 512, "past the first buffer's room")
    }
}
