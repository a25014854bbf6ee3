import Foundation
import RemitClient
import RemitProtocol
import XCTest

/// The read commands operations use all day, run as the built binary against a real daemon:
/// status, operators list and show, accounts list and statement, transfers show with its events
/// and entries, verify; each for people and as JSON.
final class RemitCtlReadTests: XCTestCase {
    var daemon: Daemon!

    override func tearDown() {
        daemon?.remove()
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testATransferWhoseHoldEntryIsSharedShowsItsPart() async throws {
        // Two transfers in one request are accepted in one slice: their holds move in one entry.
        daemon = try Daemon()
        let client = try await daemon.connect()
        let (first, second) = (ID128.random(), ID128.random())
        _ = try await client.submit([GatewayTests.transfer(first), GatewayTests.transfer(second)])
        try await client.close()
        let shown = try json(daemon.remitctl(["transfers", "show", "\(first)", "--json"]).out)
        let entries = try XCTUnwrap(shown["entries"] as? [[String: Any]])
        let hold = try XCTUnwrap(entries.first { $0["kind"] as? String == "hold" }, "\(entries)")
        XCTAssertTrue((hold["reference"] as? String ?? "").hasPrefix("2 holds from transfer/ACME/"), "\(hold)")
        let part = try XCTUnwrap(hold["transferPartMinor"] as? NSNumber, "\(hold)").int64Value
        let moved = try XCTUnwrap(hold["postings"] as? [[String: Any]]).map { ($0["amountMinor"] as! NSNumber).int64Value }
            .filter { $0 > 0 }.reduce(0, +)
        XCTAssertEqual(2 * part, moved, "two equal transfers, each half of the entry")
        let text = try daemon.remitctl(["transfers", "show", "\(first)"]).out
        XCTAssertTrue(text.contains("(of which this transfer's)"), text)
        XCTAssertEqual(try daemon.remitctl(["verify"]).status, 0)
    }

    func testTheBooksAsOperationsReadThem() async throws {
        daemon = try Daemon()
        let client = try await daemon.connect()
        let id = ID128.random()
        _ = try await client.submit([GatewayTests.transfer(id)])
        let paid = try await final(id, client, seconds: 30)
        XCTAssertEqual(paid.state, .paid)

        // status: the daemon answers; the books are read from the file.
        let status = try daemon.remitctl(["status", "--json"])
        XCTAssertEqual(status.status, 0, status.err)
        let up = try json(status.out)
        XCTAssertEqual(up["daemon"] as? String, "up")
        XCTAssertEqual(up["operators"] as? Int, 2)
        XCTAssertEqual((up["partners"] as? [Any])?.count, 3)
        XCTAssertTrue(try daemon.remitctl(["status"]).out.contains("partner MPESA-KE"))

        // transfers show: the legs, the events the operator received, the entries that moved the money.
        let shown = try json(daemon.remitctl(["transfers", "show", "\(id)", "--json"]).out)
        let events = try XCTUnwrap(shown["events"] as? [[String: Any]])
        XCTAssertEqual(events.map { $0["state"] as? String }, ["accepted", "dispatched", "dispatched", "paid", "paid"])
        let entries = try XCTUnwrap(shown["entries"] as? [[String: Any]])
        XCTAssertEqual(entries.map { $0["kind"] as? String }.count, 2, "the hold, then its posting: \(entries)")
        for entry in entries {
            let postings = try XCTUnwrap(entry["postings"] as? [[String: Any]])
            var sums: [String: Int64] = [:]
            for posting in postings { sums[posting["currency"] as! String, default: 0] += (posting["amountMinor"] as! NSNumber).int64Value }
            XCTAssertTrue(sums.values.allSatisfy { $0 == 0 }, "entry \(entry["id"]!) balances per currency: \(sums)")
        }
        let text = try daemon.remitctl(["transfers", "show", "\(id)"]).out
        XCTAssertTrue(text.contains("events") && text.contains("ledger entries") && text.contains("operator/ACME/prefund/USD"), text)

        // operators: the prefund less what was paid; the configured limits.
        let operators = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(daemon.remitctl(["operators", "list", "--json"]).out.utf8))
            as? [[String: Any]])
        XCTAssertEqual(operators.map { $0["id"] as? String }, ["ACME", "BETA"])
        let acme = try json(daemon.remitctl(["operators", "show", "ACME", "--json"]).out)
        XCTAssertEqual((acme["transfers"] as? [String: Int])?["paid"], 1)
        XCTAssertEqual((acme["limits"] as? [String: String])?["credit limit"], "USD 0.00")
        let prefund = try XCTUnwrap((acme["prefund"] as? [[String: Any]])?.first?["balanceMinor"] as? NSNumber).int64Value
        XCTAssertEqual(prefund, try daemon.prefund("ACME"))
        XCTAssertEqual(try daemon.remitctl(["operators", "show", "NOPE"]).status, 1)

