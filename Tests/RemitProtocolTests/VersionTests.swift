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
        XCTAssertThrowsError(try Frame(version: 3, requestId: 3, message: .heartbeat(Heartbeat(sentAt: 0))).encode(into: &buffer)) {
            XCTAssertEqual(($0 as? ProtocolError)?.code, .unsupportedVersion)
        }
        XCTAssertEqual(buffer.readableBytes, 0, "a refused frame writes nothing")
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
}
