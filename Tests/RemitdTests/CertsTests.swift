import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOCore
import RemitClient
import RemitProtocol
import XCTest

/// `remitctl certs` as operations would use it to put a gateway on certificates of its own: a
/// CA, the server's certificate, an operator's; the daemon serving with them; then a revocation
/// that the daemon applies at reload.
final class CertsTests: XCTestCase {
    func testACAOfItsOwnServesOperatorsAndARevocationTakesEffectAtReload() async throws {
        var daemon = try Daemon.withPayoutsPaused()
        defer { daemon.remove() }
        let ca = daemon.path("pki"), out = daemon.path("issued")
        func certs(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            let result = try runProgram(Bundle.main.bundleURL.appendingPathComponent("remitctl").path,
                                        ["certs"] + arguments + ["--dir", ca], holdOpen: 0)
            return (result.status, String(decoding: result.out, as: UTF8.self), result.err)
        }
        let created = try certs(["init-ca", "--name", "Test Operator CA"])
        XCTAssertEqual(created.status, 0, created.err)
        XCTAssertTrue(created.out.contains("CA \"Test Operator CA\" created"), created.out)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: ca + "/ca.key")[.posixPermissions] as? Int, 0o600)
        XCTAssertEqual(try certs(["init-ca"]).status, 73, "a CA is never replaced")
        // Limits: validity periods and the list's.
        XCTAssertEqual(try certs(["init-ca", "--days", "29"]).status, 64)
        XCTAssertEqual(try certs(["issue-operator", "ACME", "--days", "826", "--out", out]).status, 64)
        XCTAssertEqual(try certs(["crl", "--crl-days", "0"]).status, 64)
        XCTAssertEqual(try certs(["revoke", "0123456789", "--reason", String(repeating: "x", count: 201)]).status, 64)

        XCTAssertEqual(try certs(["issue-server", "--host", "localhost", "--ip", "127.0.0.1", "--out", out]).status, 0)
        let operatorIssued = try certs(["issue-operator", "ACME", "--out", out])
        XCTAssertEqual(operatorIssued.status, 0, operatorIssued.err)
        XCTAssertEqual(try certs(["issue-operator", "ACME", "--out", out]).status, 73, "an issued file is never replaced")
        XCTAssertEqual(try certs(["issue-operator", "AC ME", "--out", out]).status, 64)
        XCTAssertEqual(try certs(["issue-server", "--out", out]).status, 64, "a server certificate names a host or an address")
        XCTAssertEqual(try certs(["issue-server", "--ip", "300.1.1.1", "--out", out]).status, 64)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: out + "/ACME.key")[.posixPermissions] as? Int, 0o600)
        XCTAssertEqual(try runProgram(Bundle.main.bundleURL.appendingPathComponent("remitctl").path,
                                      ["certs", "list", "--dir", daemon.path("none")], holdOpen: 0).status, 66)

        let listed = try certs(["list", "--json"])
        let register = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listed.out.utf8)) as? [[String: Any]])
        XCTAssertEqual(register.map { $0["kind"] as? String }, ["server", "operator"])
        XCTAssertEqual(register.map { $0["name"] as? String }, ["localhost", "ACME"])
        XCTAssertEqual(register[1]["daysLeft"] as? Int, 396)
        let serial = try XCTUnwrap(register[1]["serial"] as? String)

        // The daemon on the new CA and server certificate, with the new CA's (empty) revocation list.
        try daemon.editConfiguration {
            $0.replacingOccurrences(of: "certificate = \"server.pem\"", with: "certificate = \"issued/server.pem\"")
                .replacingOccurrences(of: "private_key = \"server.key\"", with: "private_key = \"issued/server.key\"")
                .replacingOccurrences(of: "operator_ca = \"ca.pem\"", with: "operator_ca = \"pki/ca.pem\"\ncrl = \"operators.crl\"")
        }
        try FileManager.default.copyItem(atPath: ca + "/operators.crl", toPath: daemon.path("operators.crl"))
        daemon = try daemon.restart()
        var configuration = daemon.clientConfiguration("ACME")
        configuration.certificateChainPath = out + "/ACME.pem"
        configuration.privateKeyPath = out + "/ACME.key"
        configuration.trustRootsPath = ca + "/ca.pem"
        let client = try await RemitClient.connect(configuration)
        XCTAssertEqual(client.welcome.operatorId, "ACME")
        try await client.close()
        // The demo's own certificates chain to another CA now.
        do {
            _ = try await daemon.connect("BETA")
            XCTFail("a certificate of another CA connected")
        } catch {}

        // Revoked by the first 8 digits of its serial, the list written where remitd reads it.
        XCTAssertEqual(try certs(["revoke", "zz", "--crl", daemon.path("operators.crl")]).status, 64)
        XCTAssertEqual(try certs(["revoke", "00000000", "--crl", daemon.path("operators.crl")]).status, 1)
        let revoked = try certs(["revoke", String(serial.prefix(8)), "--reason", "key lost", "--crl", daemon.path("operators.crl")])
        XCTAssertEqual(revoked.status, 0, revoked.err)
        XCTAssertTrue(revoked.out.contains("revoked operator ACME serial \(serial)"), revoked.out)
        XCTAssertTrue(try daemon.reload(), daemon.stderr)
        do {
            _ = try await RemitClient.connect(configuration)
            XCTFail("a revoked certificate connected")
        } catch {}
        let after = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try certs(["list", "--json"]).out.utf8)) as? [[String: Any]])
        XCTAssertEqual(after[1]["revoked"] as? Bool, true)
        XCTAssertEqual(after[1]["reason"] as? String, "key lost")
        // Signed again later, the list still revokes it.
        XCTAssertEqual(try certs(["crl", "--crl", daemon.path("operators.crl"), "--crl-days", "7"]).status, 0)
        XCTAssertTrue(try daemon.reload(), daemon.stderr)
        do {
            _ = try await RemitClient.connect(configuration)
            XCTFail("a revoked certificate connected after the list was renewed")
        } catch {}

        // The certificates' dates reach the metrics the expiry alert reads.
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(daemon.adminPort)/metrics")!)
        let metrics = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(metrics.contains("remit_certificate_expiry_timestamp_seconds{certificate=\"crl_next_update\"}"), metrics)
    }
}
