import Foundation
import RemitGateway
import RemitLedger
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

    /// The project commands name the field at fault, and a refusal is on the audit log.
    func testProjectRequestsAreChecked() throws {
        let socket = daemon.path("admin.sock")
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(20_000) }
        let client = AdminSocketClient(path: socket)
        func error(_ command: String, _ project: ProjectRequest, amount: String? = nil, reference: String? = nil,
                   evidence: String? = nil, operator: String? = nil) throws -> String {
            try client.send(AdminRequest(command: command, operator: `operator`, amount: amount, reference: reference,
                                         evidence: evidence, project: project)).error ?? "(accepted)"
        }
        XCTAssertEqual(try error("association-register", ProjectRequest(association: "HTA", name: "A", country: "KE"),
                                 operator: "NOPE"), "operator NOPE is not configured")
        XCTAssertEqual(try error("association-register", ProjectRequest(association: "HTA", country: "KE"), operator: "ACME"),
                       "project.name is required")
        XCTAssertEqual(try error("association-register", ProjectRequest(association: "H/TA", name: "A", country: "KE"),
                                 operator: "ACME"), "refused by the ledger: invalid association id")
        let open = ProjectRequest(id: "WELL", association: "HTA", title: "Well", currency: "KES", target: "1000.00",
                                  partner: "KMFI", institution: "KMFI", account: "W-1", deadline: "2099-01-01T00:00:00Z",
                                  milestones: [.init(description: "All", amount: "1000.00")])
        XCTAssertEqual(try error("project-open", open), "refused by the ledger: no association HTA")
        XCTAssertEqual(try error("association-register", ProjectRequest(association: "HTA", name: "Kisumu", country: "KE"),
                                 operator: "ACME"), "(accepted)")
        var bad = open
        bad.currency = "XYZ"
        XCTAssertTrue(try error("project-open", bad).contains("ISO 4217"))
        bad = open
        bad.target = "10.001"
        XCTAssertTrue(try error("project-open", bad).contains("project.target must be a positive amount in KES"))
        bad = open
        bad.deadline = "next year"
        XCTAssertTrue(try error("project-open", bad).contains("project.deadline must be a UTC time"))
        bad = open
        bad.policy = "keep"
        XCTAssertEqual(try error("project-open", bad), "project.policy must be full or amount")
        XCTAssertEqual(try error("project-open", open), "(accepted)")
        XCTAssertEqual(try error("sponsor-register", ProjectRequest(sponsor: "COUNTY", name: "County")), "(accepted)")
        XCTAssertTrue(try error("sponsor-fund", ProjectRequest(sponsor: "COUNTY", currency: "KES"), amount: "10.00")
            .contains("reference is required"))
        for ratio in ["", "one", "1.0000001", "-1", "1001"] {
            XCTAssertTrue(try error("project-sponsor", ProjectRequest(id: "WELL", sponsor: "COUNTY", ratio: ratio, projectCap: "1.00",
                                                                      contributorCap: "1.00")).contains("project.ratio"), ratio)
        }
        XCTAssertEqual(try error("project-sponsor", ProjectRequest(id: "WELL", sponsor: "COUNTY", ratio: "0.5", projectCap: "1.00",
                                                                   contributorCap: "1.00")), "(accepted)")
        XCTAssertTrue(try error("project-disburse", ProjectRequest(id: "WELL", milestone: 1)).contains("evidence is required"))
        XCTAssertEqual(try error("project-disburse", ProjectRequest(id: "WELL", milestone: 1), evidence: "early"),
                       "refused by the ledger: project WELL is open")
        let ledger = try Ledger.openForReading(path: daemon.path("ledger.sqlite"))
        let refused = try ledger.audit(limit: 100).filter { $0.action == "project-disburse" }
        XCTAssertEqual(refused.count, 1, "a refusal that reached the ledger is logged")
    }

    /// record-statement (what remitctl reconcile sends last) checks what it puts on the audit log.
    func testAStatementRecordIsChecked() throws {
        let socket = daemon.path("admin.sock")
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(20_000) }
        let client = AdminSocketClient(path: socket)
        let digest = String(repeating: "ab", count: 32)
        func error(_ request: AdminRequest) throws -> String { try client.send(request).error ?? "" }
        XCTAssertTrue(try error(AdminRequest(command: "record-statement", reference: "s.csv", partner: "NOPE", digest: digest))
            .contains("partner NOPE is not configured"))
        for bad in [nil, "ab", String(repeating: "AB", count: 32), String(repeating: "g", count: 64)] {
            XCTAssertTrue(try error(AdminRequest(command: "record-statement", reference: "s.csv", partner: "KMFI", digest: bad))
                .contains("digest must be"), bad ?? "nil")
        }
        XCTAssertTrue(try error(AdminRequest(command: "record-statement", partner: "KMFI", digest: digest)).contains("reference is required"))
        XCTAssertTrue(try error(AdminRequest(command: "record-statement", reference: String(repeating: "s", count: 201), partner: "KMFI",
                                             digest: digest)).contains("reference is required"))
        XCTAssertTrue(try error(AdminRequest(command: "record-statement", reference: "s.csv", partner: "KMFI",
                                             evidence: String(repeating: "e", count: 1_001), digest: digest)).contains("at most 1,000 bytes"))
        XCTAssertTrue(try client.send(AdminRequest(command: "record-statement", reference: "s.csv", partner: "KMFI",
                                                   evidence: "3 lines", digest: digest)).ok)
        let ledger = try Ledger.openForReading(path: daemon.path("ledger.sqlite"))
        let recorded = try ledger.audit(action: "reconcile", detailContaining: "sha256 \(digest)")
        XCTAssertEqual(recorded.map(\.subject), ["partner KMFI statement s.csv"])
        XCTAssertEqual(recorded.first?.detail, "sha256 \(digest); 3 lines")
    }

    /// Every change made through the admin socket, and every refused attempt that reached the
    /// ledger, is on the audit log with the user the kernel names for the socket's peer; the
    /// chain verifies.
    func testAdminActionsAreOnTheAuditLogWithTheirActorAndOutcome() throws {
        let socket = daemon.path("admin.sock")
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(20_000) }
        XCTAssertEqual(try daemon.remitctl(["operators", "fund", "ACME", "--amount", "2500.00", "--reference", "wire 42"]).status, 0)
        XCTAssertEqual(try daemon.remitctl(["operators", "withdraw", "ACME", "--amount", "9999999", "--reference", "x"]).status, 1)
        XCTAssertEqual(try daemon.remitctl(["partners", "disable", "KMFI"]).status, 0)
        XCTAssertEqual(try daemon.remitctl(["partners", "enable", "KMFI"]).status, 0)

        let listed = try daemon.remitctl(["audit", "--json"])
        XCTAssertEqual(listed.status, 0, listed.err)
        let lines = try JSONDecoder().decode([AuditLine].self, from: Data(listed.out.utf8))
        XCTAssertEqual(lines.map(\.action), ["fund", "withdraw", "partner-disable", "partner-enable"])
        XCTAssertEqual(lines.map(\.subject), ["operator ACME", "operator ACME", "partner KMFI", "partner KMFI"])
        XCTAssertEqual(lines[0].detail, "USD 2500.00 reference wire 42")
        XCTAssertEqual(lines[0].outcome, "done")
        XCTAssertTrue(lines[1].outcome.hasPrefix("refused: belowFloor"), lines[1].outcome)
        let uid = getuid()
        for line in lines { XCTAssertTrue(line.actor.hasPrefix("admin uid \(uid) "), line.actor) }

        let table = try daemon.remitctl(["audit"])
        XCTAssertTrue(table.out.contains("partner-disable"), table.out)
        let verified = try daemon.remitctl(["verify"])
        XCTAssertEqual(verified.status, 0, verified.out)
        XCTAssertTrue(verified.out.contains("4 audit lines"), verified.out)
    }

    /// A second remitd started on the same ledger by mistake is refused before it opens a socket,
    /// migrates or dispatches: exit 75 naming the first one's pid. It used to start its payout
    /// dispatcher and take over the admin socket, then fail on the busy port and remove the
    /// socket, leaving the running daemon out of remitctl's reach. The first keeps answering,
    /// and a restore refuses while it runs.
    func testASecondRemitdOnTheSameLedgerIsRefusedAndTheFirstKeepsItsAdminSocket() throws {
        let second = try runProgram(Daemon.binary.path, ["--demo", "--state-dir", daemon.stateDir.path,
                                                         "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"], holdOpen: 0)
        XCTAssertEqual(second.status, 75, second.err)
        XCTAssertTrue(second.err.contains("is open for writing by another process (pid \(daemon.process.processIdentifier))"),
                      second.err)
        XCTAssertFalse(second.err.contains("payout dispatcher started"), second.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: daemon.path("admin.sock")))
        let status = try daemon.remitctl(["status"])
        XCTAssertEqual(status.status, 0, status.err)
        let backup = daemon.folder.appendingPathComponent("copy.sqlite").path
        XCTAssertEqual(try daemon.remitctl(["backup", backup]).status, 0)
        // Even with its admin socket gone, the running daemon's lock keeps a restore out.
        try FileManager.default.moveItem(atPath: daemon.path("admin.sock"), toPath: daemon.path("admin.sock.moved"))
        let restore = try daemon.remitctl(["restore", backup])
        XCTAssertEqual(restore.status, 75, restore.err)
        XCTAssertTrue(restore.err.contains("is open for writing (pid \(daemon.process.processIdentifier))"), restore.err)
        try FileManager.default.moveItem(atPath: daemon.path("admin.sock.moved"), toPath: daemon.path("admin.sock"))
    }

    /// A second remitd on a ledger of its own but configured with the first one's admin socket
    /// fails to start rather than replace a socket that another process serves.
    func testASecondRemitdDoesNotTakeOverALiveAdminSocket() throws {
        let second = daemon.path("second.toml")
        let text = try String(contentsOfFile: daemon.configurationPath, encoding: .utf8)
        let edited = text.replacingOccurrences(of: "path = \"ledger.sqlite\"", with: "path = \"second.sqlite\"")
        XCTAssertNotEqual(edited, text)
        try edited.write(toFile: second, atomically: true, encoding: .utf8)
        let result = try runProgram(Daemon.binary.path, ["--config", second, "--listen", "127.0.0.1:0",
                                                         "--admin-listen", "127.0.0.1:0"], holdOpen: 0)
        XCTAssertEqual(result.status, 70, result.err)
        XCTAssertTrue(result.err.contains("another process serves the admin socket \(daemon.path("admin.sock"))"), result.err)
        let status = try daemon.remitctl(["status"])
        XCTAssertEqual(status.status, 0, status.err)
    }

    func testWithoutADaemonRemitctlSaysSoAndExits69() throws {
        daemon.stop()
        let result = try runProgram(remitctl, ["operators", "fund", "ACME", "--amount", "1", "--reference", "x",
                                               "--state-dir", daemon.stateDir.path], holdOpen: 0)
        XCTAssertEqual(result.status, 69)
        XCTAssertTrue(result.err.contains("is remitd running?"), result.err)
    }
}

