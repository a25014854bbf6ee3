import Foundation
import GRDB
import RemitDomain
import RemitLedger
import XCTest

/// A child process writing to the ledger is SIGKILLed at random moments, mid-batch or
/// mid-commit; every time, the file must reopen, verify, and hold every batch the child
/// acknowledged.
final class CrashTests: XCTestCase {
    func testNothingAcknowledgedIsLostWhenTheWriterIsKilled() throws {
        let child = Bundle.main.bundleURL.appendingPathComponent("ledger-crash-child")
        guard FileManager.default.isExecutableFile(atPath: child.path) else {
            throw XCTSkip("ledger-crash-child is not built")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("remit-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("ledger.sqlite").path
        let kills = Int(ProcessInfo.processInfo.environment["REMIT_CRASH_KILLS"] ?? "") ?? 6
        var generator = SystemRandomNumberGenerator()

        for run in 1...kills {
            let process = Process()
            process.executableURL = child
            process.arguments = [path, "r\(run)"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.standardError
            try process.run()
            // Let it acknowledge a random number of batches, then kill it at once, wherever it is.
            let target = Int.random(in: 20...300, using: &generator)
            var acknowledged = 0
            var buffer = Data()
            let reader = pipe.fileHandleForReading
            while acknowledged < target {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                acknowledged = buffer.split(separator: UInt8(ascii: "\n")).count
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            buffer.append(reader.readDataToEndOfFile())
            let acks = String(decoding: buffer, as: UTF8.self).split(separator: "\n")
            XCTAssertGreaterThanOrEqual(acks.count, min(target, 20), "run \(run): the child stopped early")
            let lastAcked = acks.last.map { Int($0.split(separator: " ")[2])! } ?? 0

            let ledger = try Ledger.openForReading(path: path)
            let report = try ledger.verify()
            XCTAssertTrue(report.isClean, "run \(run): \(report)")
            // Every acknowledged round's funding is in the ledger; nothing beyond one unacknowledged batch.
            let references = try DatabaseQueue(path: path).read { db in
                try String.fetchAll(db, sql: "SELECT reference FROM entry WHERE kind = 'fund' AND reference LIKE ?",
                                    arguments: ["r\(run)-%"])
            }
            let rounds = Set(references.map { Int($0.split(separator: "-")[1])! })
            XCTAssertTrue((1...max(1, lastAcked)).allSatisfy(rounds.contains) || lastAcked == 0,
                          "run \(run): acknowledged rounds missing, last acked \(lastAcked), found \(rounds.count)")
            XCTAssertLessThanOrEqual(rounds.max() ?? 0, lastAcked + 1, "run \(run)")
        }
    }
}
