import ArgumentParser
import Foundation
import RemitDomain
import RemitLedger

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The audit log: every admin action and review decision, who made it, and its outcome.",
        discussion: """
            Lines come oldest first, from --after (an id). Each line is hash-chained to the one before; \
            `remitctl verify` walks the chain and reports an edited, inserted or missing line. Exit codes: \
            0 listed; 66 no readable ledger.
            """)

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "List lines after this id.")
    var after: Int64 = 0
    @Option(help: "At most this many lines (1 to 100000).")
    var limit = 100
    @Flag(help: "Print JSON for scripts.")
    var json = false

    func validate() throws {
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 100000") }
    }

    func run() throws {
        try reporting {
            let lines = try ledger.open().audit(after: after, limit: limit)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(lines), as: UTF8.self))
                return
            }
            guard !lines.isEmpty else { return print("no audit lines after \(after)") }
            let actorWidth = max(5, lines.map(\.actor.count).max() ?? 0)
            let actionWidth = max(6, lines.map(\.action.count).max() ?? 0)
            print("id      " + "time (UTC)".padding(toLength: 24, withPad: " ", startingAt: 0) + "  " + "actor".padding(toLength: actorWidth, withPad: " ", startingAt: 0)
                  + "  " + "action".padding(toLength: actionWidth, withPad: " ", startingAt: 0) + "  subject, detail, outcome")
            for line in lines {
                print(String(line.id).padding(toLength: 6, withPad: " ", startingAt: 0) + "  " + Self.time(line.at) + "  "
                      + line.actor.padding(toLength: actorWidth, withPad: " ", startingAt: 0) + "  "
                      + line.action.padding(toLength: actionWidth, withPad: " ", startingAt: 0) + "  "
                      + [line.subject, line.detail, line.outcome].filter { !$0.isEmpty }.joined(separator: "; "))
            }
        }
    }

    /// 2026-12-03T10:15:02.123Z
    static func time(_ milliseconds: Int64) -> String {
        let t = UTCTime(milliseconds)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let ms = t.millisecond < 10 ? "00\(t.millisecond)" : t.millisecond < 100 ? "0\(t.millisecond)" : "\(t.millisecond)"
        return "\(t.year)-\(two(t.month))-\(two(t.day))T\(two(t.hour)):\(two(t.minute)):\(two(t.second)).\(ms)Z"
    }
}
