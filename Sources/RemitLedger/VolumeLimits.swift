import Foundation
import GRDB
import RemitDomain

/// Who a transfer counts against: its sender and its beneficiary, each identified within the
/// operator by a key the gateway derives (their accounts, normalised).
public struct VolumeParties: Hashable, Sendable {
    public var sender: String
    public var beneficiary: String
    public var limits: VolumeLimits

    public init(sender: String, beneficiary: String, limits: VolumeLimits) {
        self.sender = sender
        self.beneficiary = beneficiary
        self.limits = limits
    }
}

enum Volumes {
    static func day(_ time: Int64) -> Int64 { time.floorDivided(by: 86_400_000) }

    /// The reason the transfer would break a limit, or nil; counts nothing.
    static func check(_ db: Database, operatorId: String, _ parties: VolumeParties, amount: Int64,
                      _ context: WriteContext) throws -> ReasonCode? {
        let today = day(context.time)
        func totals(_ party: String, since: Int64) throws -> (count: Int64, amount: Int64) {
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT coalesce(sum(count), 0), coalesce(sum(amount), 0) FROM volume
                WHERE operator_id = ? AND party = ? AND day >= ?
                """), arguments: [operatorId, party, since])!
            return (row[0], row[1])
        }
        func breaks(_ window: VolumeLimits.Window, _ party: String, days: Int64) throws -> Bool {
            guard !window.isEmpty else { return false }
            let (count, total) = try totals(party, since: today - days + 1)
            if let limit = window.count, count + 1 > limit { return true }
            if let limit = window.amount, total + amount > limit { return true }
            return false
        }
        let limits = parties.limits
        if let limit = limits.operatorDaily, try totals("operator", since: today).amount + amount > limit {
            return .operatorDailyLimit
        }
        if try breaks(limits.senderDaily, "s:" + parties.sender, days: 1) { return .senderDailyLimit }
        if try breaks(limits.senderMonthly, "s:" + parties.sender, days: 30) { return .senderMonthlyLimit }
        if try breaks(limits.beneficiaryDaily, "b:" + parties.beneficiary, days: 1)
            || breaks(limits.beneficiaryMonthly, "b:" + parties.beneficiary, days: 30) {
            return .beneficiaryLimit
        }
        return nil
    }

    /// Counts an accepted transfer against its sender, beneficiary and operator.
    static func count(_ db: Database, operatorId: String, _ parties: VolumeParties, amount: Int64,
                      _ context: WriteContext) throws {
        for party in ["operator", "s:" + parties.sender, "b:" + parties.beneficiary] {
            try db.cachedStatement(sql: """
                INSERT INTO volume (operator_id, party, day, count, amount) VALUES (?, ?, ?, 1, ?)
                ON CONFLICT (operator_id, party, day) DO UPDATE SET count = count + 1, amount = amount + excluded.amount
                """).execute(arguments: [operatorId, party, day(context.time), amount])
        }
    }
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 { (self >= 0 ? self : self - divisor + 1) / divisor }
}

extension ReasonCode {
    public static let senderDailyLimit = ReasonCode(rawValue: 5006)
    public static let senderMonthlyLimit = ReasonCode(rawValue: 5007)
    public static let beneficiaryLimit = ReasonCode(rawValue: 5008)
    public static let operatorTransactionLimit = ReasonCode(rawValue: 5009)
    public static let operatorDailyLimit = ReasonCode(rawValue: 5010)
}
