import Foundation
import RemitDomain
import RemitLedger
import Synchronization
import XCTest

/// A clock the test moves by hand, so a simulated day has entries at different times.
final class ManualClock: Sendable {
    private let now = Mutex<Int64>(0)
    init(_ start: Int64) { now.withLock { $0 = start } }
    func advance(_ milliseconds: Int64) { now.withLock { $0 += milliseconds } }
    var read: @Sendable () -> Int64 { { self.now.withLock { $0 } } }
}

/// The exports of a simulated day, checked by hledger and bean-check themselves: each export
/// ends with the ledger's balance for every account, so the tools fail if their sums differ.
final class ExportTests: XCTestCase {
    static let dayStart: Int64 = 1_795_392_000_000  // 2026-11-23T00:00:00Z
    var folder: URL!
    var ledger: Ledger!

    override func setUp() async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("remit-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let clock = ManualClock(Self.dayStart - 3_600_000)
        ledger = try Ledger(path: folder.appendingPathComponent("ledger.sqlite").path, clock: clock.read)
        try await simulateDay(clock)
    }

    override func tearDownWithError() throws {
        ledger = nil
        try? FileManager.default.removeItem(at: folder)
    }

    func simulateDay(_ clock: ManualClock) async throws {
        let usd = try Currency("USD"), kes = try Currency("KES"), jpy = try Currency("JPY")
        var setup: [LedgerCommand] = [.openOperator(id: "ACME", currency: usd, creditLimit: 0),
                                      .openOperator(id: "BETA", currency: usd, creditLimit: 100_000),
                                      .openOperator(id: "BETA", currency: jpy, creditLimit: 0)]
        for code in [AccountCode.feeRevenue(usd), .fxMarginRevenue(usd), .fxPosition(usd), .fxPosition(kes),
                     .partnerFloat("SAFCOM", kes), .partnerFloat("KWFT", kes), .fxPosition(jpy)] {
            setup.append(.openAccount(code))
        }
        setup.append(.fund(operatorId: "ACME", amount: Money(5_000_000, usd), reference: "wire FED-20261122-1"))
        let opened = await ledger.apply(setup)
        XCTAssertTrue(opened.allSatisfy(\.isDone), "\(opened)")
        clock.advance(3_600_000 + 60_000)  // into the day: 00:01
        _ = await ledger.apply(.fund(operatorId: "BETA", amount: Money(1_000_000, usd), reference: "wire \"urgent\", 2"))
        _ = await ledger.apply(.fund(operatorId: "BETA", amount: Money(50_000, jpy), reference: "yen"))
        for index in 0..<40 {
            clock.advance(1_800_000)
            let operatorId = index % 3 == 0 ? "BETA" : "ACME"
            let send = Int64(5_000 + index * 731), fee = Int64(199 + index % 5 * 50)
            let holdId = "t\(index)"
            let placed = await ledger.apply(.hold(id: holdId, operatorId: operatorId, amount: Money(send + fee, usd),
                                                  expiresAt: Self.dayStart + 86_400_000))
            guard placed.isDone else { continue }
            let margin = send / 100, converted = send - margin
            let payout = converted * 12_945 / 100
            switch index % 4 {
            case 0, 1:
                let partner = index % 2 == 0 ? "SAFCOM" : "KWFT"
                let outcome = await ledger.apply(.post(holdId: holdId, credits: [
                    Posting(.feeRevenue(usd), credit: Money(fee, usd)),
                    Posting(.fxMarginRevenue(usd), credit: Money(margin, usd)),
                    Posting(.fxPosition(usd), credit: Money(converted, usd)),
                    Posting(.fxPosition(kes), debit: Money(payout, kes)),
                    Posting(.partnerFloat(partner, kes), credit: Money(payout, kes)),
                ], final: true))
                XCTAssertTrue(outcome.isDone, "\(outcome)")
            case 2:
                _ = await ledger.apply(.void(holdId: holdId))
            default:
                _ = await ledger.apply(.post(holdId: holdId, credits: [Posting(.fxPosition(usd), credit: Money(send / 2, usd))],
                                             final: true))
            }
        }
        clock.advance(60_000)
        _ = await ledger.apply(.withdraw(operatorId: "ACME", amount: Money(100_000, usd), reference: "return"))
        _ = await ledger.apply(.expireHolds(asOf: Self.dayStart + 86_400_000))
        XCTAssertTrue(try ledger.verify().isClean)
    }

