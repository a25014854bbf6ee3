import Foundation
import NIOCore
import RemitProtocol
import XCTest

/// Encoding and decoding are exact inverses over generated messages of every type.
final class RoundTripTests: XCTestCase {
    func testDecodeInvertsEncodeForGeneratedMessages() throws {
        for seed in UInt64(1)...300 {
            var generator = MessageGenerator(seed: seed)
            for type in MessageType.allCases {
                let frame = generator.frame(type)
                var buffer = ByteBuffer()
                try frame.encode(into: &buffer, limits: generator.limits)
                let bytes = Array(buffer.readableBytesView)
                let decoded = try XCTUnwrap(try Frame.decode(from: &buffer, limits: generator.limits))
                XCTAssertEqual(decoded, frame, "seed \(seed) \(type.name)")
                XCTAssertEqual(buffer.readableBytes, 0)
                var again = ByteBuffer()
                try decoded.encode(into: &again, limits: generator.limits)
                XCTAssertEqual(Array(again.readableBytesView), bytes, "seed \(seed) \(type.name)")
            }
        }
    }

    func testJSONFormRoundTrips() throws {
        var generator = MessageGenerator(seed: 77)
        for type in MessageType.allCases {
            let frame = generator.frame(type)
            let data = try JSONEncoder().encode(frame)
            XCTAssertEqual(try JSONDecoder().decode(Frame.self, from: data), frame, type.name)
        }
    }

    /// A later revision may append fields to a block; a version-1 decoder skips them.
    func testBytesAppendedToABlockAreSkipped() throws {
        let body = InvalidSamples.le16(20) + InvalidSamples.idBytes + [9, 9, 9, 9]
        var buffer = ByteBuffer(bytes: InvalidSamples.frame(type: 0x30, body: body))
        let frame = try XCTUnwrap(try Frame.decode(from: &buffer))
        XCTAssertEqual(frame.message, .getTransfer(GetTransfer(transferId: ID128(high: 0x0102_0304_0506_0708,
                                                                                  low: 0x090A_0B0C_0D0E_0F10))))
    }

    func testIDTextForms() {
        let id = ID128("0191F3C27A107C4E9D2B3F6A8E1C5B07")
        XCTAssertEqual(id?.description, "0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b07")
        XCTAssertNil(ID128("0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5b0"))
        XCTAssertNil(ID128("0191f3c27-a10-7c4e-9d2b-3f6a8e1c5b07"))
        XCTAssertNil(ID128("0191f3c2-7a10-7c4e-9d2b-3f6a8e1c5bxx"))
        let random = ID128.random()
        XCTAssertEqual(ID128(random.description), random)
        XCTAssertEqual((random.high >> 12) & 0xF, 4, "version 4")
        // Version 7: the milliseconds first (2026-11-23T12:00:00Z is 0x01a20846fe00), so later sorts later.
        let early = ID128.version7(unixMilliseconds: 1_795_435_200_000)
        let later = ID128.version7(unixMilliseconds: 1_795_435_200_001)
        XCTAssertEqual(early.high >> 16, 1_795_435_200_000)
        XCTAssertTrue(early.description.hasPrefix("01a20846-fe00-7"), early.description)
        XCTAssertEqual((early.low >> 62), 0b10, "RFC 9562 variant")
        XCTAssertLessThan(early.high, later.high)
    }

    func testCRC32CCheckValue() {
        XCTAssertEqual(CRC32C.checksum("123456789".utf8), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        // Incremental updates agree with one pass, across the 8-byte stride.
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let whole = CRC32C.checksum(data)
        for split in [1, 7, 8, 9, 500, 999] {
            let first = data[..<split].withUnsafeBytes { CRC32C.checksum($0) }
            XCTAssertEqual(data[split...].withUnsafeBytes { CRC32C.update(first, $0) }, whole)
        }
    }
}
