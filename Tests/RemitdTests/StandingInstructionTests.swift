import Foundation
import RemitClient
import RemitProtocol
import XCTest

/// Standing instructions (protocol version 2) through the real daemon: an operator registers a
/// beneficiary's default split, single-leg transfers that opt in are paid by it, and every
/// refusal has its documented code.
final class StandingInstructionTests: XCTestCase {
    var daemon: Daemon!

    override func tearDown() {
        daemon?.remove()
    }

    static let beneficiary = "254712345678"
    static let savings = [Leg(product: .savingsDeposit, share: 1_000, institution: "KMFI", account: "SAV-001")]

    func optingIn(_ id: ID128 = .random(), amount: Int64 = 50_000, legs: [Leg]? = nil) -> Transfer {
        var transfer = GatewayTests.transfer(id, amount: amount)
        if let legs { transfer.legs = legs }
        transfer.applyStandingInstruction = true
        return transfer
    }

    func testAnOptedInTransferIsSplitByTheInstructionAndPaidLegByLeg() async throws {
        daemon = try Daemon()
        let client = try await daemon.connect()
        XCTAssertEqual(client.version, FrameHeader.versions.upperBound, "the highest both speak")
        let none = try await client.standingInstruction(beneficiaryAccount: Self.beneficiary)
        XCTAssertEqual(none.revision, 0)
        XCTAssertEqual(none.legs, [])

        let set = SetStandingInstruction(beneficiaryAccount: Self.beneficiary, reference: "CONSENT-77", legs: Self.savings)
        let stored = try await client.setStandingInstruction(set)
        XCTAssertEqual(stored.revision, 1)
        XCTAssertEqual(stored.legs, Self.savings)
        XCTAssertEqual(stored.reference, "CONSENT-77")
        XCTAssertGreaterThan(stored.updatedAt, 0)
        // The same instruction again changes nothing.
        let again = try await client.setStandingInstruction(set)
        XCTAssertEqual(again.revision, 1)

        let id = ID128.random()
        // In the same batch, a transfer opting in for a beneficiary without an instruction:
        // refused, not split by the instruction of the transfer before it.
        var elsewhere = optingIn()
        elsewhere.beneficiaryAccount = "254700000001"
        let results = try await client.submit([optingIn(id), elsewhere])
        let result = results[0]
        XCTAssertEqual(result.errorCode, .none)
        XCTAssertEqual(result.state, .accepted)
        XCTAssertEqual(results[1].errorCode, .noStandingInstruction)
        let plain = ID128.random()
        let plainCode = try await client.submit([GatewayTests.transfer(plain, amount: 50_000)])[0].errorCode
        XCTAssertEqual(plainCode, .none)

        let status = try await waitUntilFinal(id, client)
        XCTAssertEqual(status.state, .paid)
        XCTAssertEqual(status.legs.map(\.product), [.mobileWallet, .savingsDeposit])
        XCTAssertEqual(status.legs.map(\.share), [9_000, 1_000])
        XCTAssertEqual(status.legs.map(\.state), [.paid, .paid])
        XCTAssertEqual(status.legs[1].institution, "KMFI")
        XCTAssertEqual(status.legs.map(\.payoutAmount).reduce(0, +), status.payoutAmount)
        XCTAssertEqual(status.legs[1].payoutAmount, status.payoutAmount / 10, "10 %, rounded down")
        // A transfer that does not opt in keeps its one leg.
        let plainStatus = try await waitUntilFinal(plain, client)
        XCTAssertEqual(plainStatus.legs.map(\.product), [.mobileWallet])

        // Deleting: revision 2, no legs; an opted-in transfer is now refused, but the one already
        // recorded replays as it was.
        let deleted = try await client.setStandingInstruction(SetStandingInstruction(beneficiaryAccount: Self.beneficiary, legs: []))
        XCTAssertEqual(deleted.revision, 2)
        XCTAssertEqual(deleted.legs, [])
        let replay = try await client.submit([optingIn(id)])[0]
        XCTAssertTrue(replay.replayed)
        XCTAssertEqual(replay.errorCode, .none)
        let refused = try await client.submit([optingIn()])[0]
        XCTAssertEqual(refused.errorCode, .noStandingInstruction)
        XCTAssertEqual(refused.fieldId, .beneficiaryAccount)
        XCTAssertEqual(refused.state, .rejected)
        try await client.close()

        let list = try daemon.remitctl(["standing", "list", "--json"])
        XCTAssertEqual(list.status, 0, list.err)
        XCTAssertTrue(list.out.contains("\"instructions\" : [\n\n  ]") || list.out.contains("\"instructions\" : []"), list.out)
        let verify = try daemon.remitctl(["verify"])
        XCTAssertEqual(verify.status, 0, verify.out + verify.err)
    }

