import Foundation
import PartnerServers
import RemitClient
import RemitProtocol
import XCTest

/// The real daemon, under load and paying out through a mobile-money provider's real API on
/// loopback, is SIGKILLed at random moments (mid-commit, mid-dispatch, with the provider's
/// answers outstanding) and started again, K times. Then: every acknowledged transfer is in the
/// ledger with the acknowledged amounts and is paid; the provider's own record shows each leg
/// paid once, for the ledger's amount, and nothing the ledger does not know; the trial balance is
/// zero and verify passes. `REMIT_DAEMON_KILLS` sets K (default 3); docs/reliability.md gives the
/// long run.
final class CrashRecoveryTests: XCTestCase {
    struct Sent: Sendable {
        var acknowledged: [TransferResult] = []
        /// Submitted without an answer: the kill came first, so either outcome is allowed.
        var unanswered: [ID128] = []
        var refused: [ErrorCode: Int] = [:]
    }

    let secret = Array("crash-wallet-callback-secret-0123456789".utf8)

    func startDaemon(wallet: MobileMoneyServer, callbacks: Bool) throws -> Daemon {
        try Daemon.payingThrough(wallet, secret: secret, callbacks: callbacks)
    }

    /// One connection submitting batches of 1 to 4 transfers until the connection dies.
    static func load(_ daemon: Daemon, seed: UInt64) async -> Sent {
        var sent = Sent()
        guard let client = try? await daemon.connect() else { return sent }
        var generator = SplitMix(seed)
        while true {
            let batch = (0..<Int.random(in: 1...4, using: &generator)).map { _ in
                GatewayTests.transfer(ID128.random(using: &generator), amount: Int64.random(in: 100...500, using: &generator))
            }
            do {
                for result in try await client.submit(batch) {
                    if result.errorCode == .none { sent.acknowledged.append(result) } else { sent.refused[result.errorCode, default: 0] += 1 }
                }
            } catch {
                sent.unanswered += batch.map(\.transferId)
                return sent
            }
        }
    }

    /// The provider pays and answers 20 ms later: kills land between its payment and the
    /// gateway's record of it.
    func testNothingAcknowledgedIsLostAndNoLegIsPaidTwiceAcrossKills() async throws {
        let wallet = try await MobileMoneyServer.start(secret: secret)
        wallet.answerAfterPaying(delayMs: 20)
        try await killRepeatedly(wallet: wallet, callbacks: false)
    }

    /// The provider accepts, pays 30 ms later and says so by callback: callbacks sent while the
    /// daemon is down are lost, and inquiries must find those payouts.
    func testPayoutsAnsweredByCallbackSurviveKills() async throws {
        let wallet = try await MobileMoneyServer.start(secret: secret)
        wallet.answerByCallback(delayMs: 30)
        try await killRepeatedly(wallet: wallet, callbacks: true)
    }

    func killRepeatedly(wallet: MobileMoneyServer, callbacks: Bool) async throws {
        let kills = Int(ProcessInfo.processInfo.environment["REMIT_DAEMON_KILLS"] ?? "") ?? 4
        var daemon = try startDaemon(wallet: wallet, callbacks: callbacks)
        defer { daemon.remove() }
        var sent = Sent()
        let seed = UInt64(ProcessInfo.processInfo.environment["REMIT_DAEMON_KILLS_SEED"] ?? "") ?? .random(in: 0...UInt64.max)
        var seeds = SplitMix(seed)
        print("crash recovery: seed \(seed) (REMIT_DAEMON_KILLS_SEED), \(kills) kills")

        for round in 1...kills {
            let current = daemon
            let loads = (0..<4).map { _ in
                let taskSeed = seeds.next()
                return Task { await Self.load(current, seed: taskSeed) }
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...600, using: &seeds)))
            daemon.crash()
            for load in loads {
                let part = await load.value
                sent.acknowledged += part.acknowledged
                sent.unanswered += part.unanswered
                sent.refused.merge(part.refused, uniquingKeysWith: +)
            }
            daemon = try Daemon(folder: daemon.folder)
            if round % 50 == 0 {
                print("crash recovery: \(round) kills, \(sent.acknowledged.count) acknowledged")
                fflush(nil)  // all streams: progress shows while a long run goes on
            }
        }
        XCTAssertFalse(sent.acknowledged.isEmpty, "the load acknowledged nothing")
        XCTAssertEqual(sent.refused, [:], "transfers refused under load")

        // Every transfer the ledger holds ends paid: acknowledged ones with their amounts.
        let client = try await daemon.connect()
        var paidLegs = try await paid(sent.acknowledged, client)
        var unknown = 0
        for id in sent.unanswered {
            do {
                let status = try await final(id, client, seconds: 60)
                XCTAssertEqual(status.state, .paid, "\(id)")
                paidLegs["ACME-\(id)-0"] = status.legs.first?.payoutAmount
            } catch RemitClientError.server(let error) where error.code == .notFound {
                unknown += 1
            }
        }
        try await client.close()

        assertProviderAgrees(wallet, paidLegs)
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
        XCTAssertEqual(try daemon.remitctl(["trial-balance"]).status, 0, "a currency's total is not zero")
        print("crash recovery: \(kills) kills; \(sent.acknowledged.count) acknowledged, \(sent.unanswered.count) unanswered"
              + " (\(sent.unanswered.count - unknown) of them recorded); the provider paid \(wallet.paidCounts.count) legs")
        await wallet.stop()
    }
}

/// A seeded generator, so that a failing run's seed (printed) replays its transfers.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
