import Foundation
import RemitClient
import RemitProtocol
import XCTest

/// Cancelling after dispatch (protocol version 2) through the real daemon and its simulated cash
/// network: a pickup not yet collected is cancelled with its partner and its money returns; a
/// collected one, or one whose partner does not answer, is not.
final class CancelTests: XCTestCase {
    var daemon: Daemon!

    override func tearDown() {
        daemon?.remove()
    }

    func pickup(_ id: ID128 = .random()) -> Transfer {
        GatewayTests.transfer(id, amount: 10_000, to: "PH", legs: [Leg(product: .cashPickup, share: 10_000, account: "")])
    }

    func waitForLeg(_ id: ID128, _ client: RemitClient, in states: [LegState]) async throws -> TransferStatus {
        for _ in 0..<200 {
            let status = try await client.transfer(id)
            if let leg = status.legs.first, states.contains(leg.state) { return status }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await client.transfer(id)
    }

    func testAPickupNotYetCollectedIsCancelledWithItsPartner() async throws {
        daemon = try Daemon()  // GCASH-PH holds cash pickups two minutes before they are collected
        let client = try await daemon.connect()
        let id = ID128.random()
        let submitted = try await client.submit([pickup(id)])[0]
        XCTAssertEqual(submitted.errorCode, .none)
        let dispatched = try await waitForLeg(id, client, in: [.dispatched])
        XCTAssertEqual(dispatched.state, .dispatched)
        XCTAssertEqual(dispatched.legs[0].institution, "GCASH-PH")

        // Version 1 keeps its rule: past dispatch, not cancellable.
        var v1 = daemon.clientConfiguration()
        v1.versions = 1...1
        let old = try await RemitClient.connect(v1)
        let oldRefusal = await refusal { _ = try await old.cancel(id) }
        XCTAssertEqual(oldRefusal?.code, .notCancellable)
        try await old.close()

        let cancelled = try await client.cancel(id, reason: "sender asked")
        XCTAssertEqual(cancelled.state, .cancelled)
        XCTAssertEqual(cancelled.legs.map(\.state), [.cancelled])
        let again = try await client.cancel(id)
        XCTAssertEqual(again.state, .cancelled, "answered the same again")
        let (_, events) = try await client.subscribe(after: 0)
        var changes: [Event.Change] = []
        for try await event in events where event.transferId == id {
            changes.append(event.change)
            if event.change == .transfer(.cancelled) { break }
        }
        XCTAssertEqual(Array(changes.suffix(2)), [.leg(index: 0, state: .cancelled), .transfer(.cancelled)])
        try await client.close()
        let verify = try daemon.remitctl(["verify"])
        XCTAssertEqual(verify.status, 0, verify.out + verify.err)
        let shown = try daemon.remitctl(["transfers", "show", "\(id)", "--json"])
        XCTAssertTrue(shown.out.contains("\"state\" : \"cancelled\""), shown.out)
    }

    func testACollectedPickupOrAPaidLegIsNotCancellable() async throws {
        daemon = try Daemon()
        try daemon.editConfiguration { $0.replacingOccurrences(of: "pickup_wait_ms = 120000", with: "pickup_wait_ms = 200") }
        daemon = try daemon.restart()
        let client = try await daemon.connect()
        let id = ID128.random()
        let submitted = try await client.submit([pickup(id)])[0]
        XCTAssertEqual(submitted.errorCode, .none)
        let paid = try await waitForLeg(id, client, in: [.paid])
        XCTAssertEqual(paid.state, .paid, "collected, and found out by inquiry")
        let refused = await refusal { _ = try await client.cancel(id) }
        XCTAssertEqual(refused?.code, .notCancellable)
        XCTAssertTrue(refused?.detail.contains("PAID") ?? false, "\(String(describing: refused))")
        try await client.close()
    }

    /// A split whose wallet leg is paid cannot be cancelled; its pickup leg is left alone.
    func testATransferWithAPaidLegIsNotCancellableAndNothingIsCancelled() async throws {
        daemon = try Daemon()
        let client = try await daemon.connect()
        let id = ID128.random()
        let split = GatewayTests.transfer(id, amount: 10_000, to: "PH", legs: [
            Leg(product: .mobileWallet, share: 5_000, account: "639171234567"),
            Leg(product: .cashPickup, share: 5_000, account: ""),
        ])
        let submitted = try await client.submit([split])[0]
        XCTAssertEqual(submitted.errorCode, .none)
        var status = try await client.transfer(id)
        for _ in 0..<200 where !(status.legs[0].state == .paid && status.legs[1].state == .dispatched) {
            try await Task.sleep(for: .milliseconds(50))
            status = try await client.transfer(id)
        }
        XCTAssertEqual(status.legs.map(\.state), [.paid, .dispatched])
        let refused = await refusal { _ = try await client.cancel(id) }
        XCTAssertEqual(refused?.code, .notCancellable)
        XCTAssertEqual(refused?.entryIndex, 0)
        let after = try await client.transfer(id)
        XCTAssertEqual(after.legs.map(\.state), [.paid, .dispatched], "the pickup leg was not touched")
        try await client.close()
    }

    func testAPartnerThatDoesNotAnswerLeavesTheLegAsItWas() async throws {
        daemon = try Daemon()
        // Answers take 400 ms and the gateway waits 100: the pickup is in doubt, and so is its cancel.
        try daemon.editConfiguration {
            $0.replacingOccurrences(of: "pickup_wait_ms = 120000", with: "pickup_wait_ms = 120000\ntimeout_ms = 100")
        }
        try daemon.editConfiguration { text in
            // GCASH-PH's latency is the last `latency_ms = 150` in the demo configuration.
            guard let range = text.range(of: "latency_ms = 150", options: .backwards) else { return text }
            return text.replacingCharacters(in: range, with: "latency_ms = 400")
        }
        daemon = try daemon.restart()
        let client = try await daemon.connect()
        let id = ID128.random()
        let submitted = try await client.submit([pickup(id)])[0]
        XCTAssertEqual(submitted.errorCode, .none)
        let inDoubt = try await waitForLeg(id, client, in: [.inDoubt])
        XCTAssertEqual(inDoubt.legs[0].state, .inDoubt)
        let unconfirmed = await refusal { _ = try await client.cancel(id) }
        XCTAssertEqual(unconfirmed?.code, .cancelUnconfirmed)
        XCTAssertEqual(unconfirmed?.code.retry, .yes)
        XCTAssertGreaterThan(unconfirmed?.retryAfterMs ?? 0, 0)
        let after = try await client.transfer(id)
        XCTAssertEqual(after.legs[0].state, .inDoubt, "nothing changed")
        try await client.close()
        let verify = try daemon.remitctl(["verify"])
        XCTAssertEqual(verify.status, 0, verify.out + verify.err)
    }
}