    /// Runs a tool on a file; nil if the tool is not installed (a failure instead under CI).
    func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String)? {
        let which = Process()
        which.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        which.arguments = ["which", tool]
        which.standardOutput = Pipe()
        try which.run()
        which.waitUntilExit()
        guard which.terminationStatus == 0 else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("\(tool) is not installed") }
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    func write(_ text: String, _ name: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Changes the amount of the last balance assertion, which the tool must then refuse.
    func tampered(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let index = lines.lastIndex { $0.contains("USD") && ($0.contains(" = ") || $0.contains(" balance ")) }!
        lines[index] = lines[index].replacingOccurrences(of: ".", with: "9.", options: [], range: nil)
        return lines.joined(separator: "\n")
    }

    func testTheHledgerJournalChecksAndItsBalancesAreTheLedgers() throws {
        for (from, name) in [(nil, "whole"), (Self.dayStart + 12 * 3_600_000, "afternoon")] as [(Int64?, String)] {
            let text = try ledger.export(.hledger, from: from)
            guard let result = try run("hledger", ["-f", try write(text, "\(name).journal"), "check", "-s"]) else {
                throw XCTSkip("hledger is not installed")
            }
            XCTAssertEqual(result.status, 0, "\(name): \(result.output)")
            let broken = try run("hledger", ["-f", try write(tampered(text), "\(name)-bad.journal"), "check"])!
            XCTAssertNotEqual(broken.status, 0, "hledger accepted a wrong balance")
        }
    }

    func testTheBeancountFileChecksAndItsBalancesAreTheLedgers() throws {
        for (from, name) in [(nil, "whole"), (Self.dayStart + 12 * 3_600_000, "afternoon")] as [(Int64?, String)] {
            let text = try ledger.export(.beancount, from: from)
            guard let result = try run("bean-check", [try write(text, "\(name).beancount")]) else {
                throw XCTSkip("bean-check is not installed")
            }
            XCTAssertEqual(result.status, 0, "\(name): \(result.output)")
            XCTAssertEqual(result.output, "", "\(name)")
            let broken = try run("bean-check", [try write(tampered(text), "\(name)-bad.beancount")])!
            XCTAssertNotEqual(broken.status, 0, "bean-check accepted a wrong balance")
        }
    }

    func testCSVHasOneLinePerPostingAndEachEntryBalances() throws {
        let lines = try ledger.export(.csv).split(separator: "\n").dropFirst()
        var sums = [String: Decimal]()
        for line in lines {
            // entry,time,kind,reference,account,currency,amount; references may be quoted.
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            let key = "\(fields.first!)/\(fields[fields.count - 2])"
            sums[key, default: 0] += Decimal(string: String(fields.last!))!
        }
        let postings = try XCTUnwrap(try ledger.verify().postings)
        XCTAssertEqual(lines.count, postings)
        XCTAssertTrue(sums.values.allSatisfy { $0 == 0 }, "\(sums.filter { $0.value != 0 })")
    }
}

final class UTCTimeTests: XCTestCase {
    /// Integer calendar arithmetic against Foundation's, over dates before and after the epoch,
    /// from 1900 on (before 1582 Foundation's calendar is Julian; ISO 8601's is proleptic Gregorian).
    func testAgreesWithTheGregorianCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var generator = SystemRandomNumberGenerator()
        let samples: [Int64] = [0, -1, 951_782_400_000, 1_795_435_200_000, -2_208_988_800_000, 4_102_444_799_999]
            + (0..<500).map { _ in Int64.random(in: -2_208_988_800_000...4_102_444_800_000, using: &generator) }
        for milliseconds in samples {
            let expected = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                                   from: Date(timeIntervalSince1970: TimeInterval(milliseconds.floorDivision(1_000))))
            let actual = UTCTimeProbe.components(milliseconds)
            XCTAssertEqual(actual, [expected.year!, expected.month!, expected.day!, expected.hour!, expected.minute!,
                                    expected.second!].map(Int64.init), "\(milliseconds)")
        }
    }
}

/// Reads the components back from the export's own timestamp text (the public surface).
enum UTCTimeProbe {
    static func components(_ milliseconds: Int64) -> [Int64] {
        let text = Ledger.utcTimestamp(milliseconds)  // 2026-11-23T12:00:00.000Z
        let digits = text.split(whereSeparator: { "-T:.Z".contains($0) }).map { Int64($0)! }
        return Array(digits.prefix(6))
    }
}

private extension Int64 {
    func floorDivision(_ divisor: Int64) -> Int64 { (self >= 0 ? self : self - divisor + 1) / divisor }
}
