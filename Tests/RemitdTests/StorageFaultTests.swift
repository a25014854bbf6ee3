import Foundation
import FoundationNetworking
import PartnerServers
import RemitClient
import RemitProtocol
import XCTest

/// Storage faults under the real daemon, each made real: a full disk (a small tmpfs filled by
/// a ballast file), I/O errors (the kernel refusing writes past a file-size limit set on the
/// running daemon), another process holding the ledger's write lock, and a ledger on a read-only
/// mount. New transfers get 9003 STORAGE_UNAVAILABLE with a retry delay and nothing of them is
/// recorded; nothing acknowledged is lost; reads go on; service resumes by itself when the fault
/// clears, and payouts through a real provider API end paid once each.
final class StorageFaultTests: XCTestCase {
    let secret = Array("storage-wallet-callback-secret-0123456789".utf8)

    func testADiskFullRefusesRetryablyLosesNothingAndResumesWhenSpaceReturns() async throws {
        let disk = try Tmpfs(megabytes: 24)
        defer { disk.remove() }
        try await underFault(folder: disk.url, inject: { _ in try disk.fill() }, clear: { _ in try disk.drain() })
    }

    /// The provider answers by callback: callbacks that arrive while the disk is full are
    /// answered 503 (send again), never "applied" unrecorded; the gateway's inquiries find those
    /// payouts once it can commit.
    func testCallbacksArrivingWhileTheDiskIsFullAreAskedAgainAndNothingIsLost() async throws {
        let disk = try Tmpfs(megabytes: 24)
        defer { disk.remove() }
        try await underFault(folder: disk.url, callbacks: true, inject: { _ in try disk.fill() }, clear: { _ in try disk.drain() })
    }

    /// A file-size limit on the running daemon (as systemd's LimitFSIZE= or `ulimit -f` would
    /// set) makes every write past 4 KiB fail with EFBIG: SQLite reports an I/O error. The
    /// daemon ignores SIGXFSZ, which would otherwise kill it mid-commit.
    func testAnIOErrorRefusesRetryablyAndResumesWhenWritesSucceedAgain() async throws {
        try await underFault(folder: nil, inject: { daemon in try Self.limitFileSize(daemon, to: "4096:unlimited") },
                             clear: { daemon in try Self.limitFileSize(daemon, to: "unlimited:unlimited") })
    }

    /// Another process holds the write lock (a sqlite3 shell left in a transaction): commits
    /// wait a quarter of a second for it, then fail.
    func testAnOutsideWriterHoldingTheLockGetsRetryableRefusalsThenServiceResumes() async throws {
        var holder: OutsideTransaction?
        try await underFault(folder: nil, inject: { daemon in holder = try OutsideTransaction(daemon.path("ledger.sqlite"), write: true) },
                             clear: { _ in holder?.end() })
    }

    /// A reader in a long transaction (a report, a backup) never stops commits: the ledger is in
    /// WAL mode.
    func testAnOutsideReaderInALongTransactionDoesNotStopCommits() async throws {
        let daemon = try Daemon()
        defer { daemon.remove() }
        let reader = try OutsideTransaction(daemon.path("ledger.sqlite"), write: false)
        defer { reader.end() }
        let client = try await daemon.connect()
        let results = try await client.submit((0..<20).map { _ in GatewayTests.transfer() })
        XCTAssertEqual(results.map(\.errorCode), Array(repeating: .none, count: 20))
        try await client.close()
    }

