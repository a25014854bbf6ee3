import NIOCore
@testable import RemitProtocol
import XCTest

/// A received SubmitTransfers gives each transfer's canonical bytes (what PROTOCOL.md section 8
/// compares) from the bytes it arrived in: they must be exactly what encoding it would give,
/// or a resubmission with the same content would be refused as different.
final class CanonicalBytesTests: XCTestCase {
    func testReceivedBytesAreTheCanonicalBytesAndAreReadInPlace() throws {
        for seed in UInt64(1)...200 {
            for version in FrameHeader.versions {
                var generator = MessageGenerator(seed: seed)
                generator.version = version
                let sent = SubmitTransfers(transfers: (0..<generator.count(1, 12)).map { _ in generator.transfer() })
                let received = try decode(sent, version: version)
                XCTAssertEqual(received, sent)
                XCTAssertEqual(received.received?.ranges.count, sent.transfers.count, "seed \(seed) v\(version)")
                for index in sent.transfers.indices {
                    XCTAssertNotNil(received.received?.ranges[index], "seed \(seed) v\(version): read in place")
                    XCTAssertEqual(try received.withCanonicalBytes(ofTransferAt: index) { Array($0) },
                                   try sent.transfers[index].canonicalBytes(), "seed \(seed) v\(version) transfer \(index)")
                }
            }
        }
    }

    func testATransferChangedAfterDecodingIsEncodedAnew() throws {
        var generator = MessageGenerator(seed: 9)
        var received = try decode(SubmitTransfers(transfers: [generator.transfer(), generator.transfer()]), version: 1)
        received.transfers[1].amount &+= 1
        received.transfers[1].legs[0].account = "CHANGED"
        XCTAssertNil(received.received, "the bytes received no longer describe the transfers")
        for index in received.transfers.indices {
            XCTAssertEqual(try received.withCanonicalBytes(ofTransferAt: index) { Array($0) },
                           try received.transfers[index].canonicalBytes())
        }
    }

    /// Blocks longer than this version's carry fields a later revision appended: the canonical
    /// bytes leave them out, so a transfer sent with longer blocks compares equal to the same
    /// transfer sent with this version's.
    func testLongerBlocksAreLeftOutOfTheCanonicalBytes() throws {
        var generator = MessageGenerator(seed: 21)
        let transfers = (0..<3).map { _ in generator.transfer() }
        for (transferPad, legPad) in [(6, 0), (0, 2), (6, 2)] {
            var body = [UInt8](repeating: 0, count: 2) + InvalidSamples.le16(UInt16(Transfer.blockLength + transferPad))
                + InvalidSamples.le16(UInt16(transfers.count))
            for transfer in transfers {
                body += Self.padded(try transfer.canonicalBytes(), transferPad: transferPad, legPad: legPad)
            }
            var buffer = ByteBuffer(bytes: InvalidSamples.frame(type: MessageType.submitTransfers.rawValue, body: body))
            guard case .submitTransfers(let received) = try XCTUnwrap(try Frame.decode(from: &buffer)).message else {
                return XCTFail("not a SubmitTransfers")
            }
            XCTAssertEqual(received.transfers, transfers)
            for index in transfers.indices {
                if let ranges = received.received?.ranges { XCTAssertNil(ranges[index], "pads \(transferPad), \(legPad)") }
                XCTAssertEqual(try received.withCanonicalBytes(ofTransferAt: index) { Array($0) },
                               try transfers[index].canonicalBytes(), "pads \(transferPad), \(legPad)")
            }
        }
    }

    func testTheReceivedBytesDoNotTakePartInEqualityHashingOrJSON() throws {
        var generator = MessageGenerator(seed: 4)
        let sent = SubmitTransfers(transfers: [generator.transfer()])
        let received = try decode(sent, version: 2)
        XCTAssertNotNil(received.received)
        XCTAssertEqual(received, sent)
        XCTAssertEqual(received.hashValue, sent.hashValue)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        XCTAssertEqual(try encoder.encode(received), try encoder.encode(sent))
    }

    private func decode(_ message: SubmitTransfers, version: UInt8) throws -> SubmitTransfers {
        var buffer = ByteBuffer()
        try Frame(version: version, requestId: 1, message: .submitTransfers(message)).encode(into: &buffer)
        guard case .submitTransfers(let received) = try XCTUnwrap(try Frame.decode(from: &buffer)).message else {
            throw XCTSkip("not a SubmitTransfers")
        }
        return received
    }

    /// A transfer's canonical entry rewritten with `transferPad` zero bytes appended to its block
    /// and `legPad` to each leg's.
    private static func padded(_ entry: [UInt8], transferPad: Int, legPad: Int) -> [UInt8] {
        var position = Transfer.blockLength
        for _ in 0..<8 { position += 1 + Int(entry[position]) }
        var out = Array(entry[..<Transfer.blockLength]) + [UInt8](repeating: 0, count: transferPad)
            + entry[Transfer.blockLength..<position]
        let count = Int(entry[position + 2]) | Int(entry[position + 3]) << 8
        out += InvalidSamples.le16(UInt16(Leg.blockLength + legPad)) + InvalidSamples.le16(UInt16(count))
        position += 4
        for _ in 0..<count {
            out += entry[position..<(position + Leg.blockLength)] + [UInt8](repeating: 0, count: legPad)
            position += Leg.blockLength
            for _ in 0..<2 {
                out += entry[position..<(position + 1 + Int(entry[position]))]
                position += 1 + Int(entry[position])
            }
        }
        XCTAssertEqual(position, entry.count)
        return out
    }
}
