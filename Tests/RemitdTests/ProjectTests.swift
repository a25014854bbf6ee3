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

        // An unknown project is refused at submission, before anything is held.
        let unknown = try await acme.submit([contribution("NO-SUCH-PROJECT", sender: "Maria Lopez")])
        XCTAssertEqual(unknown.first?.errorCode, .invalidAccount)

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
        XCTAssertEqual(status.legs.first?.errorCode, .partnerReversed, "8005 PROJECT_REFUNDED before version 3")
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
        try await beta.close()
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
    }
}
