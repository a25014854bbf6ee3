import Foundation
import RemitDomain
import RemitLedger
import Synchronization

/// The reference rates in force, kept in memory for pricing and in the ledger for the record.
/// Changed by `remitctl rates set` (through the admin socket) and by the rates file at start
/// and on reload; an observation older than the one held is ignored.
public final class RateBook: Sendable {
    private struct Pair: Hashable {
        let base: String
        let quote: String
    }

    private let rates = Mutex([Pair: ReferenceRate]())

    func load(_ ledger: Ledger) throws {
        let stored = try ledger.referenceRates()
        rates.withLock { rates in
            for rate in stored { rates[Pair(base: rate.base.code, quote: rate.quote.code)] = rate }
        }
    }

    func rate(_ base: Currency, _ quote: Currency) -> ReferenceRate? {
        rates.withLock { $0[Pair(base: base.code, quote: quote.code)] }
    }

    var all: [ReferenceRate] { rates.withLock { Array($0.values) } }

    /// Records `rate` in the ledger, then here; false if the ledger refused it.
    /// With `audit`, the change goes on the audit log in the same transaction.
    func set(_ rate: ReferenceRate, source: String, _ ledger: Ledger, audit: AuditRecord? = nil) async -> LedgerError? {
        let command = LedgerCommand.setReferenceRate(rate, source: source)
        if case .rejected(let error) = await ledger.apply(audit.map { .audited($0, command) } ?? command) { return error }
        rates.withLock { rates in
            let pair = Pair(base: rate.base.code, quote: rate.quote.code)
            if let held = rates[pair], held.asOf > rate.asOf { return }
            rates[pair] = rate
        }
        return nil
    }

    /// Parses a rates file: one `BASE,QUOTE,MID,AS_OF` line per pair, AS_OF in ISO 8601 UTC
    /// (`2026-11-23T10:00:00Z`); `#` starts a comment. Every line must be valid, or nothing is
    /// loaded and the error names the line. An observation more than a minute after `now` is a
    /// mistake, not a rate.
    public static func parse(_ text: String, file: String, now: Int64) throws(ConfigurationError) -> [ReferenceRate] {
        var out: [ReferenceRate] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            func fail(_ problem: String) -> ConfigurationError {
                ConfigurationError(file: file, key: "", line: number + 1, problem: problem)
            }
            guard fields.count == 4 else { throw fail("expected BASE,QUOTE,MID,AS_OF, e.g. USD,KES,129.45,2026-11-23T10:00:00Z") }
            guard let base = try? Currency(fields[0]) else { throw fail("\"\(fields[0])\" is not an ISO 4217 currency code") }
            guard let quote = try? Currency(fields[1]) else { throw fail("\"\(fields[1])\" is not an ISO 4217 currency code") }
            let mid: Rate
            do { mid = try Rate(fields[2]) } catch { throw fail("\(error)") }
            guard let asOf = parseTimestamp(fields[3]) else { throw fail("\"\(fields[3])\" is not a UTC time such as 2026-11-23T10:00:00Z") }
            guard asOf <= now + 60_000 else { throw fail("\(fields[3]) is in the future") }
            guard base != quote else { throw fail("a rate between \(base) and itself") }
            out.append(ReferenceRate(base: base, quote: quote, mid: mid, asOf: asOf))
            guard out.count <= 10_000 else { throw fail("more than 10,000 rates") }
        }
        return out
    }

    /// `2026-11-23T10:00:00Z` (or with fractional seconds) as milliseconds since the epoch.
    static func parseTimestamp(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970) * 1_000 }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1_000).rounded()) }
    }
}
