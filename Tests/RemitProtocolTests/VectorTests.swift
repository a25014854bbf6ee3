import Foundation
import NIOCore
import RemitProtocol
import XCTest

/// `Protocol/vectors/` is the contract other implementations test against: these tests decode
/// every file on disk as an outside implementer would, and keep the files equal to the samples.
final class VectorTests: XCTestCase {
    func testVectorFilesMatchTheSamples() throws {
        let expected = try VectorFiles.expected()
        let write = ProcessInfo.processInfo.environment["REMIT_WRITE_VECTORS"] == "1"
        for (path, data) in expected {
            let url = VectorFiles.directory.appendingPathComponent(path)
            if write {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(),
                                                        withIntermediateDirectories: true)
                try data.write(to: url)
            } else {
                let onDisk = try? Data(contentsOf: url)
                XCTAssertEqual(onDisk, data, "\(path) differs from the samples: run REMIT_WRITE_VECTORS=1 swift test")
            }
        }
        let files = try VectorFiles.onDisk("valid") + VectorFiles.onDisk("invalid")
        let stale = files.map { "\($0.deletingLastPathComponent().lastPathComponent)/\($0.lastPathComponent)" }
            .filter { expected[$0] == nil }
        XCTAssertEqual(stale, [], "vector files no sample produces")
    }

    func testEveryMessageTypeHasAValidVector() throws {
        let types = Set(try VectorFiles.onDisk("valid").map {
            try JSONDecoder().decode(ValidVector.self, from: Data(contentsOf: $0)).frame.message.type
        })
        XCTAssertEqual(types, Set(MessageType.allCases))
    }

    func testValidVectorsDecodeToTheirMeaningAndEncodeToTheirBytes() throws {
        let files = try VectorFiles.onDisk("valid")
        XCTAssertGreaterThanOrEqual(files.count, 16)
        for url in files {
            let vector = try JSONDecoder().decode(ValidVector.self, from: Data(contentsOf: url))
            let bytes = VectorFiles.bytes(vector.hex)
            var buffer = ByteBuffer(bytes: bytes)
            let decoded = try XCTUnwrap(try Frame.decode(from: &buffer), url.lastPathComponent)
            XCTAssertEqual(decoded, vector.frame, url.lastPathComponent)
            XCTAssertEqual(buffer.readableBytes, 0, url.lastPathComponent)
            XCTAssertEqual(Samples.encoded(vector.frame), bytes, url.lastPathComponent)
        }
    }

    func testInvalidVectorsProduceTheirError() throws {
        let files = try VectorFiles.onDisk("invalid")
        XCTAssertGreaterThanOrEqual(files.count, 20)
        for url in files {
            let vector = try JSONDecoder().decode(InvalidVector.self, from: Data(contentsOf: url))
            var buffer = ByteBuffer(bytes: VectorFiles.bytes(vector.hex))
            do {
                let frame = try Frame.decode(from: &buffer)
                XCTFail("\(url.lastPathComponent): decoded to \(String(describing: frame))")
            } catch {
                XCTAssertEqual(error.code.rawValue, vector.error.code, "\(url.lastPathComponent): \(error)")
                XCTAssertEqual(error.field.rawValue, vector.error.fieldId, "\(url.lastPathComponent): \(error)")
                XCTAssertEqual(error.closesConnection, vector.error.closesConnection, url.lastPathComponent)
                XCTAssertEqual(error.code.name, vector.error.name)
            }
        }
    }

    func testCRC32CVectors() throws {
        let url = VectorFiles.directory.appendingPathComponent("crc32c.json")
        let vectors = try JSONDecoder().decode([CRCVector].self, from: Data(contentsOf: url))
        XCTAssertTrue(vectors.contains { $0.ascii == "123456789" && $0.crc32c == "e3069283" })
        for vector in vectors {
            XCTAssertEqual(String(format: "%08x", CRC32C.checksum(VectorFiles.bytes(vector.hex))), vector.crc32c)
        }
    }

    /// The annotated hex of PROTOCOL.md section 12 is the vector, byte for byte.
    func testWorkedExampleInTheSpecIsTheVector() throws {
        let spec = try String(contentsOf: VectorFiles.root.appendingPathComponent("Protocol/PROTOCOL.md"), encoding: .utf8)
        let section = try XCTUnwrap(spec.components(separatedBy: "## 12. Worked example").last?
            .components(separatedBy: "## 13.").first)
        let block = try XCTUnwrap(section.components(separatedBy: "```").dropFirst().first)
        var hex = ""
        for line in block.split(separator: "\n") where !line.hasPrefix("--") {
            // Bytes come first on a line, two hex digits each, before the annotation.
            for token in line.split(separator: " ") {
                guard token.count == 2, token.allSatisfy(\.isHexDigit) else { break }
                hex += token
            }
        }
        let vector = try JSONDecoder().decode(ValidVector.self, from: Data(contentsOf:
            VectorFiles.directory.appendingPathComponent("valid/submit-transfers-one.json")))
        XCTAssertEqual(hex, vector.hex)
    }
}
