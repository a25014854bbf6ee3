import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RemitClient
import RemitProtocol
import XCTest

/// `deploy/`: the systemd units as systemd reads them, install.sh into a folder of its own run
/// twice and undone, and the alerts and dashboard against the metrics the real daemon serves.
final class DeployTests: XCTestCase {
    static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../deploy").standardized
    static let binaries = Bundle.main.bundleURL

    func tool(_ name: String) throws -> String {
        for folder in ["/usr/bin", "/bin", "/usr/sbin"] where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
        if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("\(name) is not installed") }
        throw XCTSkip("\(name) is not installed")
    }

    func testTheUnitsPassSystemdAnalyzeVerifyAndSecurity() throws {
        let analyze = try tool("systemd-analyze")
        // verify wants ExecStart's binary to exist: the units as installed, pointing at this build.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let units = ["remitd.service", "remitd-backup.service", "remitd-backup.timer"]
        for unit in units {
            let text = try String(contentsOf: Self.deploy.appendingPathComponent(unit), encoding: .utf8)
                .replacingOccurrences(of: "/usr/local/bin/", with: Self.binaries.path + "/")
            try text.write(to: folder.appendingPathComponent(unit), atomically: true, encoding: .utf8)
        }
        let verify = try runProgram(analyze, ["verify", "--man=no"] + units.map { folder.appendingPathComponent($0).path }, holdOpen: 0, timeout: 60)
        XCTAssertEqual(verify.status, 0, verify.err)
        // systemd-analyze exits 0 on warnings too: any output is a failure.
        XCTAssertEqual(String(decoding: verify.out, as: UTF8.self) + verify.err, "", "systemd-analyze verify printed warnings")

        for (unit, bound) in [("remitd.service", 2.0), ("remitd-backup.service", 2.0)] {
            let security = try runProgram(analyze, ["security", "--offline=true", "--no-pager", folder.appendingPathComponent(unit).path],
                                          holdOpen: 0, timeout: 60)
            let text = String(decoding: security.out, as: UTF8.self)
            let line = try XCTUnwrap(text.split(separator: "\n").last { $0.contains("Overall exposure level") }, text + security.err)
            let level = try XCTUnwrap(line.split(separator: " ").compactMap { Double($0) }.first, String(line))
            XCTAssertLessThanOrEqual(level, bound, "\(unit): \(line)")
        }
    }

    func testInstallTwiceIsHarmlessAndUninstallRemovesWhatItAdded() throws {
        _ = try tool("systemd-sysusers")
        _ = try tool("systemd-tmpfiles")
        guard getuid() == 0 else { throw XCTSkip("systemd-sysusers --root and chown need root") }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let script = Self.deploy.appendingPathComponent("install.sh").path
        func install(_ more: [String] = []) throws -> String {
            let result = try runProgram("/bin/bash", [script, "--root", root.path, "--no-build", "--bin-dir", Self.binaries.path] + more,
                                        holdOpen: 0, timeout: 120)
            XCTAssertEqual(result.status, 0, result.err)
            return String(decoding: result.out, as: UTF8.self)
        }
        /// Every file under the root with its mode, owner and SHA-256.
        func tree() throws -> [String: String] {
            var files: [String: String] = [:]
            let enumerator = FileManager.default.enumerator(atPath: root.path)!
            while let relative = enumerator.nextObject() as? String {
                let path = root.appendingPathComponent(relative).path
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                let mode = String((attributes[.posixPermissions] as? Int) ?? 0, radix: 8)
                let owner = "\(attributes[.ownerAccountID] ?? "?"):\(attributes[.groupOwnerAccountID] ?? "?")"
                let isFile = attributes[.type] as? FileAttributeType == .typeRegular
                let digest = isFile ? SHA256.hash(data: FileManager.default.contents(atPath: path)!).description : "folder"
                files[relative] = "\(mode) \(owner) \(isFile ? digest : "folder")"
            }
            return files
        }

        let first = try install()
        XCTAssertTrue(first.contains("installed the example configuration as /etc/remitd/remitd.toml"), first)
        let passwd = try String(contentsOfFile: root.appendingPathComponent("etc/passwd").path, encoding: .utf8)
        XCTAssertTrue(passwd.contains("remitd:x:"), passwd)
        let once = try tree()
        for path in ["usr/local/bin/remitd", "usr/local/bin/remitctl", "etc/systemd/system/remitd.service",
                     "etc/systemd/system/remitd-backup.timer", "etc/sysusers.d/remitd.conf", "etc/tmpfiles.d/remitd.conf",
                     "usr/local/share/doc/remitd/operations.md", "usr/local/share/doc/remitd/prometheus-alerts.yml",
                     "usr/local/share/bash-completion/completions/remitctl", "etc/remitd/remitd.toml"] {
            XCTAssertNotNil(once[path], path)
        }
        XCTAssertTrue(once["etc/remitd/credentials"]?.hasPrefix("700 0:0 ") == true, once["etc/remitd/credentials"] ?? "absent")
        XCTAssertTrue(once["var/backups/remitd"]?.hasPrefix("750 ") == true, once["var/backups/remitd"] ?? "absent")
        XCTAssertTrue(once["etc/remitd/remitd.toml"]?.hasPrefix("640 0:") == true, once["etc/remitd/remitd.toml"] ?? "absent")

        // Twice: the same tree, and the configuration left as it is.
        let second = try install()
        XCTAssertTrue(second.contains("kept /etc/remitd/remitd.toml as it is"), second)
        XCTAssertEqual(try tree(), once)

        // An edited configuration survives the uninstall; everything installed goes.
        let config = root.appendingPathComponent("etc/remitd/remitd.toml")
        try (String(contentsOf: config, encoding: .utf8) + "# edited\n").write(to: config, atomically: true, encoding: .utf8)
        let removed = try install(["--uninstall"])
        XCTAssertTrue(removed.contains("kept /etc/remitd/remitd.toml (edited)"), removed)
        let after = try tree()
        for (path, entry) in once where !entry.hasSuffix("folder") && path.hasPrefix("usr/local/") || path.hasPrefix("etc/systemd/system/remitd")
            || !entry.hasSuffix("folder") && path.hasSuffix("remitd.conf") {
            XCTAssertNil(after[path], "\(path) was left behind")
        }
        XCTAssertNotNil(after["etc/remitd/remitd.toml"])
        XCTAssertEqual(try install(["--uninstall"]), "install.sh: nothing to remove (/usr/local/share/remitd/installed-files is absent)\n")
        let unknown = try runProgram("/bin/bash", [script, "--root", root.path, "--bogus"], holdOpen: 0)
        XCTAssertEqual(unknown.status, 64, unknown.err)
        let relative = try runProgram("/bin/bash", [script, "--root", root.path, "--prefix", "usr", "--no-build"], holdOpen: 0)
        XCTAssertEqual(relative.status, 64, relative.err)
    }

    func testTheAlertsAndTheDashboardNameOnlyMetricsTheDaemonServes() async throws {
        let daemon = try Daemon()
        defer { daemon.remove() }
        // A paid transfer, so that the partner and commit metrics have samples.
        let client = try await daemon.connect()
        let id = ID128.random()
        let result = try await client.submit([GatewayTests.transfer(id)])[0]
        XCTAssertEqual(result.errorCode, .none)
        _ = try await final(id, client, seconds: 30)
        try await client.close()
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(daemon.adminPort)/metrics")!)
        let served = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(served.contains("remit_certificate_expiry_timestamp_seconds{certificate=\"server\"}"), served)
        XCTAssertTrue(served.contains("remit_certificate_expiry_timestamp_seconds{certificate=\"operator_ca\"}"), served)
        var names = Set<String>()
        for line in served.split(separator: "\n") where !line.hasPrefix("#") {
            let name = line.prefix { $0 != "{" && $0 != " " }
            names.insert(String(name))
        }

        let alerts = try String(contentsOf: Self.deploy.appendingPathComponent("prometheus-alerts.yml"), encoding: .utf8)
        let dashboard = try Data(contentsOf: Self.deploy.appendingPathComponent("grafana-dashboard.json"))
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: dashboard) as? [String: Any])
        let panels = try XCTUnwrap(parsed["panels"] as? [[String: Any]])
        let expressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        XCTAssertGreaterThanOrEqual(expressions.count, 12)
        let metricsSource = try String(contentsOf: Self.deploy.appendingPathComponent("../Sources/RemitGateway/Server/GatewayMetrics.swift"),
                                       encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: "remit_[a-z_]+")
        for (file, text) in [("prometheus-alerts.yml", alerts), ("grafana-dashboard.json", expressions.joined(separator: "\n"))] {
            let used = Set(pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) })
            XCTAssertGreaterThanOrEqual(used.count, 8, file)
            for name in used where !names.contains(name) {
                // A labelled counter appears at its first sample: callbacks come only from partners
                // configured to send them, which the demo's are not.
                XCTAssertTrue(name == "remit_callbacks_total" && metricsSource.contains("\"\(name)\""),
                              "\(file) uses \(name), which remitd does not serve")
            }
        }
        // Each alert says what it is about and where the runbook says what to do.
        let runbook = try String(contentsOf: Self.deploy.appendingPathComponent("../docs/operations.md"), encoding: .utf8)
        let anchors = Set(runbook.split(separator: "\n").filter { $0.hasPrefix("## ") }.map {
            $0.dropFirst(3).lowercased().replacingOccurrences(of: " ", with: "-").filter { $0.isLetter || $0.isNumber || $0 == "-" }
        })
        for line in alerts.split(separator: "\n") where line.contains("runbook:") {
            let anchor = line.split(separator: "#").last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) } ?? ""
            XCTAssertTrue(anchors.contains(anchor), "\(line): no section \(anchor) in operations.md (\(anchors.sorted()))")
        }
    }

    func testCheckReadsTheExampleAndANewerLedgerIsRefusedInPlainWords() throws {
        let remitd = Self.binaries.appendingPathComponent("remitd").path
        let example = Self.deploy.appendingPathComponent("remitd.toml").path
        let checked = try runProgram(remitd, ["--config", example, "--check"], holdOpen: 0)
        XCTAssertEqual(checked.status, 0, checked.err)
        XCTAssertEqual(String(decoding: checked.out, as: UTF8.self), "\(example): valid\n")
        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString.prefix(8)).toml").path
        defer { try? FileManager.default.removeItem(atPath: broken) }
        try String(contentsOfFile: example, encoding: .utf8).replacingOccurrences(of: "margin_bps = 100", with: "margin_bps = 100000")
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let refused = try runProgram(remitd, ["--config", broken, "--check"], holdOpen: 0)
        XCTAssertEqual(refused.status, 78)
        XCTAssertTrue(refused.err.contains("corridor[0].margin_bps"), refused.err)
        XCTAssertEqual(try runProgram(remitd, ["--demo", "--check"], holdOpen: 0).status, 64)

        // A ledger a later version wrote: the daemon and remitctl refuse it and say what to do.
        let daemon = try Daemon()
        defer { daemon.remove() }
        XCTAssertEqual(daemon.stop(), 0)
        let python = try runProgram("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("INSERT INTO grdb_migrations (identifier) VALUES ('v99: from a later version')")
            db.commit()
            """, daemon.path("ledger.sqlite")], holdOpen: 0)
        XCTAssertEqual(python.status, 0, python.err)
        let words = "was written by a newer version of the gateway: upgrade this one first"
        XCTAssertThrowsError(try daemon.restart()) { error in
            XCTAssertTrue("\(error)".contains(words), "\(error)")
        }
        let status = try daemon.remitctl(["verify"])
        XCTAssertEqual(status.status, 66)
        XCTAssertTrue(status.err.contains(words), status.err)
    }

    /// systemd runs remitd as its own user: nothing on the serving path may need root. (Setting
    /// TCP_NODELAY at the socket level set SO_DEBUG instead, which needs CAP_NET_ADMIN: as root
    /// it passed unnoticed; as any other user the first connection stopped the daemon.)
    func testRemitdServesOperatorsAsAnUnprivilegedUser() async throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") else {
            throw XCTSkip("needs root and runuser to start remitd as another user")
        }
        let probe = try runProgram("/usr/sbin/runuser", ["-u", "nobody", "--", "/usr/bin/test", "-x", Daemon.binary.path], holdOpen: 0)
        guard probe.status == 0 else { throw XCTSkip("the user nobody cannot run \(Daemon.binary.path) here") }
        let daemon = try Daemon(user: "nobody")
        defer { daemon.remove() }
        for _ in 0..<3 {
            let client = try await daemon.connect()
            let id = ID128.random()
            let result = try await client.submit([GatewayTests.transfer(id)])[0]
            XCTAssertEqual(result.errorCode, .none)
            try await client.close()
        }
        let status = try daemon.remitctl(["status"])
        XCTAssertEqual(status.status, 0, status.err)
        XCTAssertTrue(daemon.process.isRunning, daemon.stderr)
        // runuser passes SIGTERM on and then ends by the same signal; remitd's own log says how it went.
        daemon.stop()
        XCTAssertTrue(daemon.stderr.contains("[RemitGateway] stopped"), daemon.stderr)
    }

    /// A service that cannot start (its port taken) stops remitd with exit 70 and the reason, at
    /// once: the other services end when the group is cancelled, rather than wait for a signal.
    func testAPortInUseStopsRemitdAtOnceWithTheAddress() throws {
        let (fd, port) = try boundLoopbackSocket()
        defer { close(fd) }
        XCTAssertEqual(listen(fd, 1), 0)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("remitd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for flag in ["--admin-listen", "--listen"] {
            let process = Process()
            process.executableURL = Daemon.binary
            process.currentDirectoryURL = folder
            let other = flag == "--listen" ? "--admin-listen" : "--listen"
            process.arguments = ["--demo", flag, "127.0.0.1:\(port)", other, "127.0.0.1:0"]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                XCTFail("\(flag): remitd was still running 20 s after its port was refused")
                continue
            }
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            XCTAssertEqual(process.terminationStatus, 70, text)
            XCTAssertTrue(text.contains("127.0.0.1:\(port)") && text.contains("Address already in use"), "\(flag): \(text)")
        }
    }
}