/// The demo end to end as its directions say: remitctl finds ./.remit-demo by itself.
final class DemoTests: XCTestCase {
    func testSendListShowAndASecondStartThatReusesTheFolder() throws {
        var daemon = try Daemon(arguments: ["--demo", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
        defer { daemon.remove() }
        let remitctl = Bundle.main.bundleURL.appendingPathComponent("remitctl").path
        func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: remitctl)
            process.arguments = arguments
            process.currentDirectoryURL = daemon.folder
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let output = out.fileHandleForReading.readDataToEndOfFile()
            let errors = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
        }
        // The demo configuration names port 7443; this daemon listens on an ephemeral one.
        let gateway = "127.0.0.1:\(daemon.port)"
        let sent = try run(["send", "--demo", "--gateway", gateway, "--amount", "100.00", "--currency", "USD", "--to", "KE",
                            "--json"])
        XCTAssertEqual(sent.status, 0, sent.err)
        let result = try JSONSerialization.jsonObject(with: Data(sent.out.utf8)) as! [String: Any]
        XCTAssertEqual(result["state"] as? String, "ACCEPTED")
        XCTAssertEqual(result["payoutAmount"] as? Int, 1_281_555)
        let id = try XCTUnwrap(result["id"] as? String)

        let refused = try run(["send", "--demo", "--gateway", gateway, "--amount", "100.00", "--currency", "USD", "--to", "PH",
                               "--leg", "savingsDeposit:10000:X"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.out.contains("2007 PRODUCT_NOT_ALLOWED"), refused.out)

        let list = try run(["transfers", "list", "--json"])
        XCTAssertEqual(list.status, 0, list.err)
        let transfers = try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as! [[String: Any]]
        XCTAssertEqual(transfers.first?["state"] as? String, "rejected")
        // The demo's simulated partners pay within moments: accepted, dispatched or already paid.
        XCTAssertTrue(["accepted", "dispatched", "paid"].contains(transfers.last?["state"] as? String ?? ""), "\(transfers)")
        let show = try run(["transfers", "show", id])
        XCTAssertTrue(show.out.contains("state      "), show.out)
        XCTAssertTrue(show.out.contains("mobileWallet"), show.out)

        // A second start reuses the folder: same certificates, same books, no second funding.
        let ca = try String(contentsOfFile: daemon.path("ca.pem"), encoding: .utf8)
        daemon = try daemon.restart()
        XCTAssertEqual(try String(contentsOfFile: daemon.path("ca.pem"), encoding: .utf8), ca)
        let again = try run(["transfers", "list", "--json"])
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(again.out.utf8)) as! [[String: Any]]).count, 2)
        let balance = try run(["trial-balance", "--json"])
        let accounts = (try JSONSerialization.jsonObject(with: Data(balance.out.utf8)) as! [String: Any])["accounts"]
            as! [[String: Any]]
        let prefund = accounts.first { $0["account"] as? String == "operator/ACME/prefund/USD" }
        XCTAssertEqual(prefund?["balance"] as? String, "999897.51", "funded once, less USD 102.49 held or paid")
        XCTAssertEqual(try run(["verify"]).status, 0)
    }
}
