import GRDB
import RemitDomain
@testable import RemitLedger
import XCTest

/// Collective remittances in the ledger: a 3x1 project whose contributions are matched by three
/// sponsors within their caps and budgets, funded or refunded at its deadline.
final class ProjectTests: LedgerTestCase {
    let mxn = try! Currency("MXN")
    let day: Int64 = 86_400_000
    let now: Int64 = 1_795_435_200_000
    var deadline: Int64 { now + 30 * day }

    func mxn(_ minor: Int64) -> Money { Money(minor, mxn) }

    /// ACME and BETA with USD 10,000.00 each; the club and its well (target MXN 8,000.00 in two
    /// milestones); three sponsors at a peso per peso: the municipality (budget MXN 10,000.00),
    /// the state (budget MXN 1,500.00) and the federation (budget MXN 10,000.00, at most MXN
    /// 1,000.00 for the project and MXN 300.00 per contributor, contributions from the US only).
    override func setUp() async throws {
        try await super.setUp()
        await openAcmeAndBeta(funding: 1_000_000)
        await expectDone(.registerAssociation(AssociationRecord(id: "CLUB-JEREZ", operatorId: "ACME",
                                                                name: "Club Social Jerez", country: "MX")))
        await expectDone(.openProject(plan()))
        for (id, name, budget) in [("MUNI", "Municipio de Jerez", 1_000_000), ("ESTADO", "Gobierno de Zacatecas", 150_000),
                                   ("FEDERAL", "Gobierno Federal", 1_000_000)] as [(String, String, Int64)] {
            await expectDone(.registerSponsor(id: id, name: name))
            await expectDone(.fundSponsor(id: id, amount: mxn(budget), reference: "deposit-\(id)"))
        }
        await expectDone(.sponsorProject(rule("MUNI")))
        await expectDone(.sponsorProject(rule("ESTADO")))
        await expectDone(.sponsorProject(rule("FEDERAL", projectCap: 100_000, contributorCap: 30_000, countries: ["US"])))
    }

    func plan(id: String = "JEREZ-WELL") -> ProjectPlan {
        ProjectPlan(id: id, associationId: "CLUB-JEREZ", title: "Pozo de agua, Jerez", currency: mxn, target: 800_000,
                    partner: "kmfi", institution: "KMFI", account: "0012345678", deadline: deadline, refundPolicy: .full,
                    milestones: [.init(description: "Drilling", amount: 500_000), .init(description: "Pump and tank", amount: 300_000)])
    }

    func rule(_ sponsor: String, project: String = "JEREZ-WELL", projectCap: Int64 = 10_000_000,
              contributorCap: Int64 = 10_000_000, countries: [String] = []) -> SponsorshipRule {
        SponsorshipRule(projectId: project, sponsorId: sponsor, ratioPpm: 1_000_000, projectCap: projectCap,
                        contributorCap: contributorCap, minContribution: 10_000, sendCountries: countries)
    }

    /// USD 50.00 + 2.99 converted at 17.20 into MXN 860.00 for `project`.
    func contribute(_ n: UInt64, operatorId: String = "ACME", sender: String = "ACC-MARIA", country: String = "US",
                    project: String = "JEREZ-WELL") async -> TransferID {
        let id = TransferID(high: 0x0191_F3C2_0000_0000, low: n)
        let outcome = await ledger.apply(.submitTransfer(TransferSubmission(
            operatorId: operatorId, transferId: id, contentHash: [UInt8](repeating: UInt8(n), count: 32),
            decision: .accept(.init(sendAmount: usd(5_000), fee: usd(299), payoutAmount: mxn(86_000),
                                    legs: [.init(product: "projectContribution", institution: "", account: project,
                                                 share: 10_000, payoutAmount: 86_000)],
                                    holdExpiresAt: .max)),
            details: .init(sendCountry: country, payoutCountry: "MX", rate: 17_200_000_000, referenceRate: 17_300_000_000,
                           senderName: sender == "ACC-MARIA" ? "Maria Lopez" : "Juan Perez", senderAccount: sender))))
        guard case .transfer(let receipt) = outcome, receipt.state == .accepted else {
            XCTFail("\(outcome)")
            return id
        }
        await expectDone(.settleContribution(operatorId: operatorId, transferId: id, leg: 0))
        return id
    }

