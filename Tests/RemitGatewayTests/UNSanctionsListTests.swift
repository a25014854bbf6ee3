import Foundation
import RemitDomain
@testable import RemitGateway
import RemitFormats
import XCTest

/// The UN Security Council Consolidated List's XML layout, read from the demo's fictitious list,
/// and refusals for everything that is not that layout.
final class UNSanctionsListTests: XCTestCase {
    func read(_ xml: String) throws -> SanctionsList {
        try SanctionsList.unConsolidated(xml: Data(xml.utf8), file: "consolidated.xml")
    }

    func testTheLayoutIsRead() throws {
        let list = try read(DemoEnvironment.unSanctionsList)
        XCTAssertEqual(list.source, "consolidated.xml 2026-11-20T08:00:03.51Z")
        XCTAssertEqual(list.entries.map(\.id), ["990001", "990002", "990101"])
        XCTAssertEqual(list.entries[0].names, ["AMARA OKONKWO-EXAMPLE", "Amara Okonkwo"])
        XCTAssertEqual(list.entries[0].datesOfBirth, [19_790_630])
        XCTAssertEqual(list.entries[0].countries, ["NG", "KE"])
        XCTAssertEqual(list.entries[0].program, "DEMO")
        XCTAssertEqual(list.entries[1].names, ["RODRIGO VALDÉS EXAMPLE"])
        XCTAssertEqual(list.entries[1].datesOfBirth, [19_600_000, 19_610_000, 19_620_000])
        XCTAssertEqual(list.entries[2].names, ["EXAMPLE HARBOUR LOGISTICS", "Harbour Logistics Example Ltd"])
        XCTAssertEqual(list.entries[2].countries, ["KP"])
    }

    func testScreeningAgainstIt() throws {
        let screener = Screener(lists: [try read(DemoEnvironment.unSanctionsList)])
        for name in ["Amara Okonkwo", "Okonkwo Amara", "Rodrigo Valdes Example", "Example Harbour Logistics"] {
            XCTAssertEqual(screener.screen(name: name).decision, .match, name)
        }
        XCTAssertEqual(screener.screen(name: "Amara Okonkwo").source, "consolidated.xml 2026-11-20T08:00:03.51Z")
        for name in ["Amaka Okafor", "Rodrigo Valencia", "Harbour View Bakery"] {
            XCTAssertNotEqual(screener.screen(name: name).decision, .match, name)
        }
    }

    func testAnythingElseIsAnErrorNotAnEmptyList() {
        let cases: [(String, String)] = [
            ("", "no CONSOLIDATED_LIST"),
            ("<sdnList></sdnList>", "not CONSOLIDATED_LIST"),
            ("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>A</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>",
             "without a DATAID"),
            ("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>",
             "has no name"),
            ("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>A</FIRST_NAME>",
             "not well-formed"),
            ("<CONSOLIDATED_LIST>" + String(repeating: "<a>", count: 20) + String(repeating: "</a>", count: 20)
                + "</CONSOLIDATED_LIST>", "deeper than 16"),
            ("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>"
                + String(repeating: "x", count: 5_000) + "</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>",
             "longer than 4096"),
        ]
        for (xml, problem) in cases {
            XCTAssertThrowsError(try read(xml), problem) { error in
                XCTAssertTrue("\(error)".contains(problem), "\(error) should say \(problem)")
            }
        }
    }

    /// Entities that expand a billion times, or that read a local file, are not expanded into
    /// names: the parse fails or the text limit stops it.
    func testEntitiesCannotBlowUpOrReadFiles() {
        let laughs = """
            <?xml version="1.0"?>
            <!DOCTYPE CONSOLIDATED_LIST [
              <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
              <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
              <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
              <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
              <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
              <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
            ]>
            <CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>&f;</FIRST_NAME>
            </INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>
            """
        XCTAssertThrowsError(try read(laughs))
        let file = """
            <?xml version="1.0"?>
            <!DOCTYPE CONSOLIDATED_LIST [<!ENTITY x SYSTEM "file:///etc/hostname">]>
            <CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>A &x;</FIRST_NAME>
            </INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>
            """
        if let list = try? read(file) {
            let hostname = (try? String(contentsOfFile: "/etc/hostname", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "-"
            XCTAssertFalse(list.entries.flatMap(\.names).contains { $0.contains(hostname) }, "\(list.entries)")
        }
    }
}
