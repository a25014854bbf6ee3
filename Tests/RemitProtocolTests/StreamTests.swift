import NIOCore
import RemitProtocol
import XCTest

/// How the decoder meets a byte stream: partial frames, several frames at once, truncation at
/// every byte, and a message error that leaves the stream usable.
final class StreamTests: XCTestCase {
    func testByteAtATimeYieldsNothingUntilTheLastByte() throws {
        for sample in Samples.valid {
            let bytes = Samples.encoded(sample.frame)
            var buffer = ByteBuffer()
            for (index, byte) in bytes.enumerated() {
                buffer.writeInteger(byte)
                let frame = try Frame.decode(from: &buffer)
                if index < bytes.count - 1 {
                    XCTAssertNil(frame, sample.name)
                } else {
                    XCTAssertEqual(frame, sample.frame, sample.name)
                }
            }
        }
    }

    func testSeveralFramesInOneReadDecodeInOrder() throws {
        var buffer = ByteBuffer()
        for sample in Samples.valid { buffer.writeBytes(Samples.encoded(sample.frame)) }
        for sample in Samples.valid { XCTAssertEqual(try Frame.decode(from: &buffer), sample.frame) }
        XCTAssertNil(try Frame.decode(from: &buffer))
    }

    /// Every proper prefix of every body, with a valid header and checksum, is TRUNCATED.
    func testEveryTruncatedBodyIsRefused() throws {
        for sample in Samples.valid {
            let bytes = Samples.encoded(sample.frame)
            let body = Array(bytes[24...])
            let type = UInt16(bytes[4]) | UInt16(bytes[5]) << 8
            let requestId = sample.frame.requestId
            for cut in 0..<body.count {
                var buffer = ByteBuffer(bytes: InvalidSamples.frame(type: type, requestId: requestId,
                                                                    body: Array(body[..<cut]),
                                                                    version: sample.frame.version))
                do {
                    _ = try Frame.decode(from: &buffer)
                    XCTFail("\(sample.name) cut at \(cut) decoded")
                } catch {
                    XCTAssertEqual(error.code, .truncated, "\(sample.name) cut at \(cut): \(error)")
                    XCTAssertFalse(error.closesConnection)
                }
            }
        }
    }

    func testAMessageErrorConsumesItsFrameAndKeepsTheStream() throws {
        let bad = InvalidSamples.invalid.first { $0.name == "invalid-enum" }!
        var buffer = ByteBuffer(bytes: bad.bytes + Samples.encoded(Samples.valid[0].frame))
        do {
            _ = try Frame.decode(from: &buffer)
            XCTFail("invalid-enum decoded")
        } catch {
            XCTAssertEqual(error.code, .invalidValue)
            XCTAssertEqual(error.requestId, 5, "the error names the request it answers")
        }
        XCTAssertEqual(try Frame.decode(from: &buffer), Samples.valid[0].frame)
    }

    func testAFrameErrorIsReportedBeforeTheBodyArrives() {
        let bad = InvalidSamples.invalid.first { $0.name == "bad-magic" }!
        var buffer = ByteBuffer(bytes: Array(bad.bytes.prefix(24)))
        XCTAssertThrowsError(try Frame.decode(from: &buffer))
    }

    func testEveryCorruptedBodyByteIsCaughtByTheChecksum() throws {
        let bytes = Samples.encoded(Samples.valid.first { $0.name == "submit-transfers-split" }!.frame)
        for index in 24..<bytes.count {
            var corrupted = bytes
            corrupted[index] ^= 0x01
            var buffer = ByteBuffer(bytes: corrupted)
            XCTAssertThrowsError(try Frame.decode(from: &buffer)) { error in
                XCTAssertEqual((error as? ProtocolError)?.code, .checksumMismatch)
            }
        }
    }
}
