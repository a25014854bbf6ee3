import Foundation
import NIOCore
import RemitClient
import RemitProtocol
import XCTest

/// The real remitd binary, started on the demo defaults in a fresh folder with ephemeral ports,
/// as an operations person would start it. `stop()` sends SIGTERM and returns the exit status.
final class Daemon: @unchecked Sendable {
    let folder: URL
    let process = Process()
    private(set) var port = 0
    private(set) var adminPort = 0
    /// The callback endpoint's port, when the configuration has one.
    private(set) var callbackPort = 0
    private let output = Pipe()
    private let errors = Pipe()
    private let errorText = LockedText()

    static var binary: URL { Bundle.main.bundleURL.appendingPathComponent("remitd") }

    /// Starts `remitd` with `arguments` (default: the demo in a new folder) and waits for its
    /// ready line.
    /// `user`: run as that user through runuser (the test runs as root), as systemd's `User=` would.
    init(folder: URL? = nil, arguments: [String]? = nil, environment: [String: String] = [:], user: String? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            throw XCTSkip("remitd not built at \(Self.binary.path)")
        }
        self.folder = folder ?? FileManager.default.temporaryDirectory.appendingPathComponent("remitd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.folder, withIntermediateDirectories: true)
        process.currentDirectoryURL = self.folder
        let arguments = arguments ?? ["--demo", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"]
        if let user {
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: self.folder.path)
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", user, "--", Self.binary.path] + arguments
        } else {
            process.executableURL = Self.binary
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        let errorText = self.errorText
        errors.fileHandleForReading.readabilityHandler = { handle in errorText.append(handle.availableData) }
        try process.run()
        try waitUntilReady()
    }

    private func waitUntilReady() throws {
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty {
                guard process.isRunning else { break }
                continue
            }
            text += String(decoding: data, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("remitd ready:") }) {
                let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
                (port, adminPort) = (numbers[0], numbers[1])
                if numbers.count > 2 { callbackPort = numbers[2] }
                return
            }
        }
        process.terminate()
        throw DaemonError("remitd did not become ready: \(text)\n\(errorText.text)")
    }

    var stderr: String { errorText.text }

    var configurationPath: String { path("remitd.toml") }

    /// Rewrites the demo's configuration file.
    func editConfiguration(_ transform: (String) -> String) throws {
        let text = try String(contentsOfFile: configurationPath, encoding: .utf8)
        let edited = transform(text)
        precondition(edited != text, "the edit changed nothing")
        try edited.write(toFile: configurationPath, atomically: true, encoding: .utf8)
    }

    /// Adds `lines` to the demo's MPESA-KE partner (replacing its latency when they set one),
    /// and `sections` at the end.
    func setWalletPartner(_ lines: String, sections: String = "") throws {
        try editConfiguration {
            $0.replacingOccurrences(of: "priority = 1\nlatency_ms = 150\n\n[[partner]]\nid = \"KMFI\"",
                                    with: "priority = 1\n\(lines.contains("latency_ms") ? "" : "latency_ms = 150\n")\(lines)\n\n[[partner]]\nid = \"KMFI\"")
                + sections
        }
    }

    /// Adds `lines` to the [server] table.
    func setServer(_ lines: String) throws {
        try editConfiguration { $0.replacingOccurrences(of: "name = \"remitd demo\"\n", with: "name = \"remitd demo\"\n\(lines)\n") }
    }

    /// SIGHUP, then waits for the daemon to log the outcome; true if the new configuration took.
    func reload() throws -> Bool {
        let before = stderr.components(separatedBy: "configuration ").count
        kill(process.processIdentifier, SIGHUP)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let text = stderr
            if text.components(separatedBy: "configuration ").count > before {
                return text.split(separator: "\n").last(where: { $0.contains("configuration ") })!.contains("configuration reloaded")
            }
            usleep(20_000)
        }
        throw DaemonError("no reload logged: \(stderr)")
    }

    /// Runs remitctl against this daemon's state folder.
    func remitctl(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let result = try runProgram(Bundle.main.bundleURL.appendingPathComponent("remitctl").path,
                                    arguments + ["--state-dir", stateDir.path], holdOpen: 0)
        return (result.status, String(decoding: result.out, as: UTF8.self), result.err)
    }

    /// An operator's prefund in minor units (the trial balance's normal terms: what the gateway
    /// owes the operator), read from the ledger by remitctl.
    func prefund(_ operatorId: String) throws -> Int64 {
        let result = try remitctl(["trial-balance", "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]
        let accounts = report?["accounts"] as? [[String: Any]] ?? []
        guard let line = accounts.first(where: { ($0["account"] as? String)?.hasPrefix("operator/\(operatorId)/prefund/") == true }),
              let minor = (line["balanceMinor"] as? NSNumber)?.int64Value
        else { throw DaemonError("no prefund for \(operatorId) in the trial balance: \(result.out) \(result.err)") }
        return minor
    }

    /// A demo daemon whose payouts are paused, so that accepted transfers stay accepted.
    static func withPayoutsPaused() throws -> Daemon {
        let first = try Daemon()
        try first.editConfiguration { $0 + "\n[payouts]\nenabled = false\n" }
        return try first.restart()
    }

    /// Stops this daemon and starts it again on the same folder (the demo reuses its configuration).
    func restart(environment: [String: String] = [:]) throws -> Daemon {
        stop()
        return try Daemon(folder: folder, environment: environment)
    }
    var stateDir: URL { folder.appendingPathComponent(".remit-demo") }

    func path(_ name: String) -> String { stateDir.appendingPathComponent(name).path }

    func clientConfiguration(_ operatorId: String = "ACME", requestTimeout: TimeAmount = .seconds(20)) -> RemitClientConfiguration {
        RemitClientConfiguration(
            host: "127.0.0.1", port: port, serverHostname: "localhost",
            certificateChainPath: path("operators/\(operatorId).pem"), privateKeyPath: path("operators/\(operatorId).key"),
            trustRootsPath: path("ca.pem"), clientName: "remitd-tests/1", connectTimeout: .seconds(5),
            requestTimeout: requestTimeout)
    }

    func connect(_ operatorId: String = "ACME") async throws -> RemitClient {
        try await RemitClient.connect(clientConfiguration(operatorId))
    }

    /// SIGTERM, then the exit status (waiting at most `timeout` seconds before SIGKILL).
    @discardableResult
    func stop(timeout: TimeInterval = 20) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return -9
        }
        return process.terminationStatus
    }

    /// SIGKILL: no draining, no flush, as a power cut or the OOM killer would stop it.
    func crash() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func remove() {
        stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

struct DaemonError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

final class LockedText: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func append(_ more: Data) {
        lock.lock()
        data.append(more)
        lock.unlock()
    }

    var bytes: Data {
        lock.lock()
        defer { lock.unlock() }
        return data
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Runs a program to its end with a time limit, feeding `input` and keeping stdin open for
/// `holdOpen` seconds (openssl s_client reports a TLS 1.3 refusal only after the server's alert).
func runProgram(_ path: String, _ arguments: [String], input: Data = Data(), holdOpen: TimeInterval = 1.5,
                timeout: TimeInterval = 20) throws -> (status: Int32, out: Data, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    // Each pipe is read to its end on a thread of its own: a readability handler removed when
    // the process exits may leave the last of its output unread in the pipe.
    let out = LockedText(), err = LockedText()
    let drained = DispatchGroup()
    for (pipe, text) in [(stdout, out), (stderr, err)] {
        drained.enter()
        Thread.detachNewThread {
            text.append(pipe.fileHandleForReading.readDataToEndOfFile())
            drained.leave()
        }
    }
    try process.run()
    stdin.fileHandleForWriting.write(input)
    Thread.sleep(forTimeInterval: holdOpen)
    try? stdin.fileHandleForWriting.close()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    if drained.wait(timeout: .now() + 5) == .timedOut {
        throw DaemonError("\(path): its output was not closed 5 s after it exited")
    }
    return (process.terminationStatus, out.bytes, err.text)
}
