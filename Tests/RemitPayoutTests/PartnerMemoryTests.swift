@testable import RemitPayout
import RemitDomain
import XCTest

/// A simulated partner's record of keys: kept at least the retention after the last use, gone
/// after twice that, and its size bounded by the keys used within two retentions.
final class PartnerMemoryTests: XCTestCase {
    func testAKeyIsKeptWhileUsedAndForgottenAfterTwoRetentionsUnused() {
        var memory = PartnerMemory<Int>(retentionMs: 1_000, now: 0)
        memory[key: "used", now: 0] = 1
        memory[key: "idle", now: 0] = 2
        for now in stride(from: Int64(500), through: 5_000, by: 500) {
            XCTAssertEqual(memory[key: "used", now: now], 1, "used every 500 ms, at \(now)")
        }
        XCTAssertNil(memory[key: "idle", now: 5_000])
        XCTAssertEqual(memory.count, 1)
    }

    func testAKeyIsKeptAtLeastTheRetentionAfterItsLastUse() {
        for last in stride(from: Int64(0), to: 3_000, by: 137) {
            var memory = PartnerMemory<Int>(retentionMs: 1_000, now: 0)
            memory[key: "other", now: 0] = 0
            memory[key: "k", now: last] = 1
            XCTAssertEqual(memory[key: "k", now: last + 999], 1, "last used at \(last)")
            var fresh = PartnerMemory<Int>(retentionMs: 1_000, now: 0)
            fresh[key: "k", now: last] = 1
            _ = fresh[key: "other", now: last + 1_000]
            XCTAssertNil(fresh[key: "k", now: last + 2_001], "last used at \(last), asked 2,001 ms later")
        }
    }

    func testMemoryIsBoundedByTheKeysOfTwoRetentions() {
        var memory = PartnerMemory<Int>(retentionMs: 1_000, now: 0)
        var most = 0
        for n in 0..<100_000 {
            memory[key: "k\(n)", now: Int64(n)] = n  // one new key a millisecond, for 100 s
            most = max(most, memory.count)
        }
        XCTAssertLessThanOrEqual(most, 2_001)
    }

    func testTheSimulatorForgetsOnlyKeysNotUsedForItsRetention() async throws {
        let simulator = SimulatedPartner(id: "S", capabilities: PartnerCapabilities(countries: ["KE"], currencies: ["KES"],
                                                                                   products: ["mobileWallet"]),
                                         behaviour: { var b = SimulatedPartner.Behaviour(latencyMs: 0); b.rememberMs = 1_000; return b }())
        func instruction(_ key: String) -> PayoutInstruction {
            PayoutInstruction(idempotencyKey: key, product: "mobileWallet", account: "1",
                              amount: Money(100, try! Currency("KES")), country: "KE")
        }
        for n in 0..<100 { _ = await simulator.submit(instruction("old-\(n)")) }
        XCTAssertEqual(simulator.rememberedKeys, 100)
        for _ in 0..<25 {
            try await Task.sleep(for: .milliseconds(100))
            guard case .paid = await simulator.status(instruction("old-0")) else { return XCTFail("a key asked about is kept") }
        }
        _ = await simulator.submit(instruction("new"))
        XCTAssertEqual(simulator.rememberedKeys, 2, "the keys unused for 2.5 s are gone; old-0 and new remain")
        XCTAssertEqual(simulator.paidCounts, ["old-0": 1, "new": 1])
    }
}
