import Foundation
import RemitProtocol
import XCTest

/// The error catalogue and field ids in code are the tables of PROTOCOL.md section 7.
final class CatalogueTests: XCTestCase {
    let spec = try! String(contentsOf: VectorFiles.root.appendingPathComponent("Protocol/PROTOCOL.md"), encoding: .utf8)

    func testErrorCodesMatchTheSpec() throws {
        let rows = try NSRegularExpression(pattern: #"^\| (\d{4}) \| `([A-Z0-9_]+)` \| (?:(no|yes|fix) \|)?"#,
                                           options: .anchorsMatchLines)
        var specCodes = [UInt16: (String, String?)]()
        let range = NSRange(spec.startIndex..., in: spec)
        for match in rows.matches(in: spec, range: range) {
            let text = { (i: Int) -> String? in Range(match.range(at: i), in: self.spec).map { String(self.spec[$0]) } }
            specCodes[UInt16(text(1)!)!] = (text(2)!, text(3))
        }
        XCTAssertEqual(Set(specCodes.keys), Set(ErrorCode.catalogue.keys))
        for (code, (name, retry)) in specCodes {
            XCTAssertEqual(ErrorCode(rawValue: code).name, name)
            if let retry { XCTAssertEqual(ErrorCode(rawValue: code).retry.rawValue, retry, name) }
        }
    }

    /// Configuration and the ledger name products as Swift writes the case; `caseName` spells it
    /// without reflection, and must not drift from it.
    func testProductCaseNamesAreTheCasesAsWritten() {
        for product in Product.allCases { XCTAssertEqual(product.caseName, String(describing: product)) }
    }

    func testFieldIdsMatchTheSpec() throws {
        let section = try XCTUnwrap(spec.components(separatedBy: "### Field ids").last?.components(separatedBy: "## 8.").first)
        let cells = try NSRegularExpression(pattern: #"\| (\d+) \| ([^|]+)"#)
        var ids = Set<UInt16>([0])
        for match in cells.matches(in: section, range: NSRange(section.startIndex..., in: section)) {
            let id = UInt16(section[Range(match.range(at: 1), in: section)!])!
            let label = section[Range(match.range(at: 2), in: section)!]
            ids.insert(id)
            // The spec names the field in backquotes; the code's name is that word or its suffix
            // (`afterSequence` / `throughSequence` are both `sequence`).
            let quoted = label.split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 1 }.map { $0.element.lowercased() }
            if !quoted.isEmpty {
                let name = FieldID(rawValue: id).name.lowercased()
                XCTAssertTrue(quoted.contains { $0.hasSuffix(name) }, "field \(id): \(quoted) vs \(name)")
            }
        }
        XCTAssertEqual(ids, Set(FieldID.names.keys))
    }
}