    /// Started on a ledger it cannot write, remitd refuses to start and names the file, rather
    /// than coming up to refuse every transfer; started again once the mount is writable (as
    /// systemd's Restart= would), it serves.
    func testALedgerOnAReadOnlyMountIsRefusedAtStartWithItsPath() async throws {
        let disk = try Tmpfs(megabytes: 24)
        defer { disk.remove() }
        var daemon = try Daemon(folder: disk.url)
        XCTAssertEqual(daemon.stop(), 0)
        try disk.remount(readOnly: true)
        let refused = try runProgram(Daemon.binary.path, ["--demo", "--state-dir", daemon.stateDir.path,
                                                           "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"], holdOpen: 0)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.err.contains("cannot be written (Read-only file system)"), refused.err)
        XCTAssertTrue(refused.err.contains(daemon.stateDir.path), refused.err)
        try disk.remount(readOnly: false)
        daemon = try Daemon(folder: disk.url)
        let client = try await daemon.connect()
        let served = try await client.submit([GatewayTests.transfer()])
        XCTAssertEqual(served.first?.errorCode, ErrorCode.none)
        try await client.close()
        XCTAssertEqual(daemon.stop(), 0)
    }

    // MARK: The scenario every runtime fault goes through

    /// Transfers are acknowledged and paid out; the fault is injected; single transfers go on
    /// until one is refused (the WAL may have room for a few commits first). While the fault
    /// holds: the refusal is 9003 with a retry delay, the refused transfer is unknown to the
    /// ledger, a whole batch is refused, reads answer, and the metrics say the ledger cannot
    /// commit. Once cleared: the refused transfer, sent again with its id, is accepted; more
    /// follow; every acknowledged transfer ends paid with its acknowledged amounts; the provider
    /// paid each leg once; verify and the trial balance pass; the journal has the fault's start
    /// and end.
    func underFault(folder: URL?, callbacks: Bool = false, inject: (Daemon) throws -> Void,
                    clear: (Daemon) throws -> Void) async throws {
        let wallet = try await MobileMoneyServer.start(secret: secret)
        // Payments take a while, so that the fault finds legs at the provider whose results
        // cannot be recorded: they must be recorded later without paying again. 800 ms: longer
        // than injecting a fault takes (starting Python for an outside writer took over 200 ms
        // on a CI run), shorter than the partner timeout (2 s).
        if callbacks { wallet.answerByCallback(delayMs: 800) } else { wallet.answerAfterPaying(delayMs: 800) }
        let daemon = try Daemon.payingThrough(wallet, secret: secret, callbacks: callbacks, folder: folder)
        defer { if folder == nil { daemon.remove() } else { daemon.stop() } }
        let client = try await daemon.connect()
        var acknowledged = try await submitEach(20, client)
        let deadline = ContinuousClock.now + .seconds(20)
        while wallet.transactions.count < acknowledged.count && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }

        try inject(daemon)
        let (more, refusedTransfer, refusal) = try await submitUntilRefused(client, limit: 5_000)
        acknowledged += more
        let logged = daemon.stderr.split(separator: "\n").first { $0.contains("the ledger cannot commit") } ?? "nothing logged"
        print("storage fault: \(more.count) committed under the fault before the first refusal; remitd: \(logged)")
        XCTAssertEqual(refusal.code, .storageUnavailable)
        XCTAssertEqual(refusal.retryAfterMs, 1_000)
        XCTAssertTrue(refusal.detail.contains("nothing was recorded"), refusal.detail)
        do {
            _ = try await client.transfer(refusedTransfer.transferId)
            XCTFail("a refused transfer was recorded")
        } catch RemitClientError.server(let error) {
            XCTAssertEqual(error.code, .notFound)
        }
        do {
            _ = try await client.submit((0..<3).map { _ in GatewayTests.transfer() })
            XCTFail("a batch was accepted while the ledger cannot commit")
        } catch RemitClientError.server(let error) {
            XCTAssertEqual(error.code, .storageUnavailable)
        }
        let status = try await client.transfer(acknowledged[0].transferId)
        XCTAssertEqual(status.sendAmount, acknowledged[0].sendAmount, "reads stop while writes fail")
        var metrics = try await Self.metrics(daemon)
        XCTAssertTrue(metrics.contains("remit_ledger_commit_failing 1"), metrics)
        // Counted once the fault has shown itself: from here a callback may be answered
        // "applied" only by a commit that succeeded (a full disk can still take one into WAL
        // space that a checkpoint freed).
        let before = (applied: Self.value(of: Self.applied, in: metrics), commits: Self.value(of: Self.commits, in: metrics))

        try await Task.sleep(for: .seconds(1))  // the provider's answers meanwhile cannot be recorded
        XCTAssertTrue(daemon.stderr.contains("payout report not recorded"), "no payout result met the fault")
        if callbacks {
            XCTAssertTrue(wallet.callbackAnswers.contains(503), "\(wallet.callbackAnswers)")
            let during = try await Self.metrics(daemon)
            let commits = Self.value(of: Self.commits, in: during)
            if commits == before.commits {
                XCTAssertEqual(Self.value(of: Self.applied, in: during), before.applied,
                               "callbacks answered \"applied\" while nothing could be recorded")
            } else {
                print("storage fault: \(commits - before.commits) commits succeeded during the fault; the applied count proves nothing")
            }
        }
        try clear(daemon)
        acknowledged.append(try await resubmit(refusedTransfer, client))
        acknowledged += try await submitEach(20, client)
        XCTAssertTrue(daemon.process.isRunning, daemon.stderr)

        assertProviderAgrees(wallet, try await paid(acknowledged, client))
        try await client.close()
        metrics = try await Self.metrics(daemon)
        XCTAssertTrue(metrics.contains("remit_ledger_commit_failing 0"), metrics)
        XCTAssertNotNil(metrics.split(separator: "\n").first { $0.hasPrefix("remit_ledger_commit_failures_total ") && !$0.hasSuffix(" 0") },
                        metrics)
        XCTAssertTrue(daemon.stderr.contains("the ledger cannot commit"), daemon.stderr)
        XCTAssertTrue(daemon.stderr.contains("the ledger commits again"), daemon.stderr)
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
        XCTAssertEqual(try daemon.remitctl(["trial-balance"]).status, 0, "a currency's total is not zero")
        XCTAssertEqual(daemon.stop(), 0, daemon.stderr)
        await wallet.stop()
    }

    /// `count` transfers, one request each, all acknowledged.
    func submitEach(_ count: Int, _ client: RemitClient) async throws -> [TransferResult] {
        var acknowledged: [TransferResult] = []
        for _ in 0..<count {
            let result = try await client.submit([GatewayTests.transfer(amount: .random(in: 100...500))])[0]
            XCTAssertEqual(result.errorCode, .none)
            acknowledged.append(result)
        }
        return acknowledged
    }

    /// Single transfers until one is refused as a whole request; at most `limit`.
    func submitUntilRefused(_ client: RemitClient, limit: Int) async throws
        -> (acknowledged: [TransferResult], refused: Transfer, error: ErrorMessage) {
        var acknowledged: [TransferResult] = []
        for _ in 0..<limit {
            let transfer = GatewayTests.transfer(amount: .random(in: 100...500))
            do {
                let result = try await client.submit([transfer])[0]
                XCTAssertEqual(result.errorCode, .none)
                acknowledged.append(result)
            } catch RemitClientError.server(let error) {
                return (acknowledged, transfer, error)
            }
        }
        throw DaemonError("\(limit) transfers committed under the fault")
    }

    /// Sends `transfer` again, as a client following the retry delay would, until it is accepted.
    func resubmit(_ transfer: Transfer, _ client: RemitClient, attempts: Int = 20) async throws -> TransferResult {
        for _ in 0..<attempts {
            do {
                let result = try await client.submit([transfer])[0]
                XCTAssertEqual(result.errorCode, .none)
                return result
            } catch RemitClientError.server(let error) where error.code == .storageUnavailable {
                try await Task.sleep(for: .milliseconds(Int(error.retryAfterMs)))
            }
        }
        throw DaemonError("still refused after \(attempts) attempts with the fault cleared")
    }

    static func metrics(_ daemon: Daemon) async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(daemon.adminPort)/metrics")!)
        return String(decoding: data, as: UTF8.self)
    }

    static let applied = "remit_callbacks_total{partner=\"MPESA-KE\",result=\"applied\"}"
    static let commits = "remit_ledger_commit_seconds_count"

    /// A sample's value in Prometheus text, 0 when absent.
    static func value(of sample: String, in metrics: String) -> Int {
        metrics.split(separator: "\n").first { $0.hasPrefix(sample + " ") }.flatMap { Int($0.split(separator: " ").last!) } ?? 0
    }

    static func limitFileSize(_ daemon: Daemon, to limits: String) throws {
        let result = try runProgram("/usr/bin/prlimit", ["--pid", "\(daemon.process.processIdentifier)", "--fsize=\(limits)"],
                                    holdOpen: 0)
        guard result.status == 0 else { throw DaemonError("prlimit failed: \(result.err)") }
    }
}

/// Another process with a transaction open on the ledger, through Python's sqlite3 module: a
/// writer holds the write lock (BEGIN IMMEDIATE), a reader a read snapshot, until `end()`.
final class OutsideTransaction {
    private let process = Process()
    private let input = Pipe()

    init(_ path: String, write: Bool) throws {
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
            db.execute(sys.argv[2])
            db.execute("SELECT count(*) FROM entry").fetchone()
            print("held", flush=True)
            sys.stdin.read()
            db.execute("ROLLBACK")
            """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path, write ? "BEGIN IMMEDIATE" : "BEGIN"]
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let line = output.fileHandleForReading.availableData
        guard String(decoding: line, as: UTF8.self).hasPrefix("held") else {
            process.terminate()
            throw DaemonError("the outside transaction did not start")
        }
    }

    /// Closes its input: the transaction rolls back and the process ends.
    func end() {
        guard process.isRunning else { return }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
