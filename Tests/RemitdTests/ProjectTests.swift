import Foundation
import RemitClient
import RemitProtocol
import XCTest

/// Collective remittances through the real daemon: operations set up a project and its three
/// sponsors with remitctl, senders of two operators contribute over the protocol, the daemon
/// settles the contributions with their matches, and a project that misses its deadline is
/// refunded. The books stay whole throughout (remitctl verify).
final class ProjectTests: XCTestCase {
    var daemon: Daemon!

    override func tearDown() {
        if let daemon { _ = daemon.stop() }
        daemon?.remove()
    }

    func remitctl(_ arguments: [String]) throws -> String {
        let result = try daemon.remitctl(arguments)
        XCTAssertEqual(result.status, 0, "remitctl \(arguments.joined(separator: " ")): \(result.err)")
        return result.out
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func open(_ id: String, target: String, deadline: Date, policy: String = "full") throws {
        let file = daemon.folder.appendingPathComponent("\(id).json")
        let formatter = ISO8601DateFormatter()
        let project: [String: Any] = [
            "id": id, "association": "KISUMU-HTA", "title": "Community clinic, Kisumu", "currency": "KES", "target": target,
            "partner": "KMFI", "institution": "KMFI", "account": "CLINIC-0042", "deadline": formatter.string(from: deadline),
            "policy": policy, "milestones": [["description": "Building", "amount": target]],
        ]
        try JSONSerialization.data(withJSONObject: project).write(to: file)
        XCTAssertTrue(try remitctl(["projects", "open", file.path]).contains("project \(id) opened"))
    }

    /// USD 100.00 (or GBP 100.00 from BETA) to the project: KES 12,815.55 from the US at the demo's rate.
    func contribution(_ project: String, from country: String = "US", sender: String) -> Transfer {
        var transfer = GatewayTests.transfer(legs: [Leg(product: .projectContribution, share: 10_000, account: project)],
                                             senderName: sender)
        transfer.senderAccount = "ACC-" + sender.prefix(4).uppercased()
        if country == "GB" {
            transfer.sendCountry = CountryCode("GB")!
            transfer.sendCurrency = CurrencyCode("GBP")!
        }
        return transfer
    }

    func testA3x1ProjectMatchedWithinCapsAndAMissedDeadlineRefunded() async throws {
        daemon = try Daemon()
        _ = try remitctl(["projects", "associate", "KISUMU-HTA", "--operator", "ACME", "--name", "Kisumu Diaspora Association",
                          "--country", "KE"])
        try open("KISUMU-CLINIC", target: "200000.00", deadline: Date().addingTimeInterval(86_400))
        // Three sponsors, a shilling per shilling each: the county without limit, the national
        // fund up to KES 15,000.00 for the project, the partner bank KES 5,000.00 per contributor.
        for (sponsor, name, budget) in [("COUNTY", "Kisumu County", "100000.00"), ("NATIONAL", "National Fund", "50000.00"),
                                        ("BANK", "Partner Bank", "50000.00")] {
            _ = try remitctl(["projects", "sponsor-register", sponsor, "--name", name])
            _ = try remitctl(["projects", "sponsor-fund", sponsor, budget, "KES", "--reference", "deposit \(sponsor)"])
        }
        _ = try remitctl(["projects", "sponsor", "KISUMU-CLINIC", "COUNTY", "--ratio", "1", "--project-cap", "100000.00",
                          "--contributor-cap", "100000.00"])
        _ = try remitctl(["projects", "sponsor", "KISUMU-CLINIC", "NATIONAL", "--ratio", "1", "--project-cap", "15000.00",
                          "--contributor-cap", "100000.00"])
        _ = try remitctl(["projects", "sponsor", "KISUMU-CLINIC", "BANK", "--ratio", "1", "--project-cap", "100000.00",
                          "--contributor-cap", "5000.00", "--send-countries", "US"])

        // Maria twice and Juan through ACME; Amina through BETA from the United Kingdom.
        let acme = try await daemon.connect("ACME"), beta = try await daemon.connect("BETA")
        let maria = [contribution("KISUMU-CLINIC", sender: "Maria Lopez"), contribution("KISUMU-CLINIC", sender: "Maria Lopez")]
        let juan = contribution("KISUMU-CLINIC", sender: "Juan Perez")
        let amina = contribution("KISUMU-CLINIC", from: "GB", sender: "Amina Otieno")
        for transfer in maria + [juan] {
            let result = try await acme.submit([transfer])
            XCTAssertEqual(result.first?.errorCode, ErrorCode.none, "\(result)")
            let status = try await final(transfer.transferId, acme)
            XCTAssertEqual(status.state, .paid)
            XCTAssertEqual(status.legs.first?.partnerReference.hasPrefix("project/KISUMU-CLINIC/"), true)
        }
        let aminaResult = try await beta.submit([amina])
        XCTAssertEqual(aminaResult.first?.errorCode, ErrorCode.none, "\(aminaResult)")
        let aminaStatus = try await final(amina.transferId, beta)
        XCTAssertEqual(aminaStatus.state, .paid)

        let statement = try json(try remitctl(["projects", "show", "KISUMU-CLINIC", "--json"]))
        let receipts = try XCTUnwrap(statement["receipts"] as? [[String: Any]])
        XCTAssertEqual(receipts.count, 4)
        let amounts = receipts.map { ($0["amountMinor"] as! NSNumber).int64Value }
        XCTAssertEqual(Array(amounts.prefix(3)), [1_281_555, 1_281_555, 1_281_555], "USD 100.00 at 128.1555")
        let contributed = amounts.reduce(0, +)
        let sponsors = try XCTUnwrap(statement["sponsors"] as? [[String: Any]])
        let matched = sponsors.map { ($0["matchedMinor"] as! NSNumber).int64Value }
        // The county matches all; the national fund stops at its cap; the bank matches US senders
        // only, KES 5,000.00 each at most (Maria's second contribution gets nothing from it).
        XCTAssertEqual(matched[0], contributed)
        XCTAssertEqual(matched[1], 1_500_000)
        XCTAssertEqual(matched[2], 500_000 + 500_000)
        XCTAssertEqual((statement["escrowMinor"] as! NSNumber).int64Value, contributed + matched.reduce(0, +))
        XCTAssertEqual(statement["state"] as? String, "open")
        let list = try remitctl(["projects", "list"])
        XCTAssertTrue(list.contains("KISUMU-CLINIC  KISUMU-HTA   open"), list)
        let listed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try remitctl(["projects", "list", "--json"]).utf8))
            as? [[String: Any]])
        XCTAssertEqual(listed.map { $0["id"] as? String }, ["KISUMU-CLINIC"])
        let text = try remitctl(["projects", "show", "KISUMU-CLINIC"])
        XCTAssertTrue(text.contains("Amina Otieno"), text)
        let csv = try remitctl(["projects", "contributions", "KISUMU-CLINIC"])
        XCTAssertEqual(csv.split(separator: "\n").count, 5, csv)
        XCTAssertTrue(csv.hasPrefix("receipt,received_at,operator,transfer,leg,contributor,send_country,currency,amount,"
                                    + "matched_COUNTY,matched_NATIONAL,matched_BANK,state\n"), csv)

        // An unknown project is refused at submission, before anything is held: 2018 on a
        // version-3 connection, the nearest version-1 code on an earlier one.
        XCTAssertEqual(acme.version, 3)
        let unknown = try await acme.submit([contribution("NO-SUCH-PROJECT", sender: "Maria Lopez")])
        XCTAssertEqual(unknown.first?.errorCode, .unknownProject)
        var versionTwo = daemon.clientConfiguration("ACME")
        versionTwo.versions = 1...2
        let acme2 = try await RemitClient.connect(versionTwo)
        let unknownInVersion2 = try await acme2.submit([contribution("NO-SUCH-PROJECT", sender: "Maria Lopez")])
        XCTAssertEqual(unknownInVersion2.first?.errorCode, .invalidAccount)

        // A project that misses its deadline: its contribution and match come back.
        let prefund = try daemon.prefund("ACME")
        try open("KISUMU-SCHOOL", target: "500000.00", deadline: Date().addingTimeInterval(4))
        _ = try remitctl(["projects", "sponsor", "KISUMU-SCHOOL", "COUNTY", "--ratio", "0.5", "--project-cap", "1000.00",
                          "--contributor-cap", "1000.00"])
        let late = contribution("KISUMU-SCHOOL", sender: "Maria Lopez")
        _ = try await acme.submit([late])
        let lateStatus = try await final(late.transferId, acme)
        XCTAssertEqual(lateStatus.state, .paid)
        XCTAssertEqual(try daemon.prefund("ACME"), prefund - 10_249)
        try await Task.sleep(for: .seconds(4))
        _ = try remitctl(["projects", "refund-due"])
        let refunded = try json(try remitctl(["projects", "show", "KISUMU-SCHOOL", "--json"]))
        XCTAssertEqual(refunded["state"] as? String, "refunded")
        XCTAssertEqual((refunded["escrowMinor"] as! NSNumber).int64Value, 0)
        let status = try await acme.transfer(late.transferId)
        XCTAssertEqual(status.state, .reversed)
        XCTAssertEqual(status.legs.first?.errorCode, .projectRefunded)
        let statusInVersion2 = try await acme2.transfer(late.transferId)
        XCTAssertEqual(statusInVersion2.legs.first?.errorCode, .partnerReversed, "8005 PROJECT_REFUNDED before version 3")
        XCTAssertEqual(try daemon.prefund("ACME"), prefund, "policy full: the send amount and fee are back")

        // A funded project's milestone is paid to its institution by the simulated MFI.
        try open("KISUMU-WELL", target: "20000.00", deadline: Date().addingTimeInterval(86_400))
        _ = try remitctl(["projects", "sponsor", "KISUMU-WELL", "COUNTY", "--ratio", "1", "--project-cap", "20000.00",
                          "--contributor-cap", "20000.00"])
        let well = contribution("KISUMU-WELL", sender: "Maria Lopez")
        _ = try await acme.submit([well])
        let wellStatus = try await final(well.transferId, acme)
        XCTAssertEqual(wellStatus.state, .paid)
        let early = try daemon.remitctl(["projects", "disburse", "KISUMU-CLINIC", "--milestone", "1", "--evidence", "too early"])
        XCTAssertEqual(early.status, 1)
        XCTAssertTrue(early.err.contains("project KISUMU-CLINIC is open"), early.err)
        _ = try remitctl(["projects", "disburse", "KISUMU-WELL", "--milestone", "1", "--evidence", "well drilled, inspection 17"])
        var milestones: [[String: Any]] = []
        for _ in 0..<300 {
            milestones = try XCTUnwrap(try json(try remitctl(["projects", "show", "KISUMU-WELL", "--json"]))["milestones"]
                as? [[String: Any]])
            if milestones.first?["state"] as? String != "disbursing" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTAssertEqual(milestones.first?["state"] as? String, "paid")
        XCTAssertEqual((milestones.first?["disbursedMinor"] as? NSNumber)?.int64Value, 2 * 1_281_555, "the contribution and its match")
        let completed = try json(try remitctl(["projects", "show", "KISUMU-WELL", "--json"]))
        XCTAssertEqual(completed["state"] as? String, "completed")
        XCTAssertEqual((completed["escrowMinor"] as! NSNumber).int64Value, 0)
        try await acme.close()
        try await acme2.close()
        try await beta.close()
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
    }

    static func clinic(_ id: String = "KISUMU-CLINIC", deadline: Date = Date().addingTimeInterval(86_400),
                       target: Int64 = 50_000_000) -> OpenProject {
        OpenProject(projectId: id, associationId: "KISUMU-HTA", associationName: "Kisumu Diaspora Association",
                    title: "Community clinic, Kisumu", target: target,
                    deadline: Int64(deadline.timeIntervalSince1970 * 1_000), currency: CurrencyCode("KES")!,
                    country: CountryCode("KE")!, refundPolicy: .full, institution: "KMFI", account: "CLINIC-0042",
                    milestones: [.init(amount: target - 10_000_000, description: "Foundations and walls"),
                                 .init(amount: 10_000_000, description: "Roof")])
    }

    func refusal(_ call: () async throws -> Any) async -> ErrorMessage? {
        do {
            _ = try await call()
            return nil
        } catch RemitClientError.server(let error) {
            return error
        } catch {
            XCTFail("\(error)")
            return nil
        }
    }

    /// Protocol version 3: ACME opens its association's project over the protocol; the project's
    /// statement and receipts are read by both operators, each seeing its own senders only; the
    /// statement agrees with the ledger's (remitctl); every refusal has its code and field.
    func testAnOperatorOpensAProjectAndReadsItsStatementAndReceiptsOverTheProtocol() async throws {
        daemon = try Daemon()
        let acme = try await daemon.connect("ACME"), beta = try await daemon.connect("BETA")
        XCTAssertEqual([acme.version, beta.version], [3, 3])
        let opened = try await acme.openProject(Self.clinic())
        XCTAssertEqual(opened.state, .open)
        XCTAssertEqual([opened.target, opened.contributed, opened.matched, opened.escrow], [50_000_000, 0, 0, 0])
        XCTAssertEqual(opened.country.description, "KE")
        XCTAssertEqual(opened.institution, "KMFI")
        XCTAssertEqual(opened.milestones.map(\.state), [.pending, .pending])
        XCTAssertEqual(opened.receipts, [])
        let again = try await acme.openProject(Self.clinic(deadline: Date(timeIntervalSince1970: Double(opened.deadline) / 1_000)))
        XCTAssertEqual(again, opened, "the same request again is answered with the stored project")

        // Refusals, each with its code and field.
        var other = Self.clinic(deadline: Date(timeIntervalSince1970: Double(opened.deadline) / 1_000))
        other.account = "CLINIC-9999"
        var error = await refusal { try await acme.openProject(other) }
        XCTAssertEqual(error?.code, .projectExists)
        XCTAssertEqual(error?.fieldId, .projectId)
        error = await refusal { try await beta.openProject(Self.clinic("KISUMU-SCHOOL")) }
        XCTAssertEqual(error?.code, .projectExists, "KISUMU-HTA is ACME's association")
        XCTAssertEqual(error?.fieldId, .associationId)
        var cases: [(OpenProject, ErrorCode, FieldID)] = []
        var sum = Self.clinic("P-SUM")
        sum.milestones[1].amount += 1
        cases.append((sum, .invalidAmount, .target))
        cases.append((Self.clinic("P-PAST", deadline: Date().addingTimeInterval(-60)), .invalidDate, .deadline))
        var institution = Self.clinic("P-INSTITUTION")
        institution.institution = "NOBODY"
        cases.append((institution, .noPartnerAvailable, .institution))
        var currency = Self.clinic("P-CURRENCY")
        currency.currency = CurrencyCode("PHP")!
        cases.append((currency, .unsupportedCorridor, .currency))
        var unknownCurrency = Self.clinic("P-XQQ")
        unknownCurrency.currency = CurrencyCode("XQQ")!
        cases.append((unknownCurrency, .unknownCurrency, .currency))
        var title = Self.clinic("P-TITLE")
        title.title = ""
        cases.append((title, .missingField, .title))
        for (request, code, field) in cases {
            let refused = await refusal { try await acme.openProject(request) }
            XCTAssertEqual(refused?.code, code, request.projectId)
            XCTAssertEqual(refused?.fieldId, field, request.projectId)
        }
        error = await refusal { try await acme.project("KISUMU-SCHOOL") }
        XCTAssertEqual(error?.code, .unknownProject)
        XCTAssertEqual(error?.fieldId, .projectId)

        // Operations add a sponsor; senders of both operators contribute.
        _ = try remitctl(["projects", "sponsor-register", "COUNTY", "--name", "Kisumu County"])
        _ = try remitctl(["projects", "sponsor-fund", "COUNTY", "100000.00", "KES", "--reference", "deposit 1"])
        _ = try remitctl(["projects", "sponsor", "KISUMU-CLINIC", "COUNTY", "--ratio", "1", "--project-cap", "100000.00",
                          "--contributor-cap", "100000.00"])
        let maria = contribution("KISUMU-CLINIC", sender: "Maria Lopez")
        let amina = contribution("KISUMU-CLINIC", from: "GB", sender: "Amina Otieno")
        for (client, transfer) in [(acme, maria), (beta, amina)] {
            let result = try await client.submit([transfer])
            XCTAssertEqual(result.first?.errorCode, ErrorCode.none, "\(result)")
            let status = try await final(transfer.transferId, client)
            XCTAssertEqual(status.state, .paid)
        }

        let seenByAcme = try await acme.project("KISUMU-CLINIC")
        XCTAssertEqual(seenByAcme.contributions, 2)
        XCTAssertEqual(seenByAcme.receipts.map(\.number), [1, 2])
        XCTAssertEqual(seenByAcme.receipts.map(\.transferId), [maria.transferId, nil], "BETA's transfer is not ACME's to see")
        XCTAssertEqual(seenByAcme.receipts.map(\.contributorName), ["Maria Lopez", ""])
        XCTAssertEqual(seenByAcme.receipts.map(\.sendCountry.description), ["US", "GB"])
        XCTAssertEqual(seenByAcme.receipts.map(\.state), [.held, .held])
        let contributed = seenByAcme.receipts.map(\.amount).reduce(0, +)
        XCTAssertEqual(seenByAcme.contributed, contributed)
        XCTAssertEqual(seenByAcme.matched, contributed, "one for one")
        XCTAssertEqual(seenByAcme.receipts.flatMap(\.matches).map(\.sponsorId), ["COUNTY", "COUNTY"])
        XCTAssertEqual(seenByAcme.receipts.flatMap(\.matches).map(\.amount), seenByAcme.receipts.map(\.amount))
        XCTAssertEqual(seenByAcme.escrow, 2 * contributed)
        XCTAssertEqual(seenByAcme.sponsors.map(\.sponsorId), ["COUNTY"])
        XCTAssertEqual(seenByAcme.sponsors.first?.matched, contributed)
        XCTAssertEqual(seenByAcme.sponsors.first?.ratioPpm, 1_000_000)
        let seenByBeta = try await beta.project("KISUMU-CLINIC")
        XCTAssertEqual(seenByBeta.receipts.map(\.transferId), [nil, amina.transferId])
        XCTAssertEqual(seenByBeta.receipts.map(\.contributorName), ["", "Amina Otieno"])
        let after = try await beta.project("KISUMU-CLINIC", afterReceipt: 1)
        XCTAssertEqual(after.receipts.map(\.number), [2])

        // The protocol's statement is the ledger's.
        let ledger = try json(try remitctl(["projects", "show", "KISUMU-CLINIC", "--json"]))
        XCTAssertEqual((ledger["escrowMinor"] as! NSNumber).int64Value, seenByAcme.escrow)
        XCTAssertEqual((ledger["contributedMinor"] as? NSNumber)?.int64Value, seenByAcme.contributed)
        XCTAssertEqual((ledger["matchedMinor"] as? NSNumber)?.int64Value, seenByAcme.matched)

        // Receipts: the operator's own contributions only.
        let receipt = try await acme.contributionReceipt(transferId: maria.transferId)
        XCTAssertEqual(receipt.receipt, seenByAcme.receipts[0])
        XCTAssertEqual([receipt.projectId, receipt.title, receipt.currency.description],
                       ["KISUMU-CLINIC", "Community clinic, Kisumu", "KES"])
        error = await refusal { try await beta.contributionReceipt(transferId: maria.transferId) }
        XCTAssertEqual(error?.code, .notFound)
        // remitctl asks as the operator, as an operator's own system would.
        let gateway = ["--gateway", "127.0.0.1:\(daemon.port)"]
        let shown = try remitctl(["projects", "receipt", "--demo", maria.transferId.description] + gateway)
        XCTAssertTrue(shown.contains("receipt 1 of project KISUMU-CLINIC: Community clinic, Kisumu"), shown)
        XCTAssertTrue(shown.contains("from Maria Lopez (US) through ACME"), shown)
        XCTAssertTrue(shown.contains("matched KES"), shown)
        let shownJSON = try json(try remitctl(["projects", "receipt", "--demo", maria.transferId.description, "--json"] + gateway))
        XCTAssertEqual((shownJSON["amountMinor"] as? NSNumber)?.int64Value, receipt.receipt.amount)
        let notBeta = try daemon.remitctl(["projects", "receipt", "--demo", "--as", "BETA", maria.transferId.description] + gateway)
        XCTAssertEqual(notBeta.status, 1)
        XCTAssertTrue(notBeta.err.contains("3003"), notBeta.err)
        error = await refusal { try await acme.contributionReceipt(transferId: maria.transferId, legIndex: 1) }
        XCTAssertEqual(error?.code, .notFound)

        // A version-2 connection cannot ask; the codec refuses before anything is sent.
        var versionTwo = daemon.clientConfiguration("ACME")
        versionTwo.versions = 1...2
        let acme2 = try await RemitClient.connect(versionTwo)
        do {
            _ = try await acme2.project("KISUMU-CLINIC")
            XCTFail("a version-3 request went out on a version-2 connection")
        } catch RemitClientError.needsVersion(let needed, let negotiated) {
            XCTAssertEqual([needed, negotiated], [3, 2])
        }
        try await acme2.close()
        try await acme.close()
        try await beta.close()
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
    }

    /// A statement carries at most 256 receipts; the client asks again after the last one.
    func testAStatementCarries256ReceiptsAndTheRestFollowOnRequest() async throws {
        daemon = try Daemon()
        let acme = try await daemon.connect("ACME")
        _ = try await acme.openProject(Self.clinic(target: 1_000_000_000))
        let transfers = (0..<257).map { index in
            var transfer = contribution("KISUMU-CLINIC", sender: "Maria Lopez")
            transfer.senderAccount = "ACC-\(index)"
            return transfer
        }
        let results = try await acme.submit(transfers)
        XCTAssertEqual(Set(results.map(\.errorCode)), [ErrorCode.none])
        var statement = try await acme.project("KISUMU-CLINIC")
        for _ in 0..<600 where statement.contributions < 257 {
            try await Task.sleep(for: .milliseconds(100))
            statement = try await acme.project("KISUMU-CLINIC")
        }
        XCTAssertEqual(statement.contributions, 257)
        XCTAssertEqual(statement.receipts.count, ProjectLimit.receiptsPerStatement)
        XCTAssertEqual(statement.receipts.last?.number, 256)
        let rest = try await acme.project("KISUMU-CLINIC", afterReceipt: 256)
        XCTAssertEqual(rest.receipts.map(\.number), [257])
        let all = try await acme.projectWithAllReceipts("KISUMU-CLINIC")
        XCTAssertEqual(all.receipts.map(\.number), Array(1...257))
        XCTAssertEqual(all.receipts.map(\.amount).reduce(0, +), all.contributed)
        try await acme.close()
    }
}