        // accounts: the list, and the prefund's statement adds up from opening to closing.
        let accounts = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(daemon.remitctl(["accounts", "list", "--prefix", "operator/ACME/", "--json"]).out.utf8)) as? [[String: Any]])
        XCTAssertEqual(Set(accounts.compactMap { $0["account"] as? String }), ["operator/ACME/prefund/USD", "operator/ACME/holds/USD"])
        let statement = try json(daemon.remitctl(["accounts", "statement", "operator/ACME/prefund/USD", "--json"]).out)
        let movements = try XCTUnwrap(statement["movements"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(movements.count, 2, "the demo's funding and the hold")
        let opening = (statement["openingMinor"] as! NSNumber).int64Value, closing = (statement["closingMinor"] as! NSNumber).int64Value
        XCTAssertEqual(opening, 0)
        XCTAssertEqual(opening + movements.reduce(Int64(0)) { $0 + ($1["amountMinor"] as! NSNumber).int64Value }, closing)
        XCTAssertEqual(closing, prefund)
        let tomorrow = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400)).prefix(10)
        let empty = try json(daemon.remitctl(["accounts", "statement", "operator/ACME/prefund/USD", "--from", String(tomorrow), "--json"]).out)
        XCTAssertEqual((empty["movements"] as? [Any])?.count, 0)
        XCTAssertEqual((empty["openingMinor"] as? NSNumber)?.int64Value, prefund, "nothing after today: the balance now")
        XCTAssertEqual(try daemon.remitctl(["accounts", "statement", "nope/USD"]).status, 1)
        XCTAssertEqual(try daemon.remitctl(["accounts", "statement", "operator/ACME/prefund/USD", "--from", "2026-13-01"]).status, 64)
        for limit in ["0", "1000001"] {
            let refused = try daemon.remitctl(["accounts", "statement", "operator/ACME/prefund/USD", "--limit", limit])
            XCTAssertEqual(refused.status, 64, "--limit \(limit)")
        }
        let one = try json(daemon.remitctl(["accounts", "statement", "operator/ACME/prefund/USD", "--limit", "1", "--json"]).out)
        XCTAssertEqual((one["movements"] as? [Any])?.count, 1)

        // transfers list with filters.
        func listed(_ arguments: [String]) throws -> [String] {
            let result = try daemon.remitctl(["transfers", "list", "--json"] + arguments)
            XCTAssertEqual(result.status, 0, result.err)
            return (try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        }
        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        XCTAssertEqual(try listed(["--state", "paid", "--operator", "ACME", "--from", today, "--to", today]), ["\(id)"])
        XCTAssertEqual(try listed(["--state", "refunded"]), [])
        XCTAssertEqual(try listed(["--operator", "BETA"]), [])
        XCTAssertEqual(try listed(["--from", String(tomorrow)]), [])
        XCTAssertEqual(try listed(["--reference", "REF-1"]), ["\(id)"])
        XCTAssertEqual(try daemon.remitctl(["transfers", "list", "--state", "lost"]).status, 64)

        // Shell completion, from the binary itself.
        let completion = try runProgram(Bundle.main.bundleURL.appendingPathComponent("remitctl").path,
                                        ["--generate-completion-script", "bash"], holdOpen: 0)
        let script = String(decoding: completion.out, as: UTF8.self)
        XCTAssertTrue(script.contains("reconcile") && script.contains("statement"), completion.err)

        // verify as JSON.
        let verified = try json(daemon.remitctl(["verify", "--json"]).out)
        XCTAssertEqual(verified["clean"] as? Bool, true)
        try await client.close()

        // The daemon gone: status says so, and still reads the books.
        _ = daemon.stop()
        let down = try daemon.remitctl(["status", "--json"])
        XCTAssertEqual(down.status, 69)
        XCTAssertEqual(try json(down.out)["daemon"] as? String, "down")
    }
}