    func testEveryRefusalHasItsCode() async throws {
        daemon = try Daemon.withPayoutsPaused()
        let client = try await daemon.connect()
        func set(_ legs: [Leg], account: String = StandingInstructionTests.beneficiary) async -> ErrorMessage? {
            await refusal { _ = try await client.setStandingInstruction(SetStandingInstruction(beneficiaryAccount: account, legs: legs)) }
        }
        let whole = await set([Leg(product: .savingsDeposit, share: 10_000, institution: "KMFI", account: "SAV-001")])
        XCTAssertEqual(whole?.code, .legSharesNotWhole)
        XCTAssertEqual(whole?.entryIndex, 0)
        let over = await set([Leg(product: .savingsDeposit, share: 6_000, institution: "KMFI", account: "SAV-001"),
                              Leg(product: .loanRepayment, share: 4_000, institution: "KMFI", account: "LN-1")])
        XCTAssertEqual(over?.code, .legSharesNotWhole)
        let zero = await set([Leg(product: .savingsDeposit, share: 0, institution: "KMFI", account: "SAV-001")])
        XCTAssertEqual(zero?.code, .legSharesNotWhole)
        let wallet = await set([Leg(product: .mobileWallet, share: 1_000, account: "not-a-phone")])
        XCTAssertEqual(wallet?.code, .invalidAccount)
        XCTAssertEqual(wallet?.fieldId, .legAccount)
        let nobody = await set([Leg(product: .savingsDeposit, share: 1_000, institution: "NOPE", account: "SAV-001")])
        XCTAssertEqual(nobody?.code, .noPartnerAvailable)
        XCTAssertEqual(nobody?.fieldId, .legInstitution)
        let anonymous = await set(Self.savings, account: "")
        XCTAssertEqual(anonymous?.code, .missingField)
        XCTAssertEqual(anonymous?.fieldId, .beneficiaryAccount)
        // Eight legs: the codec refuses before anything is sent (at most 7, the transfer's own is the 8th).
        do {
            _ = try await client.setStandingInstruction(SetStandingInstruction(
                beneficiaryAccount: Self.beneficiary, legs: Array(repeating: Self.savings[0], count: 8)))
            XCTFail("eight legs were sent")
        } catch let error as ProtocolError {
            XCTAssertEqual(error.code, .tooManyEntries)
        }

        _ = try await client.setStandingInstruction(SetStandingInstruction(beneficiaryAccount: Self.beneficiary, legs: Self.savings))
        let twoLegs = try await client.submit([optingIn(legs: [
            Leg(product: .mobileWallet, share: 5_000, account: "254712345678"),
            Leg(product: .savingsDeposit, share: 5_000, institution: "KMFI", account: "SAV-9"),
        ])])[0]
        XCTAssertEqual(twoLegs.errorCode, .standingInstructionNeedsOneLeg)
        // Another operator neither sees nor uses ACME's instructions.
        let beta = try await daemon.connect("BETA")
        let betaRevision = try await beta.standingInstruction(beneficiaryAccount: Self.beneficiary).revision
        XCTAssertEqual(betaRevision, 0)
        try await beta.close()
        // The account is compared as written: another spelling is another beneficiary.
        var spelled = optingIn()
        spelled.beneficiaryAccount = "254-712-345-678"
        let spelledCode = try await client.submit([spelled])[0].errorCode
        XCTAssertEqual(spelledCode, .noStandingInstruction)
        try await client.close()
    }

    func testTheOperatorLimitOnInstructionsIsEnforced() async throws {
        daemon = try Daemon.withPayoutsPaused()
        try daemon.editConfiguration {
            $0.replacingOccurrences(of: "[server]\n", with: "[server]\nmax_standing_instructions_per_operator = 2\n")
        }
        daemon = try daemon.restart()
        let client = try await daemon.connect()
        for account in ["B-1", "B-2"] {
            _ = try await client.setStandingInstruction(SetStandingInstruction(beneficiaryAccount: account, legs: Self.savings))
        }
        let third = await refusal {
            _ = try await client.setStandingInstruction(SetStandingInstruction(beneficiaryAccount: "B-3", legs: Self.savings))
        }
        XCTAssertEqual(third?.code, .standingInstructionLimit)
        // Changing one already kept, or deleting one, is always allowed; then there is room again.
        _ = try await client.setStandingInstruction(SetStandingInstruction(beneficiaryAccount: "B-2", reference: "v2", legs: Self.savings))
        _ = try await client.setStandingInstruction(SetStandingInstruction(beneficiaryAccount: "B-1", legs: []))
        let room = try await client.setStandingInstruction(SetStandingInstruction(beneficiaryAccount: "B-3", legs: Self.savings))
        XCTAssertEqual(room.revision, 1)
        try await client.close()
    }

