@testable import RemitFormats
import XCTest

final class TOMLTests: XCTestCase {
    func testTablesArraysOfTablesAndValues() throws {
        let document = try TOMLDocument(parsing: """
            # a comment
            top = "level"
            [server]
            listen = "127.0.0.1:7443"   # trailing comment
            timeout = 1_000
            negative = -5
            tls12 = false
            products = [
              "mobileWallet",  # a comment in an array
              'savingsDeposit',
            ]
            [[operator]]
            id = "ACME"
            [[operator]]
            id = "BETA"
            name = "B\\u00e9ta \\"quoted\\""
            """)
        XCTAssertEqual(document.root["top"], .string("level"))
        guard case .table(let server) = document.root["server"] else { return XCTFail() }
        XCTAssertEqual(server["listen"], .string("127.0.0.1:7443"))
        XCTAssertEqual(server["timeout"], .integer(1_000))
        XCTAssertEqual(server["negative"], .integer(-5))
        XCTAssertEqual(server["tls12"], .boolean(false))
        XCTAssertEqual(server["products"], .array([.string("mobileWallet"), .string("savingsDeposit")]))
        guard case .tables(let operators) = document.root["operator"] else { return XCTFail() }
        XCTAssertEqual(operators.map { $0["id"] }, [.string("ACME"), .string("BETA")])
        XCTAssertEqual(operators[1]["name"], .string("Béta \"quoted\""))
        XCTAssertEqual(document.lines["operator[1].id"], 15)
        XCTAssertEqual(document.lines["server.timeout"], 5)
    }

    func testWhatIsRefusedAndWhere() {
        let cases: [(String, Int, String)] = [
            ("rate = 129.45", 1, "floating-point"),
            ("a = 1\na = 2", 2, "defined twice"),
            ("[s]\n[s]", 2, "defined twice"),
            ("a = \"open", 1, "not closed"),
            ("a = \"\\q\"", 1, "unknown escape"),
            ("a = { b = 1 }", 1, "inline tables"),
            ("a.b = 1", 1, "dotted keys"),
            ("a = 01", 1, "leading zeros"),
            ("a = 99999999999999999999", 1, "out of range"),
            ("a = yes", 1, "strings need quotes"),
            ("a = 1 b", 1, "unexpected text"),
            ("a = [[1]]", 1, "nested arrays"),
            ("\n\n= 1", 3, "expected a key"),
            ("a = \"\"\"x\"\"\"", 1, "multi-line"),
            ("a = [1, 2", 1, "not closed"),
        ]
        for (text, line, problem) in cases {
            XCTAssertThrowsError(try TOMLDocument(parsing: text), text) { error in
                let error = error as! TOMLError
                XCTAssertEqual(error.line, line, text)
                XCTAssertTrue(error.problem.contains(problem), "\(text): \(error.problem)")
            }
        }
    }

    func testLimits() {
        let long = String(repeating: "x", count: TOMLDocument.maxStringBytes + 1)
        XCTAssertThrowsError(try TOMLDocument(parsing: "a = \"\(long)\""))
        XCTAssertNoThrow(try TOMLDocument(parsing: "a = \"\(String(long.dropLast()))\""))
        let big = String(repeating: "#", count: TOMLDocument.maxBytes + 1)
        XCTAssertThrowsError(try TOMLDocument(parsing: big))
        let entries = (0...TOMLDocument.maxArrayEntries).map { "\($0)" }.joined(separator: ",")
        XCTAssertThrowsError(try TOMLDocument(parsing: "a = [\(entries)]"))
    }
}
