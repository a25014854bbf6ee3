import Foundation
import RemitDomain
import RemitFormats
import XCTest

/// Inputs that stop the process inside Foundation's XMLParser on Linux, found by fuzzing: each
/// XML reader refuses them with an error, and ordinary documents still pass.
final class XMLInputTests: XCTestCase {
    static let crashers: [(String, [UInt8])] = [
        ("a processing instruction without data", Array("<?l?>".utf8)),
        ("the same after the declaration", Array("<?xml version=\"1.0\"?><a><?x?></a>".utf8)),
        ("a byte that is not UTF-8 in an element's name", Array("<a".utf8) + [0xF3] + Array("b/>".utf8)),
    ]

    func testTheReadersRefuseWhatWouldStopTheProcess() {
        for (name, bytes) in Self.crashers {
            XCTAssertNotNil(XMLInput.problem(in: Data(bytes)), name)
            XCTAssertThrowsError(try Pain002Report.parse(Data(bytes)), name)
            XCTAssertThrowsError(try SanctionsList.unConsolidated(xml: Data(bytes), file: "list.xml"), name)
        }
        XCTAssertEqual(XMLInput.problem(in: Data([0x3C, 0x61, 0x3E, 0xC3])), "not UTF-8 at byte 3")
        XCTAssertEqual(XMLInput.problem(in: Data("<a/><?pi data?>".utf8)),
                       "a processing instruction at byte 4: only the XML declaration, first, is accepted")
    }

    func testOrdinaryDocumentsPass() {
        XCTAssertNil(XMLInput.problem(in: Data("<a/>".utf8)))
        XCTAssertNil(XMLInput.problem(in: Data("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>Valdés</a>".utf8)))
        XCTAssertNil(XMLInput.problem(in: Data([0xEF, 0xBB, 0xBF] + Array("<?xml version=\"1.0\"?><a/>".utf8))))
    }
}
