import Foundation
import RemitGateway
import XCTest

/// Changes go through the admin socket, which only the service's user and group can open;
/// remitctl uses it while the daemon runs.
final class AdminSocketTests: XCTestCase {
    var daemon: Daemon!

    override func setUpWithError() throws {
        daemon = try Daemon()
    }

    override func tearDown() {
        daemon?.remove()
    }

    var remitctl: String { Bundle.main.bundleURL.appendingPathComponent("remitctl").path }

    func testFundingAndWithdrawingThroughRemitctl() throws {
        let socket = daemon.path("admin.sock")
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(20_000) }
        let attributes = try FileManager.default.attributesOfItem(atPath: socket)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o660)

        let funded = try runProgram(remitctl, ["operators", "fund", "ACME", "--amount", "2500.00", "--reference", "wire 42",
                                               "--state-dir", daemon.stateDir.path, "--json"], holdOpen: 0)
        XCTAssertEqual(funded.status, 0, funded.err)
        let response = try JSONDecoder().decode(AdminResponse.self, from: funded.out)
        XCTAssertTrue(response.ok)
        XCTAssertEqual(response.balance, "1002500.00")
        XCTAssertEqual(response.currency, "USD")

        let withdrawn = try runProgram(remitctl, ["operators", "withdraw", "ACME", "--amount", "500", "--reference", "return 7",
                                                  "--state-dir", daemon.stateDir.path], holdOpen: 0)
        XCTAssertEqual(withdrawn.status, 0, withdrawn.err)
        XCTAssertTrue(String(decoding: withdrawn.out, as: UTF8.self).contains("prefund now USD 1002000.00"))

        let tooMuch = try runProgram(remitctl, ["operators", "withdraw", "ACME", "--amount", "9999999", "--reference", "x",
                                                "--state-dir", daemon.stateDir.path], holdOpen: 0)
        XCTAssertEqual(tooMuch.status, 1)
        XCTAssertTrue(tooMuch.err.contains("belowFloor"), tooMuch.err)

        let client = AdminSocketClient(path: socket)
        XCTAssertEqual(try client.send(AdminRequest(command: "fund", operator: "NOPE", amount: "1", reference: "x")).error,
                       "operator NOPE is not configured")
        XCTAssertTrue(try client.send(AdminRequest(command: "fund", operator: "ACME", amount: "1.001", reference: "x"))
            .error?.contains("at most 2 decimals") == true)
        XCTAssertTrue(try client.send(AdminRequest(command: "fund", operator: "ACME", amount: "1")).error?
            .contains("reference is required") == true)
        XCTAssertTrue(try client.send(AdminRequest(command: "launch")).error?.contains("unknown command") == true)
    }

    func testWithoutADaemonRemitctlSaysSoAndExits69() throws {
        daemon.stop()
        let result = try runProgram(remitctl, ["operators", "fund", "ACME", "--amount", "1", "--reference", "x",
                                               "--state-dir", daemon.stateDir.path], holdOpen: 0)
        XCTAssertEqual(result.status, 69)
        XCTAssertTrue(result.err.contains("is remitd running?"), result.err)
    }
}