    func escrow() throws -> Int64 { try balance(.projectEscrow("JEREZ-WELL", mxn)) }
    func budget(_ sponsor: String) throws -> Int64 { try balance(.sponsorBudget(sponsor, mxn)) }

    func testContributionsAreMatchedWithinCapsBudgetsAndEligibility() async throws {
        let first = await contribute(1)
        // Each sponsor a peso per peso; the federation only MXN 300.00 for Maria.
        XCTAssertEqual(try escrow(), 86_000 + 86_000 + 86_000 + 30_000)
        var receipt = try XCTUnwrap(try ledger.contributionReceipt(operatorId: "ACME", transferId: first, leg: 0))
        XCTAssertEqual(receipt.number, 1)
        XCTAssertEqual(receipt.amount, 86_000)
        XCTAssertEqual(receipt.matches.map(\.sponsorId), ["MUNI", "ESTADO", "FEDERAL"])
        XCTAssertEqual(receipt.matches.map(\.amount), [86_000, 86_000, 30_000])

        // Maria again: the state has MXN 640.00 left; the federation's cap for her is reached.
        let second = await contribute(2)
        receipt = try XCTUnwrap(try ledger.contributionReceipt(operatorId: "ACME", transferId: second, leg: 0))
        XCTAssertEqual(receipt.matches.map(\.sponsorId), ["MUNI", "ESTADO"])
        XCTAssertEqual(receipt.matches.map(\.amount), [86_000, 64_000])
        XCTAssertEqual(try budget("ESTADO"), 0)

        // Juan, through BETA, from Canada: the federation matches US senders only; the state is spent.
        let third = await contribute(3, operatorId: "BETA", sender: "ACC-JUAN", country: "CA")
        receipt = try XCTUnwrap(try ledger.contributionReceipt(operatorId: "BETA", transferId: third, leg: 0))
        XCTAssertEqual(receipt.number, 3)
        XCTAssertEqual(receipt.matches.map(\.amount), [86_000])

        let statement = try XCTUnwrap(try ledger.projectStatement("JEREZ-WELL"))
        XCTAssertEqual(statement.state, "open")
        XCTAssertEqual(statement.contributed, 3 * 86_000)
        XCTAssertEqual(statement.matched, 3 * 86_000 + 150_000 + 30_000)
        XCTAssertEqual(statement.escrow, statement.contributed + statement.matched)
        XCTAssertEqual(statement.escrow, try escrow())
        XCTAssertEqual(statement.sponsorships.map(\.matched), [258_000, 150_000, 30_000])
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: first)?.state, .paid)
        try assertWhole()
    }

    func testAFundedProjectTakesNoMoreAndTheLegIsRefunded() async throws {
        // 2,880.00, then 2,660.00 (the state's budget ends), 2,020.00, then 1,820.00 (the
        // federation's project cap ends): the fourth contribution passes MXN 8,000.00.
        for (n, sender) in [(1, "ACC-MARIA"), (2, "ACC-ANA"), (3, "ACC-LUIS"), (4, "ACC-ROSA")] as [(UInt64, String)] {
            _ = await contribute(n, sender: sender)
            XCTAssertEqual(try ledger.projectStatement("JEREZ-WELL")?.state, n < 4 ? "open" : "funded")
        }
        let statement = try XCTUnwrap(try ledger.projectStatement("JEREZ-WELL"))
        XCTAssertEqual(statement.escrow, 288_000 + 266_000 + 202_000 + 182_000)
        XCTAssertEqual(statement.sponsorships.map(\.matched), [4 * 86_000, 150_000, 100_000])

        let prefund = try balance(.operatorPrefund("ACME", usd))
        let late = await contribute(5, sender: "ACC-PEDRO")
        let status = try XCTUnwrap(try ledger.transfer(operatorId: "ACME", id: late))
        XCTAssertEqual(status.state, .refunded)
        XCTAssertEqual(status.legs.first?.reason, .projectClosed)
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), prefund, "its hold went back")
        XCTAssertNil(try ledger.contributionReceipt(operatorId: "ACME", transferId: late, leg: 0))
        try assertWhole()
    }

    /// A partner's answer about a milestone's transfer.
    func report(_ milestone: MilestoneStatus?, _ outcome: LegReport.Outcome) async {
        guard let id = milestone?.transferId else { return XCTFail("no transfer for \(String(describing: milestone))") }
        let operatorId = "project:JEREZ-WELL"
        if case .paid = outcome {
            await expectDone(.reportLeg(LegReport(operatorId: operatorId, transferId: id, leg: 0, outcome: .dispatched(partner: "kmfi"))))
        }
        await expectDone(.reportLeg(LegReport(operatorId: operatorId, transferId: id, leg: 0, outcome: outcome)))
    }

    func testAFundedProjectsMilestonesArePaidInOrderAndAFailedOneAgain() async throws {
        for (n, sender) in [(1, "ACC-MARIA"), (2, "ACC-ANA"), (3, "ACC-LUIS"), (4, "ACC-ROSA")] as [(UInt64, String)] {
            _ = await contribute(n, sender: sender)
        }
        let raised: Int64 = 938_000
        await expectRejected(.disburseMilestone(projectId: "JEREZ-WELL", position: 2, evidence: "inspection"),
                             .invalidProject("milestone 1 comes first"))
        await expectRejected(.disburseMilestone(projectId: "JEREZ-WELL", position: 1, evidence: ""), .invalidEvidence)

        await expectDone(.disburseMilestone(projectId: "JEREZ-WELL", position: 1, evidence: "drilling contract signed"))
        var statement = try XCTUnwrap(try ledger.projectStatement("JEREZ-WELL"))
        XCTAssertEqual(statement.milestones.map(\.state), ["disbursing", "pending"])
        XCTAssertEqual(statement.escrow, raised - 500_000)
        let first = try XCTUnwrap(try ledger.transfer(operatorId: "project:JEREZ-WELL", id: try XCTUnwrap(statement.milestones[0].transferId)))
        XCTAssertEqual(first.payoutAmount, 500_000)
        XCTAssertEqual(first.legs.map(\.product), ["accountCredit"])
        XCTAssertEqual(first.legs.map(\.account), ["0012345678"])
        await report(statement.milestones[0], .paid(partnerReference: "KMFI-1"))

        for position in [1, 3, 0] {
            await expectRejected(.disburseMilestone(projectId: "JEREZ-WELL", position: position, evidence: "again"),
                                 .invalidProject("milestone \(position) is not to be paid"))
        }
        // The last milestone pays all the project holds; its first attempt is refused by the institution.
        await expectDone(.disburseMilestone(projectId: "JEREZ-WELL", position: 2, evidence: "pump delivered"))
        statement = try XCTUnwrap(try ledger.projectStatement("JEREZ-WELL"))
        XCTAssertEqual(statement.milestones[1].disbursed, raised - 500_000, "the surplus goes with the last")
        XCTAssertEqual(statement.escrow, 0)
        await report(statement.milestones[1], .failed(.partnerRejected))
        statement = try XCTUnwrap(try ledger.projectStatement("JEREZ-WELL"))
        XCTAssertEqual(statement.milestones.map(\.state), ["paid", "failed"])
        XCTAssertEqual(try balance(.operatorPrefund("project:JEREZ-WELL", mxn)), raised - 500_000, "back in the float")

        await expectDone(.disburseMilestone(projectId: "JEREZ-WELL", position: 2, evidence: "account corrected"))
        statement = try XCTUnwrap(try ledger.projectStatement("JEREZ-WELL"))
        XCTAssertEqual(statement.milestones[1].attempts, 2)
        await report(statement.milestones[1], .paid(partnerReference: "KMFI-2"))
        statement = try XCTUnwrap(try ledger.projectStatement("JEREZ-WELL"))
        XCTAssertEqual(statement.state, "completed")
        XCTAssertEqual(statement.milestones.map(\.state), ["paid", "paid"])
        XCTAssertEqual(statement.disbursed, raised)
        XCTAssertEqual(try balance(.operatorPrefund("project:JEREZ-WELL", mxn)), 0)
        XCTAssertEqual(try balance(.partnerFloat("kmfi", mxn)), -raised, "the institution was paid all of it")
        await expectRejected(.disburseMilestone(projectId: "JEREZ-WELL", position: 2, evidence: "again"),
                             .projectState("JEREZ-WELL", state: "every milestone paid or under way"))
        try assertWhole()
    }

    func testAnOpenProjectIsNotDisbursed() async throws {
        _ = await contribute(1)
        await expectRejected(.disburseMilestone(projectId: "JEREZ-WELL", position: 1, evidence: "early"),
                             .projectState("JEREZ-WELL", state: "open"))
        try assertWhole()
    }

    func testAnUnknownProjectFailsTheLeg() async throws {
        let id = await contribute(1, project: "NO-SUCH")
        let status = try XCTUnwrap(try ledger.transfer(operatorId: "ACME", id: id))
        XCTAssertEqual(status.state, .refunded)
        XCTAssertEqual(status.legs.first?.reason, .unknownProject)
        try assertWhole()
    }

    func testAMissedDeadlineRefundsContributionsAndReturnsMatches() async throws {
        let acme = try balance(.operatorPrefund("ACME", usd)), beta = try balance(.operatorPrefund("BETA", usd))
        let budgets = try ["MUNI", "ESTADO", "FEDERAL"].map(budget)
        let ids = [await contribute(1), await contribute(2), await contribute(3, operatorId: "BETA", sender: "ACC-JUAN")]
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), acme - 2 * 5_299)

        // Before the deadline nothing happens; after it, two per command.
        await expectDone(.expireProjects(asOf: deadline - 1, limit: 2))
        XCTAssertEqual(try ledger.projectStatement("JEREZ-WELL")?.state, "open")
        await expectDone(.expireProjects(asOf: deadline, limit: 2))
        XCTAssertEqual(try ledger.projectStatement("JEREZ-WELL")?.state, "refunding")
        // A contribution settled while the project refunds is refused, and its leg refunded.
        let late = await contribute(4)
        XCTAssertEqual(try ledger.transfer(operatorId: "ACME", id: late)?.legs.first?.reason, .projectClosed)
        await expectDone(.expireProjects(asOf: deadline, limit: 2))
        let statement = try XCTUnwrap(try ledger.projectStatement("JEREZ-WELL"))
        XCTAssertEqual(statement.state, "refunded")
        XCTAssertEqual(statement.escrow, 0)
        XCTAssertEqual(statement.sponsorships.map(\.returned), statement.sponsorships.map(\.matched))

        // Policy "full": the send amounts and fees are back with the operators, the matches with the sponsors.
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), acme)
        XCTAssertEqual(try balance(.operatorPrefund("BETA", usd)), beta)
        XCTAssertEqual(try ["MUNI", "ESTADO", "FEDERAL"].map(budget), budgets)
        for (index, id) in ids.enumerated() {
            let status = try XCTUnwrap(try ledger.transfer(operatorId: index == 2 ? "BETA" : "ACME", id: id))
            XCTAssertEqual(status.state, .reversed)
            XCTAssertEqual(status.legs.first?.reason, .projectRefunded)
        }
        let receipts = try ledger.contributions(projectId: "JEREZ-WELL")
        XCTAssertEqual(receipts.map(\.state), ["refunded", "refunded", "refunded"])
        XCTAssertTrue(receipts.allSatisfy { $0.refundEntryId != nil && $0.matches.allSatisfy { $0.returnedEntryId != nil } })
        try assertWhole()
    }

    /// v26 rebuilds the contribution table with a key to its transfer, whose first leg leaves
    /// the leg table: receipts, the statement and the transfers read the same after the move,
    /// and a missed deadline refunds them as before.
    func testV26KeepsContributionsAndTheirRefunds() async throws {
        let ids = [await contribute(1), await contribute(2)]
        await ledger.flush()
        let receipts = try ledger.contributions(projectId: "JEREZ-WELL")
        let statement = try ledger.projectStatement("JEREZ-WELL")
        let transfers = try ids.map { try ledger.transfer(operatorId: "ACME", id: $0) }
        XCTAssertEqual(receipts.count, 2)
        ledger = nil
        try rewindToV25()

        ledger = try Ledger(path: path, clock: { 1_795_435_200_000 })
        XCTAssertEqual(try ledger.contributions(projectId: "JEREZ-WELL"), receipts)
        XCTAssertEqual(try ledger.contributionReceipt(operatorId: "ACME", transferId: ids[1], leg: 0), receipts.last)
        XCTAssertEqual(try ledger.projectStatement("JEREZ-WELL"), statement)
        XCTAssertEqual(try ids.map { try ledger.transfer(operatorId: "ACME", id: $0) }, transfers)
        try assertWhole()
        for _ in 0..<2 { await expectDone(.expireProjects(asOf: deadline, limit: 2)) }
        XCTAssertEqual(try ledger.contributions(projectId: "JEREZ-WELL").map(\.state), ["refunded", "refunded"])
        XCTAssertEqual(try ids.map { try ledger.transfer(operatorId: "ACME", id: $0)?.state }, [.reversed, .reversed])
        try assertWhole()
    }

    func testPolicyAmountKeepsTheFee() async throws {
        await expectDone(.openProject(ProjectPlan(
            id: "JEREZ-SCHOOL", associationId: "CLUB-JEREZ", title: "Escuela", currency: mxn, target: 800_000, partner: "kmfi",
            institution: "KMFI", account: "0012345678", deadline: deadline, refundPolicy: .amount,
            milestones: [.init(description: "Roof", amount: 800_000)])))
        let acme = try balance(.operatorPrefund("ACME", usd))
        _ = await contribute(1, project: "JEREZ-SCHOOL")
        await expectDone(.expireProjects(asOf: deadline, limit: 10))
        XCTAssertEqual(try ledger.projectStatement("JEREZ-SCHOOL")?.state, "refunded")
        XCTAssertEqual(try balance(.operatorPrefund("ACME", usd)), acme - 299, "the fee is kept")
        XCTAssertEqual(try balance(.projectEscrow("JEREZ-SCHOOL", mxn)), 0)
        try assertWhole()
    }

    func testAContributionIsNotReversedAsIfAPartnerHadIt() async throws {
        let id = await contribute(1)
        await expectRejected(.reversePayout(PayoutReversal(operatorId: "ACME", transferId: id, leg: 0, source: "partner",
                                                           evidence: "a bounced payout")),
                             .illegalTransition("\(id) leg 0", from: "paid", to: "reversed"))
        try assertWhole()
    }

    func testRegistrationsAreCheckedAndRepeatable() async throws {
        // The same again changes nothing; other details are refused.
        await expectDone(.openProject(plan()))
        var other = plan()
        other.target = 900_000
        other.milestones[0].amount = 600_000
        await expectRejected(.openProject(other), .projectExists("JEREZ-WELL"))
        await expectDone(.registerSponsor(id: "MUNI", name: "Municipio de Jerez"))
        await expectRejected(.registerSponsor(id: "MUNI", name: "Otro"), .projectExists("MUNI"))

        var bad = plan(id: "BAD/ID")
        await expectRejected(.openProject(bad), .invalidProject("project id"))
        bad = plan(id: "SHORT")
        bad.milestones.removeLast()
        await expectRejected(.openProject(bad), .invalidProject("milestones add up to 500000, not the target"))
        bad = plan(id: "LATE")
        bad.deadline = now
        await expectRejected(.openProject(bad), .invalidProject("deadline"))
        await expectRejected(.sponsorProject(rule("NOBODY")), .unknownSponsor("NOBODY"))
        await expectRejected(.sponsorProject(rule("MUNI", project: "NONE")), .unknownProject("NONE"))
        var changed = rule("MUNI")
        changed.projectCap = 1
        await expectRejected(.sponsorProject(changed), .projectExists("JEREZ-WELL sponsored by MUNI"))
        await expectDone(.registerSponsor(id: "BANCO", name: "Banco"))
        var nothing = rule("BANCO")
        nothing.ratioPpm = 0
        await expectRejected(.sponsorProject(nothing), .invalidProject("ratio"))
        await expectRejected(.fundSponsor(id: "NOBODY", amount: mxn(1), reference: "x"), .unknownSponsor("NOBODY"))
        try assertWhole()
    }

    func testVerifyFindsAMatchChangedBehindTheLedger() async throws {
        _ = await contribute(1)
        await ledger.flush()
        try await DatabaseQueue(path: path).write { try $0.execute(sql: "UPDATE project_match SET amount = amount - 100 WHERE sponsor_id = 'MUNI'") }
        let problems = try ledger.verify().problems
        XCTAssertTrue(problems.contains { $0.hasPrefix("project JEREZ-WELL: escrow 288000") }, "\(problems)")
        XCTAssertTrue(problems.contains("project JEREZ-WELL: sponsor MUNI's total differs from its matches"), "\(problems)")
    }

    /// Every limit of docs/projects.md, at the limit and one past it.
    func testTheLimits() async throws {
        var plan = plan(id: String(repeating: "P", count: 34))
        plan.milestones = (1...20).map { _ in .init(description: "Stage", amount: 40_000) }
        await expectDone(.openProject(plan))
        plan.id = String(repeating: "P", count: 35)
        await expectRejected(.openProject(plan), .invalidProject("project id"))
        plan.id = "TWENTY-ONE"
        plan.milestones = (1...21).map { _ in .init(description: "Stage", amount: 40_000) }
        plan.target = 21 * 40_000
        await expectRejected(.openProject(plan), .invalidProject("milestones"))
        plan = self.plan(id: "LONG-TITLE")
        plan.title = String(repeating: "a", count: 141)
        await expectRejected(.openProject(plan), .invalidProject("project title"))
        plan.title = "Line\nbreak"
        await expectRejected(.openProject(plan), .invalidProject("project title"))
        plan = self.plan(id: "NO-MILESTONES")
        plan.milestones = []
        await expectRejected(.openProject(plan), .invalidProject("milestones"))

        // Eight sponsors per project: three joined in setUp, five more fit, the ninth does not.
        for n in 4...9 {
            await expectDone(.registerSponsor(id: "S\(n)", name: "Sponsor \(n)"))
            let outcome = await ledger.apply(.sponsorProject(rule("S\(n)")))
            XCTAssertEqual(outcome, n <= 8 ? .done(entries: []) : .rejected(.invalidProject("more than 8 sponsors")))
        }
        var tenfold = rule("S9", project: "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP")
        tenfold.ratioPpm = 10_000_001
        await expectRejected(.sponsorProject(tenfold), .invalidProject("ratio"))
        tenfold.ratioPpm = 10_000_000
        tenfold.sendCountries = Array(repeating: "US", count: 51)
        await expectRejected(.sponsorProject(tenfold), .invalidProject("send countries"))
        tenfold.sendCountries = ["us"]
        await expectRejected(.sponsorProject(tenfold), .invalidProject("send countries"))
        tenfold.sendCountries = ["US"]
        await expectDone(.sponsorProject(tenfold))
        await expectRejected(.expireProjects(asOf: now, limit: 0), .invalidAmount(0))
        try assertWhole()
    }

    func testASponsorsShareRoundsDown() {
        XCTAssertEqual(Projects.share(of: 86_001, ppm: 500_000), 43_000)
        XCTAssertEqual(Projects.share(of: .max, ppm: 1_000_000), .max)
        XCTAssertEqual(Projects.share(of: 999_999, ppm: 10_000_000), 9_999_990)
        XCTAssertEqual(Projects.share(of: .max, ppm: 2_000_000), .max, "saturates; the caps bound the match")
    }
}
