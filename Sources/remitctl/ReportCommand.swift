import ArgumentParser
import Foundation
import RemitDomain
import RemitLedger

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports from the ledger: what remittances cost, and the flows they carried.",
        subcommands: [CostsReport.self, FlowsReport.self])
}

/// The period options every report takes.
struct ReportWindow: ParsableArguments {
    @Option(help: "First day to include (YYYY-MM-DD, UTC): transfers created on or after it.")
    var from: String?
    @Option(help: "First day to leave out (YYYY-MM-DD, UTC).")
    var to: String?

    func bounds() throws -> (Int64?, Int64?) { (try from.map(parseDay), try to.map(parseDay)) }
}

struct CostsReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "costs",
        abstract: "Per corridor and period: count, volume and average total cost against the SDG 10.c targets.",
        discussion: """
            Total cost is the World Bank's measure: the fee plus what the rate's margin against the mid-market \
            reference rate costs, as a percentage of the send amount. SDG 10.c asks for an average below 3 % \
            and no corridor above 5 %. AVG is the mean of the transfers' costs, WEIGHTED the total cost over \
            the total volume, ABOVE 5% the transfers that cost more than the ceiling. Transfers sent count \
            (paid, partly paid or under way); rejected, cancelled and refunded ones do not. \
            Exit codes: 0 printed; 66 no readable ledger; 64 bad usage.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var window: ReportWindow
    @Option(help: "Group by month, quarter, year or all.")
    var period: String = "month"
    @Flag(help: "Print JSON for scripts: amounts in minor units and as decimal text, costs in ppm and percent.")
    var json = false

    func run() throws {
        guard let grouping = ReportPeriod(rawValue: period) else {
            throw ValidationError("--period must be one of: month, quarter, year, all")
        }
        let (lower, upper) = try window.bounds()
        try reporting {
            let rows = try ledger.open().costReport(from: lower, to: upper, period: grouping)
            print(json ? Self.json(rows) : Self.table(rows))
        }
    }

    /// ppm as a percentage with two decimals, rounded down: 29,999 ppm is "2.99%".
    static func percent(_ ppm: Int64) -> String {
        let hundredths = ppm / 100
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)%"
    }

    static func verdict(_ row: CorridorCost) -> String {
        row.averageCostPPM > Ledger.costCeilingPPM ? "above the 5% ceiling"
            : row.averageCostPPM >= Ledger.costTargetPPM ? "above the 3% target" : "meets 3%"
    }

    static func table(_ rows: [CorridorCost]) -> String {
        let header = ["PERIOD", "CORRIDOR", "COUNT", "VOLUME", "FEES", "MARGIN", "AVG", "WEIGHTED", "MAX", "ABOVE 5%", "SDG 10.c"]
        let lines = rows.map { row in
            [row.period, "\(row.sendCountry) \(row.sendCurrency) → \(row.payoutCountry) \(row.payoutCurrency)",
             String(row.count), TransferText.amount(row.sendVolume, row.sendCurrency),
             TransferText.amount(row.fees, row.sendCurrency), TransferText.amount(row.marginCost, row.sendCurrency),
             percent(row.averageCostPPM), percent(row.weightedCostPPM), percent(row.maximumCostPPM),
             String(row.aboveCeiling), verdict(row)]
        }
        return TransferText.align([header] + lines) + (rows.isEmpty ? "\n(no transfers in the period)" : "")
    }

    static func json(_ rows: [CorridorCost]) -> String {
        TransferText.json(rows.map { row -> [String: Any] in
            let currency = try? Currency(row.sendCurrency)
            return [
                "period": row.period, "sendCountry": row.sendCountry, "sendCurrency": row.sendCurrency,
                "payoutCountry": row.payoutCountry, "payoutCurrency": row.payoutCurrency, "count": row.count,
                "sendVolumeMinor": row.sendVolume, "feesMinor": row.fees, "marginCostMinor": row.marginCost,
                "sendVolume": currency.map { Money(row.sendVolume, $0).formatted } ?? "",
                "averageCostPpm": row.averageCostPPM, "weightedCostPpm": row.weightedCostPPM,
                "maximumCostPpm": row.maximumCostPPM, "averageCost": percent(row.averageCostPPM),
                "aboveCeiling": row.aboveCeiling,
                "meetsTarget": row.averageCostPPM < Ledger.costTargetPPM,
                "aboveCeilingAverage": row.averageCostPPM > Ledger.costCeilingPPM,
            ]
        })
    }
}

struct FlowsReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flows",
        abstract: "Monthly volumes paid out per corridor and payout partner.",
        discussion: """
            Paid legs only, by the month (UTC) their transfer was created: the history of remittance flows \
            that lenders ask for before financing against future remittances. \
            Exit codes: 0 printed; 66 no readable ledger; 64 bad usage.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var window: ReportWindow
    @Flag(help: "Print JSON for scripts: amounts in minor units and as decimal text.")
    var json = false

    func run() throws {
        let (lower, upper) = try window.bounds()
        try reporting {
            let flows = try ledger.open().flowReport(from: lower, to: upper)
            if json {
                print(TransferText.json(flows.map { flow -> [String: Any] in
                    [
                        "month": flow.month, "sendCountry": flow.sendCountry, "payoutCountry": flow.payoutCountry,
                        "payoutCurrency": flow.payoutCurrency, "partner": flow.partner, "legs": flow.legs,
                        "transfers": flow.transfers, "payoutVolumeMinor": flow.payoutVolume,
                        "payoutVolume": (try? Currency(flow.payoutCurrency)).map { Money(flow.payoutVolume, $0).formatted } ?? "",
                    ]
                }))
            } else {
                let header = ["MONTH", "CORRIDOR", "PARTNER", "TRANSFERS", "LEGS", "PAID OUT"]
                let lines = flows.map { flow in
                    [flow.month, "\(flow.sendCountry) → \(flow.payoutCountry)", flow.partner, String(flow.transfers),
                     String(flow.legs), TransferText.amount(flow.payoutVolume, flow.payoutCurrency)]
                }
                print(TransferText.align([header] + lines) + (flows.isEmpty ? "\n(no paid legs in the period)" : ""))
            }
        }
    }
}
