import Foundation
import XCTest

/// testssl.sh (Debian's) scans the operator port as an outside auditor would: protocols, cipher
/// categories, every cipher per protocol, and its vulnerability checks. With `tls_minimum` "1.3"
/// (the default) and "1.2": only TLS 1.2 and 1.3, only AEAD ciphers (ECDHE in TLS 1.2), no
/// finding above INFO that is not "OK", and no scan that could not run. CI installs testssl.sh;
/// without it the test is skipped and says so. Refusing connections without a client
/// certificate, or with a wrong one, is TLSRefusalTests'.
final class TLSScanTests: XCTestCase {
    struct Finding: Decodable {
        var id: String
        var severity: String
        var finding: String
    }

    func testTheDefaultOffersTLS13WithAEADCiphersOnly() throws {
        let findings = try scan(tlsMinimum: nil)
        check(findings, tls12: false)
    }

    func testTLS12WhenAllowedHasECDHEAndAEADCiphersOnly() throws {
        let findings = try scan(tlsMinimum: "1.2")
        check(findings, tls12: true)
    }

    func check(_ findings: [Finding], tls12: Bool, file: StaticString = #filePath, line: UInt = #line) {
        let byId = Dictionary(findings.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for old in ["SSLv2", "SSLv3", "TLS1", "TLS1_1"] {
            XCTAssertEqual(byId[old]?.finding, "not offered", old, file: file, line: line)
        }
        XCTAssertEqual(byId["TLS1_2"]?.finding.hasPrefix("offered"), tls12, "TLS 1.2", file: file, line: line)
        XCTAssertEqual(byId["TLS1_3"]?.finding.hasPrefix("offered"), true, "TLS 1.3", file: file, line: line)
        for category in ["cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW", "cipherlist_3DES_IDEA",
                         "cipherlist_AVERAGE"] {
            XCTAssertEqual(byId[category]?.finding, "not offered", category, file: file, line: line)
        }
        let ciphers = findings.filter { $0.id.hasPrefix("cipher-tls") }
        XCTAssertFalse(ciphers.isEmpty, "the scan listed no cipher", file: file, line: line)
        for cipher in ciphers {
            let aead = ["GCM", "CHACHA20", "CCM"].contains { cipher.finding.contains($0) }
            XCTAssertTrue(aead, "not AEAD: \(cipher.finding)", file: file, line: line)
            if cipher.id.hasPrefix("cipher-tls1_2") {
                XCTAssertTrue(cipher.finding.contains("ECDHE-"), "no forward secrecy: \(cipher.finding)", file: file, line: line)
            }
        }
        XCTAssertEqual(ciphers.contains { $0.id.hasPrefix("cipher-tls1_2") }, tls12, file: file, line: line)
        for finding in findings where !["OK", "INFO", "DEBUG"].contains(finding.severity) && !Self.untestable(finding) {
            XCTFail("\(finding.id) \(finding.severity): \(finding.finding)", file: file, line: line)
        }
    }

    /// Two checks testssl.sh cannot run against a port that requires a client certificate, when
    /// it has noticed the request (it does not always: it depends on which of its probes finish
    /// first): client-initiated renegotiation (BoringSSL's servers never renegotiate) and BREACH
    /// (HTTP compression; this port speaks no HTTP). Every other warning fails the test.
    static func untestable(_ finding: Finding) -> Bool {
        ["secure_client_renego", "BREACH"].contains(finding.id) && finding.severity == "WARN"
            && finding.finding == "client x509-based authentication prevents this from being tested"
    }

    /// Starts the demo (with `tls_minimum` when given), scans its operator port, returns the
    /// findings of testssl.sh's JSON file.
    func scan(tlsMinimum: String?) throws -> [Finding] {
        guard let testssl = ["/usr/bin/testssl", "/usr/bin/testssl.sh"].first(where: FileManager.default.isExecutableFile(atPath:))
        else { throw XCTSkip("testssl.sh is not installed (apt-get install testssl.sh)") }
        var daemon = try Daemon()
        defer { daemon.remove() }
        if let tlsMinimum {
            try daemon.setServer("tls_minimum = \"\(tlsMinimum)\"")
            daemon = try daemon.restart()
        }
        let report = daemon.folder.appendingPathComponent("testssl.json").path
        let result = try runProgram(testssl, ["--quiet", "--warnings", "off", "--color", "0", "-p", "-s", "-E", "-U",
                                              "--jsonfile", report, "127.0.0.1:\(daemon.port)"], holdOpen: 0, timeout: 300)
        let data = try Data(contentsOf: URL(fileURLWithPath: report))
        let findings = try JSONDecoder().decode([Finding].self, from: data)
        print("testssl: tls_minimum \(tlsMinimum ?? "default"): \(findings.count) findings, exit \(result.status)")
        return findings
    }
}
