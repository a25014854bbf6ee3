import Foundation
import XCTest

/// `remitctl protocol decode|encode` run as a process over every vector file.
final class ProtocolCommandTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let vectors = root.appendingPathComponent("Protocol/vectors")

    func run(_ name: String, _ arguments: [String], input: Data = Data()) throws -> (status: Int32, out: String, err: String) {
        try Executables.run(name, arguments, input: input)
    }

    func files(_ folder: String) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: Self.vectors.appendingPathComponent(folder),
                                                    includingPropertiesForKeys: nil).filter { $0.pathExtension == "json" }
    }

    func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    func testDecodeAndEncodeEveryValidVector() throws {
        for url in try files("valid") {
            let vector = try json(url)
            let hex = vector["hex"] as! String
            let decoded = try run("remitctl", ["protocol", "decode", hex])
            XCTAssertEqual(decoded.status, 0, "\(url.lastPathComponent): \(decoded.err)")
            let printed = try JSONSerialization.jsonObject(with: Data(decoded.out.utf8)) as! NSDictionary
            XCTAssertEqual(printed, vector["frame"] as! NSDictionary, url.lastPathComponent)
            let encoded = try run("remitctl", ["protocol", "encode"], input: Data(decoded.out.utf8))
            XCTAssertEqual(encoded.status, 0, encoded.err)
            XCTAssertEqual(encoded.out.trimmingCharacters(in: .whitespacesAndNewlines), hex, url.lastPathComponent)
        }
    }

    func testDecodeReportsTheErrorOfEveryInvalidVector() throws {
        for url in try files("invalid") {
            let vector = try json(url)
            let expected = vector["error"] as! [String: Any]
            let result = try run("remitctl", ["protocol", "decode", vector["hex"] as! String])
            XCTAssertEqual(result.status, 1, url.lastPathComponent)
            XCTAssertTrue(result.err.contains("\(expected["code"]!) \(expected["name"]!)"),
                          "\(url.lastPathComponent): \(result.err)")
        }
    }

    /// The example in README.md runs and prints the Hello it shows.
    func testTheReadmeExampleDecodes() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let line = try XCTUnwrap(readme.split(separator: "\n").first { $0.contains("remitctl protocol decode ") })
        let hex = try XCTUnwrap(line.split(separator: " ").last.map(String.init))
        let result = try run("remitctl", ["protocol", "decode", hex])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertTrue(result.out.contains("\"type\" : \"Hello\""), result.out)
    }

    func testBadUsageExitsWith64() throws {
        XCTAssertEqual(try run("remitctl", ["protocol", "decode", "abc"]).status, 64)
        XCTAssertEqual(try run("remitctl", ["protocol", "encode"], input: Data("{}".utf8)).status, 64)
    }

    func testRemitdNeedsADemoOrAConfiguration() throws {
        let result = try run("remitd", [])
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.err.contains("give either --demo or --config FILE"), result.err)
    }
}