    func testAVersion1ClientIsServedVersion1AndCannotAskForVersion2() async throws {
        daemon = try Daemon.withPayoutsPaused()
        var configuration = daemon.clientConfiguration()
        configuration.versions = 1...1
        let client = try await RemitClient.connect(configuration)
        XCTAssertEqual(client.welcome.version, 1)
        do {
            _ = try await client.standingInstruction(beneficiaryAccount: Self.beneficiary)
            XCTFail("a version-2 request went out on a version-1 connection")
        } catch RemitClientError.needsVersion(let needed, let negotiated) {
            XCTAssertEqual([needed, negotiated], [2, 1])
        }
        do {
            _ = try await client.submit([optingIn()])
            XCTFail("a version-2 option went out on a version-1 connection")
        } catch RemitClientError.needsVersion {}
        // Version-1 traffic is served as before.
        let versionOneCode = try await client.submit([GatewayTests.transfer()])[0].errorCode
        XCTAssertEqual(versionOneCode, .none)
        try await client.close()
    }

    func testRemitctlSetsShowsListsAndDeletesAsTheOperator() async throws {
        daemon = try Daemon.withPayoutsPaused()
        // The demo configuration names port 7443; this daemon listens on an ephemeral one.
        let gateway = ["--gateway", "127.0.0.1:\(daemon.port)"]
        let set = try daemon.remitctl(["standing", "set", "--demo", "--beneficiary-account", Self.beneficiary,
                                       "--leg", "savingsDeposit:1500:SAV-001:KMFI", "--reference", "CONSENT-9"] + gateway)
        XCTAssertEqual(set.status, 0, set.err)
        XCTAssertTrue(set.out.contains("revision 1"), set.out)
        XCTAssertTrue(set.out.contains("85%") && set.out.contains("15%"), set.out)
        let show = try daemon.remitctl(["standing", "show", "--demo", "--beneficiary-account", Self.beneficiary, "--json"] + gateway)
        XCTAssertEqual(show.status, 0, show.err)
        let shown = try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as! [String: Any]
        XCTAssertEqual(shown["revision"] as? Int, 1)
        XCTAssertEqual(shown["reference"] as? String, "CONSENT-9")
        let list = try daemon.remitctl(["standing", "list"])
        XCTAssertEqual(list.status, 0, list.err)
        XCTAssertTrue(list.out.contains("ACME") && list.out.contains("SAV-001@KMFI"), list.out)
        let send = try daemon.remitctl(["send", "--demo", "--amount", "100.00", "--currency", "USD", "--to", "KE",
                                        "--standing-instruction", "--json"] + gateway)
        XCTAssertEqual(send.status, 0, send.out + send.err)
        let sent = try JSONSerialization.jsonObject(with: Data(send.out.utf8)) as! [String: Any]
        let shownTransfer = try daemon.remitctl(["transfers", "show", sent["id"] as! String])
        XCTAssertTrue(shownTransfer.out.contains("savingsDeposit"), shownTransfer.out)
        XCTAssertTrue(shownTransfer.out.contains("standing instruction, revision 1"), shownTransfer.out)
        let refused = try daemon.remitctl(["standing", "set", "--demo", "--beneficiary-account", Self.beneficiary,
                                           "--leg", "savingsDeposit:10000:SAV-001:KMFI"] + gateway)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.err.contains("2006"), refused.err)
        let delete = try daemon.remitctl(["standing", "delete", "--demo", "--beneficiary-account", Self.beneficiary] + gateway)
        XCTAssertEqual(delete.status, 0, delete.err)
        XCTAssertTrue(delete.out.contains("no standing instruction"), delete.out)
    }

    func waitUntilFinal(_ id: ID128, _ client: RemitClient) async throws -> TransferStatus {
        for _ in 0..<300 {
            let status = try await client.transfer(id)
            if [.paid, .partiallyPaid, .refunded].contains(status.state) { return status }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await client.transfer(id)
    }
}
