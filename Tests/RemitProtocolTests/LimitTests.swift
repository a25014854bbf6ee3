import NIOCore
import RemitProtocol
import XCTest

/// Every limit of PROTOCOL.md section 10, at its bound and one past it, on both sides: the
/// encoder refuses to write what the decoder would refuse to read.
final class LimitTests: XCTestCase {
    func expectError(_ code: ErrorCode, _ field: FieldID, file: StaticString = #filePath, line: UInt = #line,
                     _ body: () throws(ProtocolError) -> Void) {
        do {
            try body()
            XCTFail("expected \(code)", file: file, line: line)
        } catch {
            XCTAssertEqual(error.code, code, error.detail, file: file, line: line)
            XCTAssertEqual(error.field, field, error.detail, file: file, line: line)
        }
    }

    func decode(_ bytes: [UInt8], limits: ProtocolLimits = .default) throws(ProtocolError) -> Frame? {
        var buffer = ByteBuffer(bytes: bytes)
        return try Frame.decode(from: &buffer, limits: limits)
    }

    func submit(_ transfers: [Transfer]) -> Frame {
        Frame(requestId: 1, message: .submitTransfers(SubmitTransfers(transfers: transfers)))
    }

    /// Replaces a string's length-prefixed bytes in an encoded frame, fixing length and checksum.
    func patchString(_ frame: [UInt8], from old: String, to new: String) -> [UInt8] {
        let oldBytes = [UInt8(old.utf8.count)] + Array(old.utf8)
        let newBytes = [UInt8(new.utf8.count)] + Array(new.utf8)
        var body = Array(frame[24...])
        let start = (0...(body.count - oldBytes.count)).first { Array(body[$0..<$0 + oldBytes.count]) == oldBytes }!
        body.replaceSubrange(start..<start + oldBytes.count, with: newBytes)
        let type = UInt16(frame[4]) | UInt16(frame[5]) << 8
        return InvalidSamples.frame(type: type, requestId: 1, body: body)
    }

    func testEveryTransferStringAtItsMaximumAndOnePast() throws {
        let fields: [(WritableKeyPath<Transfer, String>, Int, FieldID, Character)] = [
            (\.operatorReference, FieldLimit.operatorReference, .operatorReference, "R"),
            (\.senderName, FieldLimit.name, .senderName, "N"),
            (\.senderAccount, FieldLimit.account, .senderAccount, "A"),
            (\.senderAddress, FieldLimit.address, .senderAddress, "D"),
            (\.senderNationalId, FieldLimit.nationalId, .senderNationalId, "I"),
            (\.senderPlaceOfBirth, FieldLimit.placeOfBirth, .senderPlaceOfBirth, "P"),
            (\.beneficiaryName, FieldLimit.name, .beneficiaryName, "B"),
            (\.beneficiaryAccount, FieldLimit.account, .beneficiaryAccount, "C"),
        ]
        for (path, max, field, fill) in fields {
            var transfer = Samples.walletTransfer
            transfer[keyPath: path] = String(repeating: fill, count: max)
            let atMax = Samples.encoded(submit([transfer]))
            XCTAssertEqual(try decode(atMax), submit([transfer]), field.name)

            var over = transfer
            over[keyPath: path] = String(repeating: fill, count: max + 1)
            expectError(.fieldTooLong, field) { () throws(ProtocolError) in
                var buffer = ByteBuffer()
                try submit([over]).encode(into: &buffer)
            }
            let patched = patchString(atMax, from: String(repeating: fill, count: max),
                                      to: String(repeating: fill, count: max + 1))
            expectError(.fieldTooLong, field) { () throws(ProtocolError) in _ = try decode(patched) }
        }
    }

    func testLegStringsAtTheirMaximumAndOnePast() throws {
        for (field, max, isAccount) in [(FieldID.legInstitution, FieldLimit.institution, false),
                                        (FieldID.legAccount, FieldLimit.account, true)] {
            var transfer = Samples.walletTransfer
            let fill = String(repeating: "Q", count: max)
            if isAccount { transfer.legs[0].account = fill } else { transfer.legs[0].institution = fill }
            let atMax = Samples.encoded(submit([transfer]))
            XCTAssertEqual(try decode(atMax), submit([transfer]))
            let patched = patchString(atMax, from: fill, to: fill + "Q")
            do {
                _ = try decode(patched)
                XCTFail("one past \(field.name)")
            } catch {
                XCTAssertEqual(error.code, .fieldTooLong)
                XCTAssertEqual(error.field, field)
                XCTAssertEqual(error.entryIndex, 0)
                XCTAssertTrue(error.detail.hasPrefix("transfers[0].legs[0].\(field.name)"), error.detail)
            }
        }
    }

    func testMultiByteCharactersCountInBytes() throws {
        var transfer = Samples.walletTransfer
        transfer.senderName = String(repeating: "é", count: 70)  // 140 bytes
        XCTAssertEqual(try decode(Samples.encoded(submit([transfer]))), submit([transfer]))
        transfer.senderName += "a"
        expectError(.fieldTooLong, .senderName) { () throws(ProtocolError) in
            var buffer = ByteBuffer()
            try submit([transfer]).encode(into: &buffer)
        }
    }

