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
            let patched = InvalidSamples.patchString(atMax, from: String(repeating: fill, count: max),
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
            let patched = InvalidSamples.patchString(atMax, from: fill, to: fill + "Q")
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
            // C1 controls (U+0080...U+009F, C2 80...C2 9F in UTF-8) and DEL, as the decoder reads them.
            (Frame(requestId: 1, message: .hello(Hello(clientName: "next\u{85}line"))), .invalidValue, .clientName),
            (Frame(requestId: 1, message: .hello(Hello(clientName: "del\u{7F}"))), .invalidValue, .clientName),
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

    /// Letters whose UTF-8 bytes look like C1 controls but are not (Ā is C4 80, Ÿ is C5 B8; a
    /// continuation byte never follows C2 unless the character is U+0080...U+00BF) encode.
    func testNamesWithLettersBeyondLatin1RoundTrip() throws {
        var transfer = Samples.walletTransfer
        transfer.senderName = "Ānanda Ÿves Ölçer"
        transfer.beneficiaryName = "Ẓainab «Nuñez» ¡hola!"
        XCTAssertEqual(try decode(Samples.encoded(submit([transfer]))), submit([transfer]))
    }

    func testErrorDetailIsClippedAtACharacterBoundary() {
        let long = String(repeating: "é", count: 200)
        let clipped = ErrorMessage.clip(long)
        XCTAssertLessThanOrEqual(clipped.utf8.count, FieldLimit.detail)
        XCTAssertEqual(clipped.utf8.count, 254)
        XCTAssertTrue(long.hasPrefix(clipped))
    }
}

/// The string fields outside Transfer, each at its maximum and one past, encoder and decoder.
final class MessageStringLimitTests: XCTestCase {
    func frame(_ field: String, _ text: String) -> Frame {
        let s = Samples.self
        switch field {
        case "clientName": return Frame(requestId: 1, message: .hello(Hello(clientName: text)))
        case "operatorId", "serverName":
            return Frame(requestId: 1, message: .welcome(Welcome(
                serverTime: 0, sessionId: 0, operatorId: field == "operatorId" ? text : "ACME",
                serverName: field == "serverName" ? text : "gw")))
        case "detail": return Frame(requestId: 1, message: .error(ErrorMessage(code: .internalError, detail: text)))
        case "reason": return Frame(requestId: 1, message: .cancelTransfer(CancelTransfer(transferId: s.transferId, reason: text)))
        case "quoteLegInstitution":
            return Frame(requestId: 1, message: .quoteRequest(QuoteRequest(
                amount: 1, sendCurrency: s.usd, payoutCurrency: s.kes, sendCountry: s.us, payoutCountry: s.ke,
                amountMode: .send, legs: [QuoteLeg(product: .mobileWallet, share: 10_000, institution: text)])))
        case "quotedLegInstitution":
            var quote = s.quote
            quote.legs[1].institution = text
            return Frame(requestId: 1, message: .quote(quote))
        case "statusReference", "partnerReference":
            let status = TransferStatus(
                transferId: s.transferId, sendAmount: 1, fee: 0, payoutAmount: 1, rate: 1, createdAt: 0, updatedAt: 0,
                lastEventSequence: 0, state: .paid, sendCurrency: s.usd, payoutCurrency: s.kes, sendCountry: s.us,
                payoutCountry: s.ke, operatorReference: field == "statusReference" ? text : "",
                legs: [LegStatus(product: .mobileWallet, state: .paid, share: 10_000, payoutAmount: 1,
                                 partnerReference: field == "partnerReference" ? text : "")])
            return Frame(requestId: 1, message: .transferStatus(status))
        case "eventReference":
            return Frame(requestId: 0, message: .event(Event(sequence: 1, transferId: s.transferId, occurredAt: 0,
                                                             change: .transfer(.paid), partnerReference: text)))
        default: preconditionFailure(field)
        }
    }

    func testEachAtItsMaximumAndOnePast() throws {
        let limits: [(String, Int)] = [
            ("clientName", FieldLimit.clientName), ("operatorId", FieldLimit.operatorId),
            ("serverName", FieldLimit.serverName), ("detail", FieldLimit.detail), ("reason", FieldLimit.reason),
            ("quoteLegInstitution", FieldLimit.institution), ("quotedLegInstitution", FieldLimit.institution),
            ("statusReference", FieldLimit.operatorReference), ("partnerReference", FieldLimit.partnerReference),
            ("eventReference", FieldLimit.partnerReference),
        ]
        for (field, max) in limits {
            let fill = String(repeating: "Q", count: max)
            let atMax = Samples.encoded(frame(field, fill))
            var buffer = ByteBuffer(bytes: atMax)
            XCTAssertEqual(try Frame.decode(from: &buffer), frame(field, fill), field)

            var out = ByteBuffer()
            XCTAssertThrowsError(try frame(field, fill + "Q").encode(into: &out), field) { error in
                XCTAssertEqual((error as? ProtocolError)?.code, .fieldTooLong, field)
            }
            // A u8 length cannot say 256: at a maximum of 255 the wire itself is the limit.
            guard max < 255 else { continue }
            var patched = ByteBuffer(bytes: InvalidSamples.patchString(atMax, from: fill, to: fill + "Q"))
            XCTAssertThrowsError(try Frame.decode(from: &patched), field) { error in
                XCTAssertEqual((error as? ProtocolError)?.code, .fieldTooLong, field)
            }
        }
    }
}
