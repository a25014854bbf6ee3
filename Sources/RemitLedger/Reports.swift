import Foundation
import GRDB
import RemitDomain

/// How a report groups time: by calendar month, quarter or year (UTC), or all together.
public enum ReportPeriod: String, Sendable, CaseIterable {
    case month, quarter, year, all

    /// The period's label for a time in milliseconds: "2026-11", "2026-Q4", "2026" or "all".
    public func label(_ milliseconds: Int64) -> String {
        let time = UTCTime(milliseconds)
        let month = time.month < 10 ? "0\(time.month)" : "\(time.month)"
        switch self {
        case .month: return "\(time.year)-\(month)"
        case .quarter: return "\(time.year)-Q\((time.month - 1) / 3 + 1)"
        case .year: return "\(time.year)"
        case .all: return "all"
        }
    }
}

/// What senders paid in one corridor over one period: the World Bank's total cost (fee plus the
/// rate's margin against the mid rate) as parts per million of the send amount.
public struct CorridorCost: Hashable, Sendable {
    public var period: String
    public var sendCountry: String
    public var sendCurrency: String
    public var payoutCountry: String
    public var payoutCurrency: String
    public var count: Int
    /// Minor units of the send currency.
    public var sendVolume: Int64
    public var fees: Int64
    /// The margin's cost in minor units of the send currency, rounded down per transfer.
    public var marginCost: Int64
    /// The mean of the transfers' total costs (ppm): the SDG 10.c measure.
    public var averageCostPPM: Int64
    /// Total cost over total volume (ppm).
    public var weightedCostPPM: Int64
    public var maximumCostPPM: Int64
    /// Transfers that cost above the 5 % ceiling.
    public var aboveCeiling: Int
}

/// Money delivered in one month through one corridor and payout partner: the flow history
/// lenders ask for before financing against future remittances.
public struct PayoutFlow: Hashable, Sendable {
    public var month: String
    public var sendCountry: String
    public var payoutCountry: String
    public var payoutCurrency: String
    public var partner: String
    public var legs: Int
    public var transfers: Int
    /// Minor units of the payout currency.
    public var payoutVolume: Int64
}

extension Ledger {
    /// SDG 10.c: an average cost below 3 % and no corridor above 5 %, as ppm.
    public static let costTargetPPM: Int64 = 30_000
    public static let costCeilingPPM: Int64 = 50_000

    /// States of transfers that were sent: paid, partly paid, or still under way. Rejected,
    /// cancelled, failed and refunded transfers cost the sender nothing and are left out.
    static let sentStates = ["accepted", "inReview", "dispatched", "inDoubt", "paid", "partiallyPaid"]

    /// Costs per corridor and period of the transfers created in `[from, to)` (milliseconds;
    /// nil for no bound), ordered by period and corridor.
    ///
    /// ```swift
    /// for row in try ledger.costReport(period: .month) where row.averageCostPPM > Ledger.costTargetPPM { ... }
    /// ```
    public func costReport(from: Int64? = nil, to: Int64? = nil, period: ReportPeriod) throws -> [CorridorCost] {
        struct Sums {
            var count = 0
            var send: Int64 = 0, fees: Int64 = 0, margin: Int64 = 0
            var ppmSum: Int64 = 0, ppmMax: Int64 = 0, costSum: Int128 = 0
            var above = 0
        }
        var sums: [[String]: Sums] = [:]
        try pool.read { db in
            let states = Self.sentStates.map { "'\($0)'" }.joined(separator: ", ")
            let rows = try Row.fetchCursor(db, sql: """
                SELECT created_at, send_country, send_currency, payout_country, payout_currency, send_amount, fee,
                       rate, reference_rate
                FROM transfer WHERE state IN (\(states)) AND created_at >= ? AND created_at < ?
                """, arguments: [from ?? .min, to ?? .max])
            while let row = try rows.next() {
                let send: Int64 = row["send_amount"], fee: Int64 = row["fee"]
                let rate: Int64 = row["rate"], reference: Int64 = row["reference_rate"]
                let marginPPM = rate > 0 && reference > 0 ? Rate(nanos: rate).marginPPM(against: Rate(nanos: reference)) : 0
                let ppm = Int64(TotalCost.ppm(send: send, fee: fee, marginPPM: marginPPM))
                let key = [period.label(row["created_at"])] + Self.texts(row, "send_country", "send_currency",
                                                                      "payout_country", "payout_currency")
                var s = sums[key] ?? Sums()
                s.count += 1
                s.send &+= send
                s.fees &+= fee
                s.margin &+= Int64(Int128(send) * Int128(marginPPM) / 1_000_000)
                s.ppmSum &+= ppm
                s.ppmMax = max(s.ppmMax, ppm)
                s.costSum += Int128(ppm) * Int128(send)
                if ppm > Self.costCeilingPPM { s.above += 1 }
                sums[key] = s
            }
        }
        return sums.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { key, s in
            CorridorCost(period: key[0], sendCountry: key[1], sendCurrency: key[2], payoutCountry: key[3],
                         payoutCurrency: key[4], count: s.count, sendVolume: s.send, fees: s.fees, marginCost: s.margin,
                         averageCostPPM: s.ppmSum / Int64(s.count),
                         weightedCostPPM: s.send > 0 ? Int64(s.costSum / Int128(s.send)) : 0,
                         maximumCostPPM: s.ppmMax, aboveCeiling: s.above)
        }
    }

    /// Paid legs per month (of the transfer's creation, UTC), corridor and partner, for
    /// transfers created in `[from, to)`.
    public func flowReport(from: Int64? = nil, to: Int64? = nil) throws -> [PayoutFlow] {
        var flows: [[String]: PayoutFlow] = [:]
        var seen: [[String]: Set<[UInt8]>] = [:]
        try pool.read { db in
            let rows = try Row.fetchCursor(db, sql: LegPlace.eachPlace { from, leg in
                """
                SELECT t.created_at, t.send_country, t.payout_country, t.payout_currency, \(leg("partner")) AS partner,
                       \(leg("payout_amount")) AS payout_amount, t.operator_id, t.transfer_id
                FROM \(from)
                WHERE \(leg("state")) = 'paid' AND t.created_at >= ?1 AND t.created_at < ?2
                """
            }, arguments: [from ?? .min, to ?? .max])
            while let row = try rows.next() {
                let key = [ReportPeriod.month.label(row["created_at"])] + Self.texts(row, "send_country", "payout_country",
                                                                                    "payout_currency", "partner")
                var flow = flows[key] ?? PayoutFlow(month: key[0], sendCountry: key[1], payoutCountry: key[2],
                                                    payoutCurrency: key[3], partner: key[4], legs: 0, transfers: 0,
                                                    payoutVolume: 0)
                flow.legs += 1
                flow.payoutVolume &+= row["payout_amount"]
                let operatorId: String = row["operator_id"]
                let transferId: [UInt8] = Array(row["transfer_id"] as Data)
                let transfer = Array(operatorId.utf8) + [0] + transferId
                if seen[key, default: []].insert(transfer).inserted { flow.transfers += 1 }
                flows[key] = flow
            }
        }
        return flows.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.value)
    }

    /// Text columns of a row, "?" for a NULL (a transfer rejected before its corridor was known).
    private static func texts(_ row: Row, _ columns: String...) -> [String] {
        columns.map { (row[$0] as String?) ?? "?" }
    }
}