    func testBatchOf8189IsAcceptedAnd8190Refused() throws {
        let transfers = (0..<8_189).map { index -> Transfer in
            var transfer = Samples.walletTransfer
            transfer.transferId = ID128(high: 1, low: UInt64(index))
            return transfer
        }
        let frame = submit(transfers)
        let bytes = Samples.encoded(frame)
        XCTAssertEqual(try decode(bytes), frame)

        expectError(.tooManyEntries, .transfers) { () throws(ProtocolError) in
            var buffer = ByteBuffer()
            try submit(transfers + [Samples.walletTransfer]).encode(into: &buffer)
        }
    }

    func testEightLegsAreAcceptedAndNineRefused() throws {
        var transfer = Samples.walletTransfer
        transfer.legs = Array(repeating: Leg(product: .savingsDeposit, share: 1_250, account: "SAV-1"), count: 8)
        XCTAssertEqual(try decode(Samples.encoded(submit([transfer]))), submit([transfer]))
        transfer.legs.append(transfer.legs[0])
        expectError(.tooManyEntries, .legs) { () throws(ProtocolError) in
            var buffer = ByteBuffer()
            try submit([transfer]).encode(into: &buffer)
        }
        // A server configured for fewer legs refuses more on the wire, naming the transfer.
        transfer.legs.removeLast(6)
        let three = Samples.encoded(submit([Samples.walletTransfer, transfer]))
        do {
            _ = try decode(three, limits: ProtocolLimits(maxLegsPerTransfer: 2))
            XCTFail("three legs past a limit of two")
        } catch {
            XCTAssertEqual(error.code, .tooManyEntries)
            XCTAssertEqual(error.entryIndex, 1)
            XCTAssertTrue(error.detail.hasPrefix("transfers[1].legs"), error.detail)
        }
    }

    func testBodyLengthAtTheLimitAndOnePast() throws {
        let frame = Frame(requestId: 1, message: .hello(Hello(clientName: "x")))
        let bodyLength = Samples.encoded(frame).count - 24
        let exact = ProtocolLimits(maxBodyLength: bodyLength)
        XCTAssertEqual(try decode(Samples.encoded(frame), limits: exact), frame)
        let tight = ProtocolLimits(maxBodyLength: bodyLength - 1)
        expectError(.frameTooLarge, .bodyLength) { () throws(ProtocolError) in
            _ = try decode(Samples.encoded(frame), limits: tight)
        }
        expectError(.frameTooLarge, .bodyLength) { () throws(ProtocolError) in
            var buffer = ByteBuffer()
            try frame.encode(into: &buffer, limits: tight)
        }
        // The default limit is judged from the header alone: at 4 MiB the decoder waits for the
        // body; one past, it refuses without waiting.
        let header = { (length: UInt32) in Array(InvalidSamples.frame(type: 0x20, body: [], bodyLength: length).prefix(24)) }
        XCTAssertNil(try decode(header(4_194_304)))
        expectError(.frameTooLarge, .bodyLength) { () throws(ProtocolError) in _ = try decode(header(4_194_305)) }
    }

    func testPhoneNumbersAtFifteenDigitsAndSixteen() throws {
        var transfer = Samples.walletTransfer
        transfer.beneficiaryPhone = 999_999_999_999_999
        XCTAssertEqual(try decode(Samples.encoded(submit([transfer]))), submit([transfer]))
        transfer.beneficiaryPhone += 1
        expectError(.invalidValue, .beneficiaryPhone) { () throws(ProtocolError) in
            var buffer = ByteBuffer()
            try submit([transfer]).encode(into: &buffer)
        }
    }

    func testEncoderRefusesWhatTheDecoderWould() {
        let cases: [(Frame, ErrorCode, FieldID)] = [
            (Frame(requestId: 0, message: .getTransfer(GetTransfer(transferId: .zero))), .invalidValue, .requestId),
            (Frame(requestId: 1, message: .eventAck(EventAck(throughSequence: 1))), .invalidValue, .requestId),
            (Frame(requestId: 1, message: .hello(Hello(minVersion: 0, maxVersion: 1, clientName: ""))),
             .invalidValue, .minVersion),
            (Frame(requestId: 1, message: .hello(Hello(clientName: "tab\there"))), .invalidValue, .clientName),
            (Frame(requestId: 1, message: .error(ErrorMessage(code: ErrorCode(rawValue: 1234), detail: ""))),
             .invalidValue, .none),
            (Frame(requestId: 1, message: .submitTransfers(SubmitTransfers(transfers: []))), .tooManyEntries, .transfers),
        ]
        for (frame, code, field) in cases {
            var buffer = ByteBuffer(bytes: [0xAA])
            expectError(code, field) { () throws(ProtocolError) in try frame.encode(into: &buffer) }
            XCTAssertEqual(Array(buffer.readableBytesView), [0xAA], "a failed encode leaves the buffer as it was")
        }
    }

    func testErrorDetailIsClippedAtACharacterBoundary() {
        let long = String(repeating: "é", count: 200)
        let clipped = ErrorMessage.clip(long)
        XCTAssertLessThanOrEqual(clipped.utf8.count, FieldLimit.detail)
        XCTAssertEqual(clipped.utf8.count, 254)
        XCTAssertTrue(long.hasPrefix(clipped))
    }
}
